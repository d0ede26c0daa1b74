import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { apiSend, type ApiError, asApiError } from '../../api.ts';
import { useApi } from '../../useApi.ts';
import { formatLocalTime } from '../../format.ts';
import { useSession } from '../../useSession.ts';
import type { WorkflowSummary } from './workflowTypes.ts';

export function WorkflowList() {
  const { session } = useSession();
  const { data, error } = useApi<{ workflows: WorkflowSummary[] }>('/api/v1/workflows');
  const canEdit = session !== undefined && session.user.role !== 'viewer';
  return (
    <>
      <h1>Workflows</h1>
      {canEdit && (
        <p>
          <Link to="canvas/new" id="new-workflow" className="button-link">
            New workflow on the canvas
          </Link>
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error.message}
        </p>
      )}
      <div className="card">
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Connection</th>
              <th>Version</th>
              <th>Published tool</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {data?.workflows.map((w) => (
              <tr key={w.id} data-workflow={w.name}>
                <td>
                  <Link to={encodeURIComponent(w.name)}>{w.name}</Link>
                  <div className="muted">{w.description}</div>
                </td>
                <td>{w.connection}</td>
                <td>{w.version}</td>
                <td>
                  {w.tool ? (
                    <>
                      <code>{w.tool.name}</code> · {w.tool.mode}
                    </>
                  ) : (
                    <span className="muted">not published</span>
                  )}
                </td>
                <td>{formatLocalTime(w.updatedAt)}</td>
              </tr>
            ))}
            {data?.workflows.length === 0 && (
              <tr>
                <td colSpan={5} className="muted">
                  No workflows yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {canEdit ? (
        <ImportForm />
      ) : (
        session && (
          <p className="muted">
            You are a viewer: you can see and run workflows but not import or publish them.
          </p>
        )
      )}
    </>
  );
}

function ImportForm() {
  const navigate = useNavigate();
  const [source, setSource] = useState('');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      const { workflow } = await apiSend<{ workflow: WorkflowSummary }>('POST', '/api/v1/workflows', {
        document: source,
      });
      await navigate(encodeURIComponent(workflow.name));
    } catch (e) {
      setError(asApiError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-label="Import a workflow">
      <h2>Import a workflow</h2>
      <p className="muted">
        Paste a workflow document (JSON or YAML). A workflow with the same name is replaced by a new version.
      </p>
      {error && (
        <p className="error" role="alert">
          {error.message}
        </p>
      )}
      <label htmlFor="document">Document</label>
      <textarea id="document" required value={source} onChange={(e) => setSource(e.target.value)} />
      <button type="submit" disabled={busy}>
        Import
      </button>
    </form>
  );
}
