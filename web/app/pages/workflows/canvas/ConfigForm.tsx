import { createContext, useContext, useState } from 'react';
import {
  isParamRef,
  parseNumber,
  parseScalar,
  parseStrings,
  type ConfigField,
  type ControlKind,
} from './configFields.ts';

interface ConfigFormProps {
  nodeId: string;
  fields: ConfigField[];
  config: Record<string, unknown>;
  /** Declared workflow parameters a field may take (name → type). */
  parameters: { name: string; type: string }[];
  /** Issue messages by config field (`table`, `by.0.column`…), shown under the field. */
  issues: Record<string, string>;
  readOnly: boolean;
  /** Offered while typing: the connection's tables, the columns coming into the node. */
  suggestions?: { tables: string[]; columns: string[] };
  onChange(field: string, value: unknown): void;
}

/** Which datalist a text field offers, by its name: `table` the tables, `*column*`/`geometry` the input columns. */
const ListFor = createContext<(field: string) => string | undefined>(() => undefined);

/** A node's config, one control per schema property; writes each change straight to the draft. */
export function ConfigForm({
  nodeId,
  fields,
  config,
  parameters,
  issues,
  readOnly,
  suggestions,
  onChange,
}: ConfigFormProps) {
  const tablesList = `tables-${nodeId}`;
  const columnsList = `columns-${nodeId}`;
  const listFor = (field: string) =>
    field === 'table' ? tablesList : /column|geometry/.test(field) ? columnsList : undefined;
  if (fields.length === 0) return <p className="muted">This component has no settings.</p>;
  return (
    <ListFor.Provider value={listFor}>
      <datalist id={tablesList}>
        {suggestions?.tables.map((t) => (
          <option key={t} value={t} />
        ))}
      </datalist>
      <datalist id={columnsList}>
        {[...new Set(suggestions?.columns)].map((c) => (
          <option key={c} value={c} />
        ))}
      </datalist>
      <fieldset className="config-form" disabled={readOnly} aria-label="Settings">
        {fields.map((field) => {
          const id = `cfg-${nodeId}-${field.name}`;
          const value = config[field.name];
          const param = isParamRef(value) ? value.$param : undefined;
          const fieldIssue = Object.entries(issues).find(
            ([path]) => path === field.name || path.startsWith(`${field.name}.`),
          )?.[1];
          return (
            <div key={field.name} className="config-field" data-config-field={field.name}>
              <label htmlFor={id}>
                {field.name}
                {field.required ? ' *' : ''}
              </label>
              {field.acceptsParameter && (
                <ParamChoice
                  field={field.name}
                  value={value}
                  parameters={parameters}
                  onChange={(v) => onChange(field.name, v)}
                />
              )}
              {param === undefined && (
                <Control
                  key={id}
                  id={id}
                  name={field.name}
                  control={field.control}
                  value={value}
                  parameters={parameters}
                  placeholder={
                    field.default === undefined ? undefined : `default: ${JSON.stringify(field.default)}`
                  }
                  onChange={(v) => onChange(field.name, v)}
                />
              )}
              {field.description && <div className="muted">{field.description}</div>}
              {fieldIssue && <div className="field-error">{fieldIssue}</div>}
            </div>
          );
        })}
      </fieldset>
    </ListFor.Provider>
  );
}

/** "a value" or one of the declared parameters; a parameter is stored as {"$param": name}. */
function ParamChoice({
  field,
  value,
  parameters,
  onChange,
}: {
  field: string;
  value: unknown;
  parameters: { name: string; type: string }[];
  onChange(value: unknown): void;
}) {
  return (
    <select
      className="param-choice"
      aria-label={`${field}: value or parameter`}
      data-param-choice={field}
      value={isParamRef(value) ? value.$param : ''}
      onChange={(e) => onChange(e.target.value ? { $param: e.target.value } : undefined)}
    >
      <option value="">a value</option>
      {parameters.map((p) => (
        <option key={p.name} value={p.name}>
          parameter ${p.name} ({p.type})
        </option>
      ))}
    </select>
  );
}

