import { MapView } from '../../../../shared/map/MapView.tsx';
import type { NodePreviewResult } from './canvasTypes.ts';
import { cellText } from '../../jobs/cellText.ts';

/** A node's first rows in a table and, when they have a geometry column, on a map. */
export function NodePreview({ preview }: { preview: NodePreviewResult }) {
  const { columns, rows } = preview;
  return (
    <div className="node-preview" data-testid="node-preview" data-node={preview.node}>
      <p className="muted" data-testid="preview-count">
        {rows.length} row{rows.length === 1 ? '' : 's'} of <code>{preview.node}</code>
        {preview.truncated ? ' (first rows only)' : ''}
      </p>
      <div className="node-preview-body">
        <div className="table-scroll">
          <table data-testid="preview-table">
            <thead>
              <tr>
                {columns.map((c) => (
                  <th key={c.name} title={c.type}>
                    {c.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row, i) => (
                <tr key={i}>
                  {columns.map((c) => (
                    <td key={c.name}>{cellText(row[c.name], c.type)}</td>
                  ))}
                </tr>
              ))}
              {rows.length === 0 && (
                <tr>
                  <td colSpan={Math.max(columns.length, 1)} className="muted">
                    No rows.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
        {preview.map && (
          <div className="node-preview-map">
            <MapView map={preview.map} height={320} />
          </div>
        )}
      </div>
    </div>
  );
}
