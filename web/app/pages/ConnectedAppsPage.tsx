import { useState } from 'react';
import { apiSend } from '../api.ts';
import { useApi } from '../useApi.ts';
import { formatTime } from '../format.ts';
import { ErrorNotice } from '../components/Notice.tsx';
import { ConfirmButton } from '../components/ConfirmButton.tsx';

interface Grant {
  id: string;
  clientId: string;
  clientName: string;
  email: string;
  scopes: string[];
  createdAt: number;
  lastUsedAt: number | null;
}

/** Connected apps: the AI platforms connected with OAuth, grouped by application; revoking ends their access. */
export function ConnectedAppsPage() {
  const { data, error, reload } = useApi<{ grants: Grant[]; wholeOrg: boolean }>('/api/v1/connected-apps', {
    keepDataOnError: true,
  });
  const [actionError, setActionError] = useState<unknown>();

  async function revoke(grant: Grant) {
    setActionError(undefined);
    try {
      await apiSend('DELETE', `/api/v1/connected-apps/${encodeURIComponent(grant.id)}`);
      reload();
    } catch (err) {
      setActionError(err);
    }
  }

  const byClient = new Map<string, Grant[]>();
  for (const grant of data?.grants ?? [])
    byClient.set(grant.clientId, [...(byClient.get(grant.clientId) ?? []), grant]);

  return (
    <>
      <h1>Connected apps</h1>
      <p className="muted">
        AI platforms {data?.wholeOrg ? 'that anyone in your organization' : 'that you'} connected with OAuth.
        Revoking ends their access on their next request; the platform has to ask for consent again.
      </p>
      <ErrorNotice error={error} />
      <ErrorNotice error={actionError} />
      {data && byClient.size === 0 && (
        <div className="card">
          <p>No connected apps.</p>
        </div>
      )}
      {[...byClient.values()].map((grants) => (
        <section
          className="card"
          key={grants[0]!.clientId}
          aria-label={grants[0]!.clientName}
          data-client-id={grants[0]!.clientId}
        >
          <h2>{grants[0]!.clientName}</h2>
          <p className="muted">
            <code>{grants[0]!.clientId}</code>
          </p>
          <table>
            <thead>
              <tr>
                {data?.wholeOrg && <th scope="col">User</th>}
                <th scope="col">Scopes</th>
                <th scope="col">Connected</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="muted">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {grants.map((grant) => (
                <tr key={grant.id} data-grant-id={grant.id}>
                  {data?.wholeOrg && <td>{grant.email}</td>}
                  <td>{grant.scopes.join(' ')}</td>
                  <td>{formatTime(grant.createdAt)}</td>
                  <td>{formatTime(grant.lastUsedAt, 'never')}</td>
                  <td>
                    <ConfirmButton
                      label="Revoke"
                      confirmLabel="Yes, revoke access"
                      onConfirm={() => void revoke(grant)}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
    </>
  );
}