function Control({
  id,
  name,
  control,
  value,
  parameters,
  placeholder,
  onChange,
}: {
  id: string;
  name?: string;
  control: ControlKind;
  value: unknown;
  parameters: { name: string; type: string }[];
  placeholder?: string;
  onChange(value: unknown): void;
}) {
  const list = useContext(ListFor)(name ?? '');
  switch (control.kind) {
    case 'enum':
      return (
        <select
          id={id}
          value={typeof value === 'string' ? value : ''}
          onChange={(e) => onChange(e.target.value || undefined)}
        >
          <option value="">{placeholder ?? '—'}</option>
          {control.values.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
      );
    case 'boolean':
      return (
        <input
          id={id}
          type="checkbox"
          checked={value === true}
          onChange={(e) => onChange(e.target.checked ? true : undefined)}
        />
      );
    case 'number':
      return (
        <input
          id={id}
          type="number"
          step={control.integer ? 1 : 'any'}
          min={control.min}
          max={control.max}
          placeholder={placeholder}
          value={typeof value === 'number' || typeof value === 'string' ? String(value) : ''}
          onChange={(e) => onChange(parseNumber(e.target.value))}
        />
      );
    case 'text':
      return (
        <input
          id={id}
          type="text"
          list={list}
          autoComplete="off"
          placeholder={placeholder}
          value={typeof value === 'string' ? value : ''}
          onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}
        />
      );
    case 'strings':
      return (
        <BufferedText
          id={id}
          initial={Array.isArray(value) ? value.join(', ') : ''}
          placeholder={placeholder ?? 'a, b, c'}
          onText={(text) => onChange(parseStrings(text))}
        />
      );
    case 'scalar':
      return (
        <BufferedText
          id={id}
          initial={typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value)}
          placeholder={placeholder ?? 'text, a number, true/false or [a, list]'}
          onText={(text) => onChange(parseScalar(text))}
        />
      );
    case 'rows':
      return (
        <RowsControl
          id={id}
          fields={control.fields}
          value={value}
          parameters={parameters}
          onChange={onChange}
        />
      );
    default:
      return <JsonControl id={id} value={value} placeholder={placeholder} onChange={onChange} />;
  }
}

/** Text kept as typed (a trailing comma survives) while the parsed value goes to the draft. */
function BufferedText({
  id,
  initial,
  placeholder,
  onText,
}: {
  id: string;
  initial: string;
  placeholder?: string;
  onText(text: string): void;
}) {
  const [text, setText] = useState(initial);
  return (
    <input
      id={id}
      type="text"
      value={text}
      placeholder={placeholder}
      onChange={(e) => {
        setText(e.target.value);
        onText(e.target.value);
      }}
    />
  );
}

function JsonControl({
  id,
  value,
  placeholder,
  onChange,
}: {
  id: string;
  value: unknown;
  placeholder?: string;
  onChange(value: unknown): void;
}) {
  const [text, setText] = useState(value === undefined ? '' : JSON.stringify(value));
  const [bad, setBad] = useState(false);
  return (
    <>
      <textarea
        id={id}
        value={text}
        placeholder={placeholder ?? 'JSON'}
        aria-invalid={bad}
        onChange={(e) => {
          setText(e.target.value);
          if (e.target.value.trim() === '') {
            setBad(false);
            onChange(undefined);
            return;
          }
          try {
            onChange(JSON.parse(e.target.value));
            setBad(false);
          } catch {
            setBad(true);
          }
        }}
      />
      {bad && <div className="field-error">Not valid JSON yet.</div>}
    </>
  );
}

/** One line of sub-fields per array item, with add and remove. */
function RowsControl({
  id,
  fields,
  value,
  parameters,
  onChange,
}: {
  id: string;
  fields: ConfigField[];
  value: unknown;
  parameters: { name: string; type: string }[];
  onChange(value: unknown): void;
}) {
  const rows = Array.isArray(value) ? (value as Record<string, unknown>[]) : [];
  const update = (next: Record<string, unknown>[]) => onChange(next.length ? next : undefined);
  const setCell = (i: number, name: string, cell: unknown) =>
    update(
      rows.map((row, j) => {
        if (j !== i) return row;
        const copy = { ...row };
        if (cell === undefined) delete copy[name];
        else copy[name] = cell;
        return copy;
      }),
    );
  return (
    <div className="config-rows" id={id} data-rows={id}>
      {rows.map((row, i) => (
        <div className="config-row" key={i} data-row={i}>
          {fields.map((f) => (
            <div key={f.name} className="config-cell">
              {f.acceptsParameter && (
                <ParamChoice
                  field={`${f.name} ${i + 1}`}
                  value={row[f.name]}
                  parameters={parameters}
                  onChange={(cell) => setCell(i, f.name, cell)}
                />
              )}
              {!isParamRef(row[f.name]) && (
                <Control
                  id={`${id}-${i}-${f.name}`}
                  name={f.name}
                  control={f.control}
                  value={row[f.name]}
                  parameters={parameters}
                  placeholder={f.default === undefined ? f.name : `${f.name} (${String(f.default)})`}
                  onChange={(cell) => setCell(i, f.name, cell)}
                />
              )}
            </div>
          ))}
          <button
            type="button"
            className="link-button"
            aria-label={`Remove row ${i + 1}`}
            onClick={() => update(rows.filter((_, j) => j !== i))}
          >
            ×
          </button>
        </div>
      ))}
      <button
        type="button"
        className="secondary small"
        data-add-row={id}
        onClick={() => update([...rows, {}])}
      >
        + Add
      </button>
    </div>
  );
}
