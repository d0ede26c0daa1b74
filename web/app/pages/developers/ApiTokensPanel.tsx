import { useState, type FormEvent } from 'react';
import { apiSend } from '../../api.ts';
import { useApi } from '../../useApi.ts';
import { formatTime } from '../../format.ts';
import { ErrorNotice, FieldMessage, fieldMessage, SecretOnce } from '../../components/Notice.tsx';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';

interface ApiToken {
  id: string;
  name: string;
  scopes: string[];
  createdAt: number;
  lastUsedAt: number | null;
  expiresAt: number | null;
  state: 'active' | 'expired' | 'revoked';
}

interface TokensResponse {
  tokens: ApiToken[];
  scopes: { scope: string; description: string; default: boolean }[];
  expiryChoices: string[];
  mcpUrl: string;
}

const EXPIRY_LABELS: Record<string, string> = {
  '7d': '7 days',
  '30d': '30 days',
  '90d': '90 days',
  '365d': '1 year',
  never: 'Never',
};

/** API access tokens for CLI agents: the caller's own, created with the secret shown once, revoked. */
export function ApiTokensPanel() {
  const { data, error, reload } = useApi<TokensResponse>('/api/v1/api-tokens', { keepDataOnError: true });
  const [created, setCreated] = useState<{ name: string; secret: string }>();
  const [formError, setFormError] = useState<unknown>();
  const [actionError, setActionError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  async function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const formElement = event.currentTarget;
    setBusy(true);
    setFormError(undefined);
    setCreated(undefined);
    try {
      const result = await apiSend<{ token: ApiToken; secret: string }>('POST', '/api/v1/api-tokens', {
        name: String(form.get('name') ?? ''),
        scopes: form.getAll('scopes').map(String),
        expiresIn: String(form.get('expiresIn') ?? '30d'),
      });
      setCreated({ name: result.token.name, secret: result.secret });
      formElement.reset();
      reload();
    } catch (err) {
      setFormError(err);
    } finally {
      setBusy(false);
    }
  }

  async function revoke(token: ApiToken) {
    setActionError(undefined);
    try {
      await apiSend('DELETE', `/api/v1/api-tokens/${encodeURIComponent(token.id)}`);
      if (created?.name === token.name) setCreated(undefined);
      reload();
    } catch (err) {
      setActionError(err);
    }
  }

  return (
    <>
      <ErrorNotice error={error} />
      {created && (
        <section className="card" aria-labelledby="new-token-heading">
          <h2 id="new-token-heading">Token “{created.name}” created</h2>
          <SecretOnce
            id="new-token"
            label="Copy it now: it will not be shown again."
            value={created.secret}
          />
          <button type="button" className="secondary small" onClick={() => setCreated(undefined)}>
            Done, I copied it
          </button>
        </section>
      )}
      <section className="card" aria-labelledby="tokens-heading">
        <h2 id="tokens-heading">API access tokens</h2>
        <p className="muted">
          For CLI agents (Gemini CLI, Claude Code with a header): send{' '}
          <code>Authorization: Bearer &lt;token&gt;</code> to <code>{data?.mcpUrl ?? '…'}</code>. A token acts
          as you, with at most your permissions.
        </p>
        <ErrorNotice error={actionError} />
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Scopes</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Expires</th>
              <th scope="col">State</th>
              <th scope="col">
                <span className="muted">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data?.tokens.map((token) => (
              <tr key={token.id} data-token-id={token.id}>
                <td>{token.name}</td>
                <td>{token.scopes.join(' ')}</td>
                <td>{formatTime(token.createdAt)}</td>
                <td>{formatTime(token.lastUsedAt)}</td>
                <td>{formatTime(token.expiresAt, 'never')}</td>
                <td>
                  <span className={`badge ${token.state}`}>{token.state}</span>
                </td>
                <td>
                  {token.state === 'active' && (
                    <ConfirmButton
                      label="Revoke"
                      confirmLabel={`Yes, revoke “${token.name}”`}
                      onConfirm={() => void revoke(token)}
                    />
                  )}
                </td>
              </tr>
            ))}
            {data && data.tokens.length === 0 && (
              <tr>
                <td colSpan={7} className="muted">
                  No tokens yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </section>
      <section className="card" aria-labelledby="create-token-heading">
        <h2 id="create-token-heading">Create a token</h2>
        <form onSubmit={(event) => void create(event)} noValidate>
          <ErrorNotice error={formError} />
          <label htmlFor="token-name">Name</label>
          <input
            id="token-name"
            name="name"
            required
            maxLength={100}
            placeholder="Gemini CLI on my laptop"
            aria-invalid={fieldMessage(formError, 'name') ? true : undefined}
            aria-describedby={fieldMessage(formError, 'name') ? 'token-name-error' : undefined}
          />
          <FieldMessage id="token-name" error={formError} field="name" />
          <fieldset aria-describedby={fieldMessage(formError, 'scopes') ? 'token-scopes-error' : undefined}>
            <legend>Scopes</legend>
            {data?.scopes.map(({ scope, description, default: checked }) => (
              <label className="check" key={scope}>
                <input type="checkbox" name="scopes" value={scope} defaultChecked={checked} />
                <span>
                  <code>{scope}</code> — {description}
                </span>
              </label>
            ))}
            <FieldMessage id="token-scopes" error={formError} field="scopes" />
          </fieldset>
          <label htmlFor="token-expiry">Expires</label>
          <select id="token-expiry" name="expiresIn" defaultValue="30d">
            {(data?.expiryChoices ?? ['30d']).map((choice) => (
              <option key={choice} value={choice}>
                {EXPIRY_LABELS[choice] ?? choice}
              </option>
            ))}
          </select>
          <FieldMessage id="token-expiry" error={formError} field="expiresIn" />
          <div className="actions">
            <button type="submit" disabled={busy || !data}>
              Create token
            </button>
          </div>
        </form>
      </section>
    </>
  );
}
