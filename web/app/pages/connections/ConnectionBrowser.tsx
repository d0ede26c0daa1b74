import { Link, useParams } from 'react-router';
import { useApi } from '../../useApi.ts';
import type { TableColumnsInfo, TableSummary } from './connectionTypes.ts';

/** A connection's tables, with their geometry columns. */
export function ConnectionTables() {
  const { name = '' } = useParams();
  const { data, error } = useApi<{ schemas: string[]; tables: TableSummary[] }>(
    `/api/v1/connections/${encodeURIComponent(name)}/tables`,
  );
  return (
    <>
      <p>
        <Link to="/connections">← Connections</Link>
      </p>
      <h1>
        <code>{name}</code> tables
      </h1>
      {error && (
        <p className="error" role="alert">
          {error.message}
        </p>
      )}
      {!data && !error && <p className="muted">Reading the catalog…</p>}
      {data && (
        <div className="card">
          <table>
            <thead>
              <tr>
                <th>Table</th>
                <th>Rows (estimate)</th>
                <th>Geometry</th>
              </tr>
            </thead>
            <tbody>
              {data.tables.map((t) => (
                <tr key={t.qualifiedName} data-table={t.qualifiedName}>
                  <td>
                    <Link to={`tables/${encodeURIComponent(t.qualifiedName)}`}>{t.qualifiedName}</Link>
                  </td>
                  <td>{t.rowEstimate ?? '—'}</td>
                  <td>
                    {t.geometryColumns
                      .map(
                        (g) =>
                          `${g.name}${g.geometryType ? ` (${g.geometryType}${g.srid ? `, ${g.srid}` : ''})` : ''}`,
                      )
                      .join(', ') || '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

/** One table's columns. */
export function TableColumns() {
  const { name = '', table = '' } = useParams();
  const { data, error } = useApi<{ table: TableColumnsInfo }>(
    `/api/v1/connections/${encodeURIComponent(name)}/tables/${encodeURIComponent(table)}`,
  );
  return (
    <>
      <p>
        <Link to={`/connections/${encodeURIComponent(name)}`}>← {name} tables</Link>
      </p>
      <h1>{table}</h1>
      {error && (
        <p className="error" role="alert">
          {error.message}
        </p>
      )}
      {data && (
        <div className="card">
          <table>
            <thead>
              <tr>
                <th>Column</th>
                <th>Type</th>
                <th>Nullable</th>
              </tr>
            </thead>
            <tbody>
              {data.table.columns.map((c) => (
                <tr key={c.name} data-column={c.name}>
                  <td>
                    <code>{c.name}</code>
                  </td>
                  <td>
                    {c.type}
                    {c.geometryType ? ` (${c.geometryType}${c.srid ? `, SRID ${c.srid}` : ''})` : ''}
                  </td>
                  <td>{c.nullable === null ? '—' : c.nullable ? 'yes' : 'no'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
