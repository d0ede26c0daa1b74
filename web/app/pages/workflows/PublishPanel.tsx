import { useState, type FormEvent } from 'react';
import { apiSend, type ApiError, asApiError, fieldMessages } from '../../api.ts';
import { formatLocalTime } from '../../format.ts';
import type { WorkflowDetail } from './workflowTypes.ts';

/** The workflow's MCP tool: its state, and for editors the publish / update / unpublish form. */
export function PublishPanel({ workflow, onChanged }: { workflow: WorkflowDetail; onChanged(): void }) {
  const { tool } = workflow;
  const [form, setForm] = useState({
    toolName: tool?.name ?? workflow.name,
    title: tool?.title ?? '',
    description: tool?.description ?? workflow.description,
    mode: tool?.mode ?? 'sync',
    syncDeadlineMs: String(tool?.syncDeadlineMs ?? 8000),
  });
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const errors = fieldMessages(error);
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [key]: e.target.value }));

  const run = async (work: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await work();
      setError(undefined);
      onChanged();
    } catch (e) {
      setError(asApiError(e));
    } finally {
      setBusy(false);
    }
  };
  const publish = (event: FormEvent) => {
    event.preventDefault();
    const deadline = Number(form.syncDeadlineMs);
    void run(() =>
      apiSend('POST', `/api/v1/workflows/${encodeURIComponent(workflow.name)}/publish`, {
        ...form,
        syncDeadlineMs:
          Number.isFinite(deadline) && form.syncDeadlineMs.trim() !== '' ? Math.round(deadline) : undefined,
      }),
    );
  };
  const unpublish = () =>
    void run(() => apiSend('POST', `/api/v1/workflows/${encodeURIComponent(workflow.name)}/unpublish`));

  return (
    <div className="card">
      <h2>MCP tool</h2>
      {tool ? (
        <p>
          Published as <code id="published-tool">{tool.name}</code> ({tool.mode}
          {tool.mode === 'sync' ? `, answers within ${tool.syncDeadlineMs} ms or hands over a job` : ''})
          since {formatLocalTime(tool.publishedAt)}.
        </p>
      ) : (
        <p className="muted" id="not-published">
          Not published: no model can call it.
        </p>
      )}
      {!workflow.canEdit ? (
        <p className="muted">Only editors and admins can publish.</p>
      ) : (
        <form onSubmit={publish} aria-label="Publish" noValidate>
          {error && (
            <p className="error" role="alert">
              {error.message}
            </p>
          )}
          <label htmlFor="toolName">Tool name</label>
          <input
            id="toolName"
            type="text"
            value={form.toolName}
            onChange={set('toolName')}
            aria-invalid={!!errors.toolName}
          />
          {errors.toolName && <div className="field-error">{errors.toolName}</div>}
          <label htmlFor="title">Title</label>
          <input
            id="title"
            type="text"
            value={form.title}
            placeholder={workflow.name}
            onChange={set('title')}
          />
          {errors.title && <div className="field-error">{errors.title}</div>}
          <label htmlFor="description">Description for the model</label>
          <textarea
            id="description"
            value={form.description}
            onChange={set('description')}
            style={{ minHeight: '4rem', fontFamily: 'inherit' }}
          />
          {errors.description && <div className="field-error">{errors.description}</div>}
          <label htmlFor="mode">Mode</label>
          <select id="mode" value={form.mode} onChange={set('mode')}>
            <option value="sync">sync — answers in the call, or a job handle past the deadline</option>
            <option value="async">async — answers at once with a job to poll</option>
          </select>
          {errors.mode && <div className="field-error">{errors.mode}</div>}
          <label htmlFor="syncDeadlineMs">Sync deadline (ms)</label>
          <input
            id="syncDeadlineMs"
            type="number"
            min={500}
            max={60000}
            step={100}
            value={form.syncDeadlineMs}
            onChange={set('syncDeadlineMs')}
          />
          {errors.syncDeadlineMs && <div className="field-error">{errors.syncDeadlineMs}</div>}
          <button type="submit" disabled={busy} id="publish">
            {tool ? 'Update the tool' : 'Publish'}
          </button>
          {tool && (
            <button type="button" className="danger" disabled={busy} onClick={unpublish} id="unpublish">
              Unpublish
            </button>
          )}
        </form>
      )}
    </div>
  );
}
