import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { apiSend, type ApiError, asApiError, fieldMessages } from '../../api.ts';
import { useApi } from '../../useApi.ts';
import { formatLocalTime } from '../../format.ts';
import { useSession } from '../../useSession.ts';
import type { Connection } from './connectionTypes.ts';

type TestResult = { ok: boolean; message: string };

export function ConnectionList() {
  const { session } = useSession();
  const { data, error, reload } = useApi<{ connections: Connection[] }>('/api/v1/connections');
  const [result, setResult] = useState<TestResult>();
  const [testing, setTesting] = useState<string>();
  const test = async (name: string) => {
    setTesting(name);
    try {
      setResult(await apiSend<TestResult>('POST', `/api/v1/connections/${encodeURIComponent(name)}/test`));
    } catch (e) {
      setResult({ ok: false, message: asApiError(e).message });
    } finally {
      setTesting(undefined);
    }
  };
  return (
    <>
      <h1>Connections</h1>
      {error && (
        <p className="error" role="alert">
          {error.message}
        </p>
      )}
      {result && (
        <p className={result.ok ? 'notice' : 'error'} role={result.ok ? 'status' : 'alert'} id="test-result">
          {result.message}
        </p>
      )}
      <div className="card">
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Kind</th>
              <th>Description</th>
              <th>Who can use it</th>
              <th>Created</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data?.connections.map((c) => (
              <tr key={c.id} data-connection={c.name}>
                <td>
                  <Link to={encodeURIComponent(c.name)}>
                    <code>{c.name}</code>
                  </Link>
                </td>
                <td>{c.kind}</td>
                <td>{c.description}</td>
                <td>{c.restricted ? 'shared with some members' : 'everyone'}</td>
                <td>{formatLocalTime(c.createdAt)}</td>
                <td>
                  <button
                    type="button"
                    disabled={testing !== undefined}
                    onClick={() => void test(c.name)}
                    style={{ marginTop: 0 }}
                  >
                    {testing === c.name ? 'Testing…' : 'Test'}
                  </button>
                </td>
              </tr>
            ))}
            {data?.connections.length === 0 && (
              <tr>
                <td colSpan={6} className="muted">
                  No connections you can use.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {session?.user.role === 'admin' && <AddConnectionForm onAdded={reload} />}
    </>
  );
}

/** Admins add PostGIS connections; the URL is write-only (the server never sends it back). */
function AddConnectionForm({ onAdded }: { onAdded(): void }) {
  const empty = { name: '', url: '', description: '', saveSchema: '' };
  const [form, setForm] = useState(empty);
  const [error, setError] = useState<ApiError>();
  const [added, setAdded] = useState<string>();
  const errors = fieldMessages(error);
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [key]: e.target.value }));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      // Left empty, the connection never writes: no save schema is sent at all.
      const { saveSchema, ...rest } = form;
      const body = saveSchema.trim() ? { ...rest, saveSchema: saveSchema.trim() } : rest;
      const { connection } = await apiSend<{ connection: Connection }>('POST', '/api/v1/connections', body);
      setError(undefined);
      setAdded(`Added ${connection.name}.`);
      setForm(empty);
      onAdded();
    } catch (e) {
      setError(asApiError(e));
      setAdded(undefined);
    }
  };
  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-label="Add a PostGIS connection" noValidate>
      <h2>Add a PostGIS connection</h2>
      <p className="muted">
        The URL (with its password) is encrypted with the server key and never shown again. Use a read-only
        role.
      </p>
      {added && (
        <p className="notice" role="status">
          {added}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error.message}
        </p>
      )}
      <label htmlFor="conn-name">Name</label>
      <input id="conn-name" type="text" value={form.name} placeholder="warehouse" onChange={set('name')} />
      {errors.name && <div className="field-error">{errors.name}</div>}
      <label htmlFor="conn-url">PostgreSQL URL</label>
      <input
        id="conn-url"
        type="password"
        autoComplete="off"
        value={form.url}
        placeholder="postgres://reader:…@db.example.com:5432/gis"
        onChange={set('url')}
      />
      {errors.url && <div className="field-error">{errors.url}</div>}
      <label htmlFor="conn-description">Description</label>
      <input id="conn-description" type="text" value={form.description} onChange={set('description')} />
      {errors.description && <div className="field-error">{errors.description}</div>}
      <label htmlFor="conn-save-schema">Schema for saved tables (optional)</label>
      <input
        id="conn-save-schema"
        type="text"
        value={form.saveSchema}
        placeholder="meridian_results"
        onChange={set('saveSchema')}
      />
      <div className="muted">
        Editors&apos; save-as-table steps create their tables here (the role needs CREATE on it). Leave empty
        and Meridian never writes to this database.
      </div>
      {errors.saveSchema && <div className="field-error">{errors.saveSchema}</div>}
      <button type="submit">Add connection</button>
    </form>
  );
}
