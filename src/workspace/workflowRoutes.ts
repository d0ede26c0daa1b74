import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../http/AppContext.ts';
import { html, page, type RawHtml } from './html.ts';
import { callerOf, navOf, refusal, requireWorkspaceSession, when } from './workspaceSession.ts';
import type { WebSession } from '../store/repositories/webSessions.ts';
import {
  DEFAULT_SYNC_DEADLINE_MS,
  WorkflowRequestError,
  getWorkflow,
  listWorkflows,
  publishWorkflow,
  saveWorkflow,
  unpublishWorkflow,
  type WorkflowSummary,
} from '../store/repositories/workflows.ts';
import { recordAudit } from '../store/repositories/auditLog.ts';
import { parameterInputSchema, type WorkflowDocument, type WorkflowParameter } from '../workflows/index.ts';
import type { ToolMode } from '../store/schema.ts';

type Detail = WorkflowSummary & { document: WorkflowDocument };

interface PublishForm {
  toolName: string;
  title: string;
  description: string;
  mode: string;
  syncDeadlineMs: string;
}

function workflowPath(name: string): string {
  return `/workflows/${encodeURIComponent(name)}`;
}

function canEdit(session: WebSession): boolean {
  return session.principal.role !== 'viewer';
}

function error(message: string): RawHtml {
  return html`<p class="error" role="alert">${message}</p>`;
}

async function listPage(ctx: AppContext, session: WebSession, notice?: RawHtml, source = ''): Promise<string> {
  const workflows = await listWorkflows(ctx.store.db, callerOf(session));
  const rows = workflows.map(
    (w) => html`<tr data-workflow="${w.name}">
  <td><a href="${workflowPath(w.name)}">${w.name}</a><div class="muted">${w.description}</div></td>
  <td>${w.connection}</td><td>${w.version}</td>
  <td>${w.tool ? html`<code>${w.tool.name}</code> · ${w.tool.mode}` : html`<span class="muted">not published</span>`}</td>
  <td>${when(w.updatedAt)}</td></tr>`,
  );
  const importForm = canEdit(session)
    ? html`<div class="card">
  <h2>Import a workflow</h2>
  <p class="muted">Paste a workflow document (JSON or YAML). A workflow with the same name is replaced by a new version.</p>
  <form method="post" action="/workflows">
    <input type="hidden" name="_csrf" value="${session.csrfToken}">
    <label for="document">Document</label>
    <textarea id="document" name="document" required>${source}</textarea>
    <button type="submit">Import</button>
  </form>
</div>`
    : html`<p class="muted">You are a viewer: you can see workflows but not import or publish them.</p>`;
  return page(
    'Workflows',
    html`<h1>Workflows</h1>
${notice ?? ''}
<div class="card">
  <table>
    <thead><tr><th>Name</th><th>Connection</th><th>Version</th><th>Published tool</th><th>Updated</th></tr></thead>
    <tbody>${rows.length ? rows : html`<tr><td colspan="5" class="muted">No workflows yet.</td></tr>`}</tbody>
  </table>
</div>
${importForm}`,
    navOf(session),
  );
}

function describeParameter(p: WorkflowParameter): string {
  const parts: string[] = [];
  if ('min' in p && p.min !== undefined) parts.push(`min ${p.min}`);
  if ('max' in p && p.max !== undefined) parts.push(`max ${p.max}`);
  if (p.type === 'enum') parts.push(`one of ${p.values.join(', ')}`);
  if (p.type === 'string' && p.maxLength !== undefined) parts.push(`at most ${p.maxLength} characters`);
  return parts.join('; ');
}

/** What `tools/list` gives a model for this workflow (the form's values while not yet published). */
function toolAsModelSeesIt(detail: Detail, form: PublishForm): Record<string, unknown> {
  const name = detail.tool?.name ?? (form.toolName || detail.name);
  const title = detail.tool?.title ?? (form.title || detail.name);
  return {
    name,
    title,
    description: detail.tool?.description ?? (form.description || detail.description),
    inputSchema: parameterInputSchema(detail.document),
    annotations: { title, readOnlyHint: true },
  };
}

function formFrom(detail: Detail, given?: Partial<PublishForm>): PublishForm {
  return {
    toolName: given?.toolName ?? detail.tool?.name ?? detail.name,
    title: given?.title ?? detail.tool?.title ?? '',
    description: given?.description ?? detail.tool?.description ?? detail.description,
    mode: given?.mode ?? detail.tool?.mode ?? 'sync',
    syncDeadlineMs: given?.syncDeadlineMs ?? String(detail.tool?.syncDeadlineMs ?? DEFAULT_SYNC_DEADLINE_MS),
  };
}

