import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../http/AppContext.ts';
import { html, page, type RawHtml } from './html.ts';
import { callerOf, navOf, refusal, requireWorkspaceSession, when } from './workspaceSession.ts';
import type { WebSession } from '../store/repositories/webSessions.ts';
import { csrfValid } from './webSession.ts';
import { ConnectionAccessError, createConnection, listConnections, type ResolvedConnection } from '../connections/index.ts';
import { SecretBox } from '../auth/SecretBox.ts';
import { EngineError } from '../engines/index.ts';
import { recordAudit } from '../store/repositories/auditLog.ts';

const TEST_TIMEOUT_MS = 10_000;

interface AddForm {
  name: string;
  description: string;
}

function error(message: string): RawHtml {
  return html`<p class="error" role="alert">${message}</p>`;
}

async function connectionsPage(ctx: AppContext, session: WebSession, options: { notice?: RawHtml; form?: AddForm } = {}): Promise<string> {
  const caller = callerOf(session);
  const connections = await listConnections(ctx.store.db, caller);
  const rows = connections.map(
    (c) => html`<tr data-connection="${c.name}">
  <td><code>${c.name}</code></td><td>${c.kind}</td><td>${c.description}</td><td>${c.restricted ? 'shared with some members' : 'everyone'}</td><td>${when(c.createdAt)}</td>
  <td><form method="post" action="/connections/${encodeURIComponent(c.name)}/test" class="inline">
    <input type="hidden" name="_csrf" value="${session.csrfToken}"><button style="margin:0;padding:0.3rem 0.7rem">Test</button></form></td></tr>`,
  );
  // The URL field is never filled back in: credentials are write-only.
  const addForm =
    caller.role === 'admin'
      ? html`<div class="card"><h2>Add a PostGIS connection</h2>
  <p class="muted">The URL (with its password) is encrypted with the server key and never shown again. Use a read-only role.</p>
  <form method="post" action="/connections">
    <input type="hidden" name="_csrf" value="${session.csrfToken}">
    <label for="name">Name</label>
    <input id="name" name="name" required maxlength="63" pattern="[a-z][a-z0-9_\\-]{0,62}" value="${options.form?.name ?? ''}" placeholder="warehouse">
    <label for="url">PostgreSQL URL</label>
    <input id="url" name="url" type="password" required autocomplete="off" placeholder="postgres://reader:…@db.example.com:5432/gis">
    <label for="description">Description</label>
    <input id="description" name="description" maxlength="500" value="${options.form?.description ?? ''}">
    <button type="submit">Add connection</button>
  </form></div>`
      : '';
  return page(
    'Connections',
    html`<h1>Connections</h1>
${options.notice ?? ''}
<div class="card"><table>
  <thead><tr><th>Name</th><th>Kind</th><th>Description</th><th>Who can use it</th><th>Created</th><th></th></tr></thead>
  <tbody>${rows.length ? rows : html`<tr><td colspan="6" class="muted">No connections you can use.</td></tr>`}</tbody>
</table></div>
${addForm}`,
    navOf(session),
  );
}

export function registerConnectionsRoutes(app: FastifyInstance, ctx: AppContext): void {
  // The same sealing as the server's registry (src/server.ts), so the registry can open it.
  const box = new SecretBox(ctx.serverKey, 'connections');

  app.get('/connections', async (request, reply) => {
    const session = await requireWorkspaceSession(ctx, request, reply);
    if (!session) return reply;
    return reply.send(await connectionsPage(ctx, session));
  });

  app.post<{ Body: { name?: string; url?: string; description?: string } }>('/connections', async (request, reply) => {
    const session = await requireWorkspaceSession(ctx, request, reply);
    if (!session) return reply;
    const refused = refusal(ctx, request, session, 'admin');
    if (refused) return reply.code(refused.status).send(await connectionsPage(ctx, session, { notice: error(refused.message) }));
    const form = { name: String(request.body?.name ?? '').trim(), description: String(request.body?.description ?? '').trim() };
    const url = String(request.body?.url ?? '').trim();
    const fail = async (message: string) => reply.code(400).send(await connectionsPage(ctx, session, { notice: error(message), form }));
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return fail('The URL must look like postgres://user:password@host:5432/database.');
    }
    if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') return fail('The URL must start with postgres:// or postgresql://.');
    if (form.description.length > 500) return fail('The description is limited to 500 characters.');
    const caller = callerOf(session);
    if ((await listConnections(ctx.store.db, caller)).some((c) => c.name === form.name)) return fail(`There is already a connection named "${form.name}".`);
    try {
      const created = await createConnection(ctx.store.db, box, caller, { name: form.name, kind: 'postgis', config: { url }, description: form.description });
      await recordAudit(ctx.store.db, { ...caller, actor: 'workspace', action: 'connection.create', target: created.id, ip: request.ip });
    } catch (e) {
      if (e instanceof ConnectionAccessError) return fail(e.message);
      throw e;
    }
    return reply.redirect('/connections', 303);
  });

  app.post<{ Params: { name: string } }>('/connections/:name/test', async (request, reply) => {
    const session = await requireWorkspaceSession(ctx, request, reply);
    if (!session) return reply;
    // Testing changes nothing, so viewers may test what they can use; the form still needs CSRF
    // (a forged post would make the server connect somewhere on someone's behalf).
    if (!csrfValid(ctx, request, session.csrfToken)) return reply.code(403).send(await connectionsPage(ctx, session, { notice: error('This form expired; try again.') }));
    const name = request.params.name;
    const resolved: ResolvedConnection | Error | undefined = await ctx.connections
      .resolve(callerOf(session), name)
      .catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
    if (!resolved) return reply.code(404).send(await connectionsPage(ctx, session, { notice: error(`There is no connection "${name}" you can use.`) }));
    let notice: RawHtml;
    try {
      if (resolved instanceof Error) throw resolved;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new EngineError('timeout', `no answer within ${TEST_TIMEOUT_MS / 1000} s`)), TEST_TIMEOUT_MS);
      });
      const catalog = await Promise.race([resolved.engine.describe(), timeout]).finally(() => clearTimeout(timer));
      notice = html`<p class="notice" role="status" id="test-result">Connection "${name}" works: ${catalog.tables.length} table${catalog.tables.length === 1 ? '' : 's'} in ${catalog.schemas.length} schema${catalog.schemas.length === 1 ? '' : 's'}.</p>`;
    } catch (e) {
      // EngineError messages are written to be shown (no DSN, password or host); others are not.
      const message = e instanceof EngineError || e instanceof ConnectionAccessError ? e.message : 'the engine could not be reached';
      notice = html`<p class="error" role="alert" id="test-result">Connection "${name}" failed: ${message}</p>`;
    }
    return reply.send(await connectionsPage(ctx, session, { notice }));
  });
}
