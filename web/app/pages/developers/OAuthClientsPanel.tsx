import { useState, type FormEvent } from 'react';
import { apiSend } from '../../api.ts';
import { useApi } from '../../useApi.ts';
import { formatTime } from '../../format.ts';
import { ErrorNotice, FieldMessage, fieldMessage, SecretOnce } from '../../components/Notice.tsx';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { OAuthPolicyPanel } from './OAuthPolicyPanel.tsx';

export interface OAuthClient {
  id: string;
  kind: 'preregistered' | 'dcr' | 'cimd';
  name: string;
  redirectUris: string[];
  allowedOrigins: string[];
  createdAt: number;
  disabled: boolean;
  activeGrants: number;
}

interface ClientsResponse {
  clients: OAuthClient[];
  presets: { key: string; label: string; callbacks: string[] }[];
  defaultCallbackUrl: string;
  mcpUrl: string;
}

const KIND_LABELS = {
  preregistered: 'pre-registered',
  dcr: 'self-registered',
  cimd: 'metadata document (CIMD)',
} as const;

/** One URL per line (commas and spaces also separate). */
function lines(text: FormDataEntryValue | null): string[] {
  return String(text ?? '')
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Developers › Credentials › OAuth clients (administrators). */
export function OAuthClientsPanel() {
  const { data, error, reload } = useApi<ClientsResponse>('/api/v1/oauth-clients', { keepDataOnError: true });
  const [shown, setShown] = useState<{ title: string; clientId: string; secret: string; note: string }>();
  const [formError, setFormError] = useState<unknown>();
  const [actionError, setActionError] = useState<unknown>();
  const [useDefault, setUseDefault] = useState(false);
  const [editing, setEditing] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    setBusy(true);
    setFormError(undefined);
    setShown(undefined);
    try {
      const preset = String(form.get('preset') ?? '');
      const result = await apiSend<{ client: OAuthClient; secret: string }>('POST', '/api/v1/oauth-clients', {
        name: String(form.get('name') ?? ''),
        useDefault,
        ...(useDefault
          ? {}
          : {
              preset: preset || undefined,
              callbacks: lines(form.get('callbacks')),
              origins: lines(form.get('origins')),
            }),
      });
      setShown({
        title: `Client “${result.client.name}” created`,
        clientId: result.client.id,
        secret: result.secret,
        note: 'Copy the Client ID and Client Secret now: the secret will not be shown again.',
      });
      formElement.reset();
      setUseDefault(false);
      reload();
    } catch (err) {
      setFormError(err);
    } finally {
      setBusy(false);
    }
  }

  async function act(action: () => Promise<void>) {
    setActionError(undefined);
    try {
      await action();
      reload();
    } catch (err) {
      setActionError(err);
    }
  }

  const rotate = (client: OAuthClient) =>
    act(async () => {
      const { secret } = await apiSend<{ secret: string }>(
        'POST',
        `/api/v1/oauth-clients/${encodeURIComponent(client.id)}/secret`,
      );
      setShown({
        title: `New secret for “${client.name}”`,
        clientId: client.id,
        secret,
        note: 'Copy it now. The previous secret keeps working for 24 hours.',
      });
    });

  return (
    <>
      <ErrorNotice error={error} />
      {shown && (
        <section className="card" aria-labelledby="new-client-heading">
          <h2 id="new-client-heading">{shown.title}</h2>
          <p>{shown.note}</p>
          <SecretOnce id="new-client-id" label="Client ID" value={shown.clientId} />
          <SecretOnce id="new-client-secret" label="Client Secret" value={shown.secret} />
          <button type="button" className="secondary small" onClick={() => setShown(undefined)}>
            Done, I copied them
          </button>
        </section>
      )}
      <section className="card" aria-labelledby="clients-heading">
        <h2 id="clients-heading">OAuth clients</h2>
        <p className="muted">
          Claude.ai and Claude Code need no client here: they identify themselves with a client metadata
          document. Paste the MCP Server URL <code>{data?.mcpUrl ?? '…'}</code> into them. ChatGPT, MCP
          Inspector and MCP Jam need a client with their callback URLs.
        </p>
        <ErrorNotice error={actionError} />
        <table>
          <thead>
            <tr>
              <th scope="col">Client</th>
              <th scope="col">Kind</th>
              <th scope="col">Allowed callback URLs</th>
              <th scope="col">Grants</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="muted">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data?.clients.map((client) => (
              <tr key={client.id} data-client-id={client.id}>
                <td>
                  <strong>{client.name}</strong>
                  <br />
                  <code>{client.id}</code>
                </td>
                <td>
                  {KIND_LABELS[client.kind]}{' '}
                  {client.disabled && <span className="badge disabled">disabled</span>}
                </td>
                <td>
                  {editing === client.id ? (
                    <CallbacksEditor
                      client={client}
                      onDone={() => {
                        setEditing(undefined);
                        reload();
                      }}
                    />
                  ) : (
                    client.redirectUris.map((uri) => (
                      <div key={uri}>
                        <code>{uri}</code>
                      </div>
                    ))
                  )}
                </td>
                <td>{client.activeGrants}</td>
                <td>{formatTime(client.createdAt)}</td>
                <td>
                  <div className="row-actions">
                    {client.kind === 'preregistered' && (
                      <>
                        {editing !== client.id && (
                          <button
                            type="button"
                            className="secondary small"
                            onClick={() => setEditing(client.id)}
                          >
                            Edit callbacks
                          </button>
                        )}
                        <ConfirmButton
                          label="Rotate secret"
                          confirmLabel="Yes, new secret"
                          onConfirm={() => void rotate(client)}
                        />
                        <button
                          type="button"
                          className="secondary small"
                          onClick={() =>
                            void act(() =>
                              apiSend('PATCH', `/api/v1/oauth-clients/${encodeURIComponent(client.id)}`, {
                                disabled: !client.disabled,
                              }),
                            )
                          }
                        >
                          {client.disabled ? 'Enable' : 'Disable'}
                        </button>
                      </>
                    )}
                    <ConfirmButton
                      label="Delete"
                      confirmLabel={`Yes, delete “${client.name}”`}
                      onConfirm={() =>
                        void act(() =>
                          apiSend('DELETE', `/api/v1/oauth-clients/${encodeURIComponent(client.id)}`),
                        )
                      }
                    />
                  </div>
                </td>
              </tr>
            ))}
            {data && data.clients.length === 0 && (
              <tr>
                <td colSpan={6} className="muted">
                  No OAuth clients yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </section>
      <section className="card" aria-labelledby="create-client-heading">
        <h2 id="create-client-heading">Create an OAuth client</h2>
        <form onSubmit={(event) => void create(event)} noValidate>
          <ErrorNotice error={formError} />
          <label htmlFor="client-name">Name</label>
          <input
            id="client-name"
            name="name"
            required
            maxLength={100}
            placeholder="ChatGPT connector"
            aria-invalid={fieldMessage(formError, 'name') ? true : undefined}
            aria-describedby={fieldMessage(formError, 'name') ? 'client-name-error' : undefined}
          />
          <FieldMessage id="client-name" error={formError} field="name" />
          <label className="check">
            <input
              type="checkbox"
              checked={useDefault}
              onChange={(event) => setUseDefault(event.target.checked)}
            />
            <span>
              Use Meridian’s own callback (<code>{data?.defaultCallbackUrl ?? '/oauth/callback'}</code>), for
              trying a client by hand
            </span>
          </label>
          {!useDefault && (
            <>
              <label htmlFor="client-preset">Preset</label>
              <select id="client-preset" name="preset" defaultValue="">
                <option value="">None: enter the URLs below</option>
                {data?.presets.map((preset) => (
                  <option key={preset.key} value={preset.key}>
                    {preset.label} ({preset.callbacks.join(', ')})
                  </option>
                ))}
              </select>
              <FieldMessage id="client-preset" error={formError} field="preset" />
              <label htmlFor="client-callbacks">Allowed callback URLs (one per line, matched exactly)</label>
              <textarea
                id="client-callbacks"
                name="callbacks"
                placeholder="https://chatgpt.com/connector_platform_oauth_redirect"
                aria-invalid={fieldMessage(formError, 'callbacks') ? true : undefined}
                aria-describedby={fieldMessage(formError, 'callbacks') ? 'client-callbacks-error' : undefined}
              />
              <FieldMessage id="client-callbacks" error={formError} field="callbacks" />
              <label htmlFor="client-origins">Allowed origins (optional, one per line)</label>
              <textarea
                id="client-origins"
                name="origins"
                placeholder="https://app.example.com"
                aria-invalid={fieldMessage(formError, 'origins') ? true : undefined}
                aria-describedby={fieldMessage(formError, 'origins') ? 'client-origins-error' : undefined}
              />
              <FieldMessage id="client-origins" error={formError} field="origins" />
            </>
          )}
          <div className="actions">
            <button type="submit" disabled={busy || !data}>
              Create client
            </button>
          </div>
        </form>
      </section>
      <OAuthPolicyPanel />
    </>
  );
}

function CallbacksEditor({ client, onDone }: { client: OAuthClient; onDone: () => void }) {
  const [error, setError] = useState<unknown>();
  const id = `callbacks-${client.id}`;
  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    try {
      await apiSend('PATCH', `/api/v1/oauth-clients/${encodeURIComponent(client.id)}`, {
        callbacks: lines(form.get('callbacks')),
        origins: lines(form.get('origins')),
      });
      onDone();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <form onSubmit={(event) => void save(event)} noValidate>
      <ErrorNotice error={error} />
      <label htmlFor={id}>Allowed callback URLs</label>
      <textarea id={id} name="callbacks" defaultValue={client.redirectUris.join('\n')} />
      <label htmlFor={`${id}-origins`}>Allowed origins</label>
      <textarea id={`${id}-origins`} name="origins" defaultValue={client.allowedOrigins.join('\n')} />
      <div className="actions">
        <button type="submit" className="small">
          Save callbacks
        </button>
        <button type="button" className="secondary small" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