function detailPage(session: WebSession, detail: Detail, options: { notice?: RawHtml; publishError?: string; form?: Partial<PublishForm> } = {}): string {
  const doc = detail.document;
  const form = formFrom(detail, options.form);
  const editable = canEdit(session);
  const parameters = doc.parameters.map(
    (p) => html`<tr><td><code>${p.name}</code></td><td>${p.type}</td><td>${p.required ? 'yes' : 'no'}</td>
  <td>${p.default === undefined ? '—' : html`<code>${JSON.stringify(p.default)}</code>`}</td><td>${describeParameter(p)}</td><td>${p.description ?? ''}</td></tr>`,
  );
  const nodes = doc.nodes.map(
    (n) => html`<tr><td><code>${n.id}</code></td><td>${n.component}</td>
  <td>${Object.entries(n.inputs ?? {}).map(([port, from]) => html`<div>${port} ← <code>${String(from)}</code></div>`)}</td>
  <td><code>${JSON.stringify(n.config ?? {})}</code></td></tr>`,
  );
  const status = detail.tool
    ? html`<p>Published as <code id="published-tool">${detail.tool.name}</code> (${detail.tool.mode}${
        detail.tool.mode === 'sync' ? `, answers within ${detail.tool.syncDeadlineMs} ms or hands over a job` : ''
      }) since ${when(detail.tool.publishedAt)}.</p>`
    : html`<p class="muted">Not published: no model can call it.</p>`;
  const publishForm = editable
    ? html`<form method="post" action="${workflowPath(detail.name)}/publish">
    <input type="hidden" name="_csrf" value="${session.csrfToken}">
    ${options.publishError ? error(options.publishError) : ''}
    <label for="toolName">Tool name</label>
    <input id="toolName" name="toolName" required maxlength="64" pattern="[A-Za-z0-9_-]{1,64}" value="${form.toolName}">
    <label for="title">Title</label>
    <input id="title" name="title" maxlength="200" value="${form.title}" placeholder="${detail.name}">
    <label for="description">Description for the model</label>
    <textarea id="description" name="description" style="min-height:5rem;font-family:inherit">${form.description}</textarea>
    <label for="mode">Mode</label>
    <select id="mode" name="mode">
      <option value="sync" ${form.mode === 'sync' ? 'selected' : ''}>sync — answers in the call, or a job handle past the deadline</option>
      <option value="async" ${form.mode === 'async' ? 'selected' : ''}>async — answers at once with a job to poll</option>
    </select>
    <label for="syncDeadlineMs">Sync deadline (ms)</label>
    <input id="syncDeadlineMs" name="syncDeadlineMs" type="number" min="500" max="60000" step="100" value="${form.syncDeadlineMs}">
    <button type="submit">${detail.tool ? 'Update the tool' : 'Publish'}</button>
  </form>
  ${
    detail.tool
      ? html`<form method="post" action="${workflowPath(detail.name)}/unpublish" style="margin-top:1rem">
    <input type="hidden" name="_csrf" value="${session.csrfToken}"><button class="danger" style="padding:0.55rem 1.1rem">Unpublish</button></form>`
      : ''
  }`
    : html`<p class="muted">Only editors and admins can publish.</p>`;
  return page(
    detail.name,
    html`<p><a href="/workflows">← Workflows</a></p>
<h1>${detail.name}</h1>
${options.notice ?? ''}
<p>${detail.description}</p>
<p class="muted">Connection <code>${detail.connection}</code> · version ${detail.version} · updated ${when(detail.updatedAt)}</p>
<div class="card"><h2>Parameters</h2>
  <table><thead><tr><th>Name</th><th>Type</th><th>Required</th><th>Default</th><th>Bounds</th><th>Description</th></tr></thead>
  <tbody>${parameters.length ? parameters : html`<tr><td colspan="6" class="muted">No parameters.</td></tr>`}</tbody></table>
</div>
<div class="card"><h2>Nodes</h2>
  <table><thead><tr><th>Id</th><th>Component</th><th>Inputs</th><th>Config</th></tr></thead><tbody>${nodes}</tbody></table>
  <p class="muted">Output: <code>${doc.output}</code></p>
</div>
<div class="card"><h2>MCP tool</h2>
  ${status}
  ${publishForm}
</div>
<div class="card"><h2>The tool as a model sees it</h2>
  <p class="muted">${detail.tool ? 'What tools/list returns for this tool.' : 'A preview: what tools/list would return once published with the values above.'}</p>
  <pre id="tool-preview">${JSON.stringify(toolAsModelSeesIt(detail, form), null, 2)}</pre>
</div>`,
    navOf(session),
  );
}

