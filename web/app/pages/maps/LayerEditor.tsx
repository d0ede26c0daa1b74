import { useEffect, useState } from 'react';
import type { ColorBy, LayerStyle, MapLayer } from '../../../../src/maps/mapDefinition.ts';
import { listColumns, listTables, type ConnectionInfo, type TableInfo } from './mapsApi.ts';
import { DEFAULT_RAMP } from './newLayer.ts';

interface Props {
  layer: MapLayer;
  index: number;
  count: number;
  connections: ConnectionInfo[] | null;
  /** Field errors for this layer, keyed by the path under `layers.<index>.`. */
  errors: Map<string, string>;
  onChange(layer: MapLayer): void;
  onRemove(): void;
  onMove(delta: -1 | 1): void;
}

/** One layer of the editor: where its features come from and how they are drawn. */
export function LayerEditor({ layer, index, count, connections, errors, onChange, onRemove, onMove }: Props) {
  const source = layer.source;
  const style = layer.style;
  const setStyle = (patch: Partial<LayerStyle>) => onChange({ ...layer, style: { ...style, ...patch } });
  const setColorBy = (colorBy: ColorBy | undefined) => {
    const { colorBy: _old, ...rest } = style;
    onChange({ ...layer, style: colorBy ? { ...rest, colorBy } : rest });
  };
  const [tables, setTables] = useState<TableInfo[] | null>(null);
  const connection = source.kind === 'table' ? source.connection : '';
  useEffect(() => {
    setTables(null);
    if (connections && connection) void listTables(connection).then(setTables);
  }, [connection, connections]);
  const table = source.kind === 'table' ? source.table : '';
  const [columns, setColumns] = useState<string[]>([]);
  useEffect(() => {
    setColumns([]);
    if (connection && table) void listColumns(connection, table).then(setColumns);
  }, [connection, table]);
  const err = (path: string) =>
    errors.get(path) && <span className="maps-field-error">{errors.get(path)}</span>;
  const columnList = `columns-${layer.id}`;
  const [tooltipText, setTooltipText] = useState(style.tooltipColumns.join(', '));

  return (
    <fieldset className="maps-layer" data-testid={`layer-${index}`}>
      <legend>
        Layer {index + 1}
        <span className="maps-layer-tools">
          <button type="button" disabled={index === 0} onClick={() => onMove(-1)} aria-label="Move layer up">
            ↑
          </button>
          <button
            type="button"
            disabled={index === count - 1}
            onClick={() => onMove(1)}
            aria-label="Move layer down"
          >
            ↓
          </button>
          <button type="button" disabled={count === 1} onClick={onRemove}>
            Remove
          </button>
        </span>
      </legend>
      <label>
        Title{' '}
        <input
          value={layer.title}
          onChange={(e) => onChange({ ...layer, title: e.target.value })}
          maxLength={200}
        />
        {err('title')}
      </label>
      {source.kind === 'table' ? (
        <div className="maps-row">
          <label>
            Connection
            {connections ? (
              <select
                value={source.connection}
                onChange={(e) =>
                  onChange({ ...layer, source: { ...source, connection: e.target.value, table: '' } })
                }
              >
                <option value="">Choose…</option>
                {connections.map((c) => (
                  <option key={c.name} value={c.name}>
                    {c.name}
                  </option>
                ))}
              </select>
            ) : (
              <input
                value={source.connection}
                placeholder="demo"
                onChange={(e) => onChange({ ...layer, source: { ...source, connection: e.target.value } })}
              />
            )}
            {err('source.connection')}
          </label>
          <label>
            Table
            {tables ? (
              <select
                value={source.table}
                onChange={(e) => onChange({ ...layer, source: { ...source, table: e.target.value } })}
              >
                <option value="">Choose…</option>
                {tables.map((t) => (
                  <option key={t.name} value={t.name}>
                    {t.name}
                  </option>
                ))}
              </select>
            ) : (
              <input
                value={source.table}
                placeholder="public.cities"
                onChange={(e) => onChange({ ...layer, source: { ...source, table: e.target.value } })}
              />
            )}
            {err('source.table')}
          </label>
        </div>
      ) : (
        <p className="maps-muted">
          Source: {source.kind === 'workflow' ? `workflow tool ${source.tool}` : `job ${source.jobId}`} (kept
          as it is).
        </p>
      )}
      <datalist id={columnList}>
        {columns.map((c) => (
          <option key={c} value={c} />
        ))}
      </datalist>
      <div className="maps-row">
        <label>
          Fill{' '}
          <input
            type="color"
            value={expand(style.fillColor)}
            onChange={(e) => setStyle({ fillColor: e.target.value })}
          />
        </label>
        <label>
          Stroke{' '}
          <input
            type="color"
            value={expand(style.strokeColor)}
            onChange={(e) => setStyle({ strokeColor: e.target.value })}
          />
        </label>
        <label>
          Stroke width{' '}
          <input
            type="number"
            min={0}
            max={20}
            step={0.5}
            value={style.strokeWidth}
            onChange={(e) => setStyle({ strokeWidth: Number(e.target.value) })}
          />
        </label>
        <label>
          Opacity{' '}
          <input
            type="range"
            min={0}
            max={1}
            step={0.05}
            value={style.opacity}
            onChange={(e) => setStyle({ opacity: Number(e.target.value) })}
          />
        </label>
        <label>
          Point radius{' '}
          <input
            type="number"
            min={0.5}
            max={50}
            step={0.5}
            value={style.pointRadius}
            onChange={(e) => setStyle({ pointRadius: Number(e.target.value) })}
          />
        </label>
      </div>
      <div className="maps-row">
        <label>
          Colour by
          <select
            value={style.colorBy?.kind ?? ''}
            onChange={(e) => {
              const column = style.colorBy?.column ?? '';
              if (e.target.value === 'categories')
                setColorBy({ kind: 'categories', column, categories: [], otherColor: '#9e9e9e' });
              else if (e.target.value === 'ramp') setColorBy({ kind: 'ramp', column, colors: DEFAULT_RAMP });
              else setColorBy(undefined);
            }}
          >
            <option value="">One colour</option>
            <option value="categories">Categories of a column</option>
            <option value="ramp">Numeric ramp of a column</option>
          </select>
        </label>
        {style.colorBy && (
          <label>
            Column{' '}
            <input
              list={columnList}
              value={style.colorBy.column}
              onChange={(e) => setColorBy({ ...style.colorBy!, column: e.target.value })}
            />
            {err('style.colorBy.column')}
          </label>
        )}
        {style.colorBy?.kind === 'ramp' && (
          <span className="maps-ramp">
            {style.colorBy.colors.map((color, i) => (
              <input
                key={i}
                type="color"
                aria-label={`Ramp colour ${i + 1}`}
                value={expand(color)}
                onChange={(e) => {
                  const colors = [...(style.colorBy as { colors: string[] }).colors];
                  colors[i] = e.target.value;
                  setColorBy({ ...(style.colorBy as ColorBy & { kind: 'ramp' }), colors });
                }}
              />
            ))}
          </span>
        )}
      </div>
      <label>
        Tooltip columns (comma-separated)
        <input
          value={tooltipText}
          onChange={(e) => {
            // Keep what is typed (a trailing comma included); send the parsed list.
            setTooltipText(e.target.value);
            setStyle({
              tooltipColumns: e.target.value
                .split(',')
                .map((c) => c.trim())
                .filter(Boolean),
            });
          }}
        />
        {err('style.tooltipColumns')}
      </label>
    </fieldset>
  );
}

/** <input type=color> only takes #rrggbb. */
function expand(color: string): string {
  return color.length === 4 ? `#${color[1]}${color[1]}${color[2]}${color[2]}${color[3]}${color[3]}` : color;
}
