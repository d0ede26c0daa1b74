import { useState } from 'react';
import { useApi } from '../../useApi.ts';
import type { ResultsPage } from './jobTypes.ts';
import { cellText } from './cellText.ts';

const PAGE_SIZE = 25;

/** A succeeded job's rows, a page at a time, with the server's cursors (kept to page back). */
export function ResultsTable({ jobId }: { jobId: string }) {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1];
  const path = `/api/v1/jobs/${encodeURIComponent(jobId)}/results?limit=${PAGE_SIZE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
  const { data, error } = useApi<ResultsPage>(path);
  if (error)
    return (
      <p className="error" role="alert">
        {error.message}
      </p>
    );
  if (!data) return <p className="muted">Loading results…</p>;
  const first = data.total === 0 ? 0 : data.offset + 1;
  return (
    <div className="results">
      <div className="table-scroll">
        <table data-testid="results-table">
          <thead>
            <tr>
              {data.columns.map((c) => (
                <th key={c.name} title={c.type}>
                  {c.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {data.rows.map((row, i) => (
              <tr key={data.offset + i}>
                {data.columns.map((c) => (
                  <td key={c.name}>{cellText(row[c.name], c.type)}</td>
                ))}
              </tr>
            ))}
            {data.rows.length === 0 && (
              <tr>
                <td colSpan={Math.max(data.columns.length, 1)} className="muted">
                  No rows.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <p className="pager">
        <span className="muted" data-testid="results-range">
          Rows {first}–{data.offset + data.rows.length} of {data.total}
          {data.truncated ? ' (the result was capped)' : ''}
        </span>{' '}
        <button
          type="button"
          disabled={cursors.length === 1}
          onClick={() => setCursors((c) => c.slice(0, -1))}
        >
          Previous
        </button>{' '}
        <button
          type="button"
          disabled={!data.nextCursor}
          onClick={() => setCursors((c) => [...c, data.nextCursor])}
        >
          Next
        </button>
      </p>
    </div>
  );
}