export function registerWorkflowRoutes(app: FastifyInstance, ctx: AppContext): void {
  async function load(request: FastifyRequest<{ Params: { name: string } }>, reply: FastifyReply, session: WebSession): Promise<Detail | undefined> {
    const detail = await getWorkflow(ctx.store.db, callerOf(session), request.params.name);
    if (!detail) reply.code(404).send(await listPage(ctx, session, error(`There is no workflow "${request.params.name}".`)));
    return detail;
  }

  app.get('/workflows', async (request, reply) => {
    const session = await requireWorkspaceSession(ctx, request, reply);
    if (!session) return reply;
    return reply.send(await listPage(ctx, session));
  });

  app.post<{ Body: { document?: string } }>('/workflows', async (request, reply) => {
    const session = await requireWorkspaceSession(ctx, request, reply);
    if (!session) return reply;
    const refused = refusal(ctx, request, session, 'editor');
    if (refused) return reply.code(refused.status).send(await listPage(ctx, session, error(refused.message)));
    const source = String(request.body?.document ?? '');
    try {
      const saved = await saveWorkflow(ctx.store.db, callerOf(session), source);
      await recordAudit(ctx.store.db, { ...callerOf(session), actor: 'workspace', action: 'workflow.save', target: saved.id, ip: request.ip });
      return reply.redirect(workflowPath(saved.name), 303);
    } catch (e) {
      if (!(e instanceof WorkflowRequestError)) throw e;
      return reply.code(400).send(await listPage(ctx, session, error(e.message), source));
    }
  });

  app.get<{ Params: { name: string } }>('/workflows/:name', async (request, reply) => {
    const session = await requireWorkspaceSession(ctx, request, reply);
    if (!session) return reply;
    const detail = await load(request, reply, session);
    if (!detail) return reply;
    return reply.send(detailPage(session, detail));
  });

  app.post<{ Params: { name: string }; Body: Partial<PublishForm> & { _csrf?: string } }>('/workflows/:name/publish', async (request, reply) => {
    const session = await requireWorkspaceSession(ctx, request, reply);
    if (!session) return reply;
    const refused = refusal(ctx, request, session, 'editor');
    const detail = await load(request, reply, session);
    if (!detail) return reply;
    if (refused) return reply.code(refused.status).send(detailPage(session, detail, { notice: error(refused.message) }));
    const body = request.body ?? {};
    const form: PublishForm = {
      toolName: String(body.toolName ?? ''),
      title: String(body.title ?? ''),
      description: String(body.description ?? ''),
      mode: String(body.mode ?? 'sync'),
      syncDeadlineMs: String(body.syncDeadlineMs ?? DEFAULT_SYNC_DEADLINE_MS),
    };
    const fail = (message: string) => reply.code(400).send(detailPage(session, detail, { publishError: message, form }));
    if (form.mode !== 'sync' && form.mode !== 'async') return fail('The mode is sync or async.');
    const deadline = form.syncDeadlineMs.trim() === '' ? DEFAULT_SYNC_DEADLINE_MS : Number(form.syncDeadlineMs);
    try {
      const published = await publishWorkflow(ctx.store.db, callerOf(session), detail.id, {
        toolName: form.toolName,
        title: form.title,
        description: form.description,
        mode: form.mode as ToolMode,
        syncDeadlineMs: deadline,
      });
      await recordAudit(ctx.store.db, { ...callerOf(session), actor: 'workspace', action: 'workflow.publish', target: published.id, detail: { tool: published.tool?.name }, ip: request.ip });
    } catch (e) {
      if (!(e instanceof WorkflowRequestError)) throw e;
      return fail(e.message);
    }
    return reply.redirect(workflowPath(detail.name), 303);
  });

  app.post<{ Params: { name: string } }>('/workflows/:name/unpublish', async (request, reply) => {
    const session = await requireWorkspaceSession(ctx, request, reply);
    if (!session) return reply;
    const refused = refusal(ctx, request, session, 'editor');
    const detail = await load(request, reply, session);
    if (!detail) return reply;
    if (refused) return reply.code(refused.status).send(detailPage(session, detail, { notice: error(refused.message) }));
    if (await unpublishWorkflow(ctx.store.db, callerOf(session), detail.id)) {
      await recordAudit(ctx.store.db, { ...callerOf(session), actor: 'workspace', action: 'workflow.unpublish', target: detail.id, ip: request.ip });
    }
    return reply.redirect(workflowPath(detail.name), 303);
  });
}
