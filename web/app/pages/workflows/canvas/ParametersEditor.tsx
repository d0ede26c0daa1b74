import { useState } from 'react';
import type { DraftParameter } from './workflowDraft.ts';
import { parseNumber } from './configFields.ts';

const TYPES = ['number', 'integer', 'string', 'boolean', 'enum', 'date', 'bbox', 'geometry'];

/**
 * The workflow's parameters: what a model fills in when it calls the tool. Each becomes an
 * argument of the tool's inputSchema; config fields take one through their "parameter" choice.
 */
export function ParametersEditor({
  parameters,
  readOnly,
  onChange,
}: {
  parameters: DraftParameter[];
  readOnly: boolean;
  onChange(parameters: DraftParameter[]): void;
}) {
  const [name, setName] = useState('');
  const [type, setType] = useState('number');
  const set = (i: number, change: Partial<DraftParameter>) =>
    onChange(
      parameters.map((p, j) => {
        if (j !== i) return p;
        const next: Record<string, unknown> = { ...p, ...change };
        for (const key of Object.keys(next)) if (next[key] === undefined) delete next[key];
        return next as unknown as DraftParameter;
      }),
    );
  const add = () => {
    const trimmed = name.trim();
    if (!trimmed || parameters.some((p) => p.name === trimmed)) return;
    onChange([...parameters, { name: trimmed, type, ...(type === 'enum' ? { values: ['a'] } : {}) }]);
    setName('');
  };
  return (
    <fieldset className="parameters" disabled={readOnly} aria-label="Parameters">
      {parameters.length === 0 && <p className="muted">No parameters: the tool takes no arguments.</p>}
      {parameters.map((p, i) => {
        const numeric = p.type === 'number' || p.type === 'integer';
        const toValue = (text: string) => (numeric ? parseNumber(text) : text === '' ? undefined : text);
        return (
          <div className="parameter" key={p.name} data-parameter={p.name}>
            <div className="parameter-head">
              <code>${p.name}</code> <span className="muted">{p.type}</span>
              <label className="inline-label">
                <input
                  type="checkbox"
                  checked={p.required === true}
                  onChange={(e) => set(i, { required: e.target.checked || undefined })}
                />{' '}
                required
              </label>
              <button
                type="button"
                className="link-button"
                aria-label={`Remove parameter ${p.name}`}
                onClick={() => onChange(parameters.filter((_, j) => j !== i))}
              >
                ×
              </button>
            </div>
            <input
              type="text"
              aria-label={`${p.name} description`}
              placeholder="description for the model"
              value={p.description ?? ''}
              onChange={(e) => set(i, { description: e.target.value || undefined })}
            />
            <div className="parameter-limits">
              {['number', 'integer', 'string', 'enum', 'date'].includes(p.type) && (
                <label className="mini-label">
                  default
                  <input
                    type={numeric ? 'number' : 'text'}
                    aria-label={`${p.name} default`}
                    value={p.default === undefined ? '' : String(p.default)}
                    onChange={(e) => set(i, { default: toValue(e.target.value) })}
                  />
                </label>
              )}
              {(numeric || p.type === 'date') && (
                <>
                  <label className="mini-label">
                    min
                    <input
                      type={numeric ? 'number' : 'text'}
                      aria-label={`${p.name} minimum`}
                      value={p.min === undefined ? '' : String(p.min)}
                      onChange={(e) => set(i, { min: toValue(e.target.value) })}
                    />
                  </label>
                  <label className="mini-label">
                    max
                    <input
                      type={numeric ? 'number' : 'text'}
                      aria-label={`${p.name} maximum`}
                      value={p.max === undefined ? '' : String(p.max)}
                      onChange={(e) => set(i, { max: toValue(e.target.value) })}
                    />
                  </label>
                </>
              )}
            </div>
            {p.type === 'enum' && (
              <input
                type="text"
                aria-label={`${p.name} values`}
                placeholder="allowed values, comma-separated"
                defaultValue={(p.values ?? []).join(', ')}
                onChange={(e) =>
                  set(i, {
                    values: e.target.value
                      .split(',')
                      .map((s) => s.trim())
                      .filter(Boolean),
                  })
                }
              />
            )}
          </div>
        );
      })}
      {!readOnly && (
        <div className="parameter-add">
          <input
            id="new-parameter-name"
            type="text"
            placeholder="new parameter name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                add();
              }
            }}
          />
          <select
            id="new-parameter-type"
            aria-label="new parameter type"
            value={type}
            onChange={(e) => setType(e.target.value)}
          >
            {TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
          <button type="button" id="add-parameter" onClick={add}>
            Add parameter
          </button>
        </div>
      )}
    </fieldset>
  );
}
