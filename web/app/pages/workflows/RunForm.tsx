import { useMemo, useState, type FormEvent } from 'react';
import { apiSend, asApiError, fieldMessages } from '../../api.ts';
import { argumentsOf, runFieldsOf, type RunField } from './runFormFields.ts';
import type { WorkflowDetail } from './workflowTypes.ts';
import type { Job } from '../jobs/jobTypes.ts';

type Values = Record<string, string | boolean | string[]>;

/** A form generated from the workflow's input schema; a run becomes a job (`onStarted`). */
export function RunForm({ workflow, onStarted }: { workflow: WorkflowDetail; onStarted(job: Job): void }) {
  const fields = useMemo(() => runFieldsOf(workflow.inputSchema), [workflow.inputSchema]);
  const [values, setValues] = useState<Values>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string>();
  const [busy, setBusy] = useState(false);
  const set = (name: string, value: string | boolean | string[]) =>
    setValues((v) => ({ ...v, [name]: value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { args, errors: local } = argumentsOf(fields, values);
    setErrors(local);
    setMessage(Object.keys(local).length ? 'Some fields need a value; see below.' : undefined);
    if (Object.keys(local).length) return;
    setBusy(true);
    try {
      const { job } = await apiSend<{ job: Job }>(
        'POST',
        `/api/v1/workflows/${encodeURIComponent(workflow.name)}/runs`,
        { arguments: args },
      );
      onStarted(job);
    } catch (e) {
      const problem = asApiError(e);
      const byField = fieldMessages(problem);
      setErrors(byField);
      const unplaced = problem.errors.filter((x) => !fields.some((f) => f.name === x.field));
      setMessage([problem.message, ...unplaced.map((x) => x.message)].join(' '));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(e) => void submit(e)} aria-label="Run the workflow" noValidate>
      {message && (
        <p className="error" role="alert">
          {message}
        </p>
      )}
      {fields.length === 0 && <p className="muted">This workflow takes no arguments.</p>}
      {fields.map((field) => (
        <FieldInput
          key={field.name}
          field={field}
          value={values[field.name] ?? field.initial}
          error={errors[field.name]}
          onChange={(v) => set(field.name, v)}
        />
      ))}
      <button type="submit" disabled={busy || !workflow.canRun}>
        {busy ? 'Starting…' : 'Run'}
      </button>
      {!workflow.canRun && (
        <p className="muted">
          You cannot use the connection “{workflow.connection}”; ask an admin to share it.
        </p>
      )}
    </form>
  );
}

function FieldInput({
  field,
  value,
  error,
  onChange,
}: {
  field: RunField;
  value: string | boolean | string[];
  error?: string;
  onChange(value: string | boolean | string[]): void;
}) {
  const id = `arg-${field.name}`;
  const { input } = field;
  const described = error ? `${id}-error` : undefined;
  const label = (
    <label htmlFor={input.kind === 'numbers' ? `${id}-0` : id}>
      {field.name}
      {field.required ? ' *' : ''}
    </label>
  );
  let control;
  switch (input.kind) {
    case 'boolean':
      return (
        <div data-field={field.name}>
          <label htmlFor={id}>
            <input
              id={id}
              type="checkbox"
              checked={value === true}
              onChange={(e) => onChange(e.target.checked)}
            />{' '}
            {field.name}
          </label>
          {field.description && <div className="muted">{field.description}</div>}
          {error && (
            <div className="field-error" id={described}>
              {error}
            </div>
          )}
        </div>
      );
    case 'enum':
      control = (
        <select
          id={id}
          name={field.name}
          value={String(value)}
          onChange={(e) => onChange(e.target.value)}
          aria-invalid={!!error}
          aria-describedby={described}
        >
          {/* A blank choice only where leaving it out means something: no default to fall back on. */}
          {value === '' || (!field.required && field.initial === '') ? <option value="">—</option> : null}
          {input.values.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
      );
      break;
    case 'numbers':
      control = (
        <div className="number-row">
          {input.labels.map((l, i) => (
            <input
              key={l}
              id={`${id}-${i}`}
              name={`${field.name}.${i}`}
              type="number"
              step="any"
              placeholder={l}
              aria-label={`${field.name} ${l}`}
              value={(value as string[])[i] ?? ''}
              onChange={(e) =>
                onChange((value as string[]).map((old, j) => (j === i ? e.target.value : old)))
              }
              aria-invalid={!!error}
            />
          ))}
        </div>
      );
      break;
    case 'json':
      control = (
        <textarea
          id={id}
          name={field.name}
          value={String(value)}
          placeholder='{"type": "Point", "coordinates": [2.35, 48.85]}'
          onChange={(e) => onChange(e.target.value)}
          aria-invalid={!!error}
          aria-describedby={described}
          style={{ minHeight: '4rem' }}
        />
      );
      break;
    case 'number':
      control = (
        <input
          id={id}
          name={field.name}
          type="number"
          step={input.integer ? 1 : 'any'}
          min={input.min}
          max={input.max}
          value={String(value)}
          onChange={(e) => onChange(e.target.value)}
          aria-invalid={!!error}
          aria-describedby={described}
        />
      );
      break;
    default:
      control = (
        <input
          id={id}
          name={field.name}
          type={input.kind === 'date' ? 'date' : 'text'}
          maxLength={input.kind === 'text' ? input.maxLength : undefined}
          value={String(value)}
          onChange={(e) => onChange(e.target.value)}
          aria-invalid={!!error}
          aria-describedby={described}
        />
      );
  }
  return (
    <div data-field={field.name}>
      {label}
      {control}
      {field.description && <div className="muted">{field.description}</div>}
      {error && (
        <div className="field-error" id={described}>
          {error}
        </div>
      )}
    </div>
  );
}
