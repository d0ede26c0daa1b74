import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../http/AppContext.ts';
import { html, page, type RawHtml } from './html.ts';
import { csrfValid, currentSession, redirectToSignIn } from './webSession.ts';
import type { WebSession } from '../store/repositories/webSessions.ts';
import {
  createPreregisteredClient,
  deleteOrgClient,
  listOrgClients,
  rotateClientSecret,
  setClientDisabled,
  updateClientCallbacks,
} from '../store/repositories/oauthClients.ts';
import { oauthOrgPolicy, setCimdHostRule, setOAuthOrgPolicy } from '../store/repositories/oauthOrgPolicies.ts';
import { recordAudit } from '../store/repositories/auditLog.ts';
import { CALLBACK_PRESETS, ClientInputError, parseClientCallbacks } from '../auth/oauth/parseClientCallbacks.ts';
import type { Caller } from '../store/Caller.ts';

const BASE = '/developers/credentials/oauth-clients';
const SECRET_GRACE_MS = 24 * 3_600_000;
const KIND_LABELS = { preregistered: 'pre-registered', dcr: 'self-registered', cimd: 'metadata document (CIMD)' } as const;

function when(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}

function callerOf(session: WebSession): Caller {
  const p = session.principal;
  return { orgId: p.orgId, userId: p.userId, role: p.role };
}

async function clientsPage(ctx: AppContext, session: WebSession, notice?: RawHtml): Promise<string> {
  const caller = callerOf(session);
  const clients = await listOrgClients(ctx.store.db, caller);
  const policy = await oauthOrgPolicy(ctx.store.db, caller.orgId);
  const csrf = session.csrfToken;
  const rows = clients.map(
    (c) => html`<tr data-client-id="${c.id}">
  <td><strong>${c.name}</strong><br><code>${c.id}</code></td>
  <td>${KIND_LABELS[c.kind]}${c.disabled ? html` <span class="badge">disabled</span>` : ''}</td>
  <td>${c.redirectUris.map((u) => html`<code>${u}</code><br>`)}</td>
  <td>${c.activeGrants}</td><td>${when(c.createdAt)}</td>
  <td>
    ${
      c.kind === 'preregistered'
        ? html`<form method="post" action="${BASE}/${c.id}/callbacks" style="margin:0 0 .4rem">
      <input type="hidden" name="_csrf" value="${csrf}">
      <input name="callbacks" value="${c.redirectUris.join(', ')}" aria-label="Allowed callback URLs">
      <input name="origins" value="${c.allowedOrigins.join(', ')}" aria-label="Allowed origins" placeholder="Allowed origins">
      <button style="margin:.3rem 0 0">Save callbacks</button></form>
    <form method="post" action="${BASE}/${c.id}/rotate-secret" style="display:inline"><input type="hidden" name="_csrf" value="${csrf}"><button class="danger">Rotate secret</button></form>
    <form method="post" action="${BASE}/${c.id}/${c.disabled ? 'enable' : 'disable'}" style="display:inline"><input type="hidden" name="_csrf" value="${csrf}"><button class="danger">${c.disabled ? 'Enable' : 'Disable'}</button></form>`
        : ''
    }
    <form method="post" action="${BASE}/${c.id}/delete" style="display:inline"><input type="hidden" name="_csrf" value="${csrf}"><button class="danger">Delete</button></form>
  </td></tr>`,
  );
  return page(
    'OAuth Clients',
    html`<h1>Developers › Credentials › OAuth Clients</h1>
${notice ?? ''}
<div class="card">
  <p class="muted">Claude.ai and Claude Code need no client here: they identify themselves with a client metadata document. Paste the MCP Server URL
  <code>${ctx.config.mcpUrl.href}</code> into them. ChatGPT, MCP Inspector and MCP Jam need a client with the callback URLs below.</p>
  <table>
    <thead><tr><th>Client</th><th>Kind</th><th>Allowed callback URLs</th><th>Grants</th><th>Created</th><th></th></tr></thead>
    <tbody>${rows.length ? rows : html`<tr><td colspan="6" class="muted">No OAuth clients yet.</td></tr>`}</tbody>
  </table>
</div>
<div class="card">
  <h2>Create new › OAuth Client</h2>
  <form method="post" action="${BASE}">
    <input type="hidden" name="_csrf" value="${csrf}">
    <label for="name">Name</label>
    <input id="name" name="name" required maxlength="100" placeholder="Claude.ai MCP Connection">
    <label style="font-weight:normal"><input type="checkbox" id="useDefault" name="useDefault" value="on" style="width:auto">
      Use default callback URLs and origins</label>
    <div class="custom-callbacks">
      <label for="preset">Preset</label>
      <select id="preset" name="preset"><option value="">None: enter the URLs below</option>${Object.entries(CALLBACK_PRESETS).map(
        ([key, p]) => html`<option value="${key}">${p.label} (${p.callbacks.join(', ')})</option>`,
      )}</select>
      <label for="callbacks">Allowed callback URLs (comma-separated, exact match)</label>
      <input id="callbacks" name="callbacks" placeholder="https://chatgpt.com/connector_platform_oauth_redirect">
      <label for="origins">Allowed origins (comma-separated)</label>
      <input id="origins" name="origins" placeholder="https://app.example.com">
    </div>
    <button type="submit">Save changes</button>
  </form>
</div>
<div class="card">
  <h2>Applications that register themselves</h2>
  <form method="post" action="${BASE}/policy">
    <input type="hidden" name="_csrf" value="${csrf}">
    <label style="font-weight:normal"><input type="checkbox" name="dcrEnabled" value="on" style="width:auto" ${policy.dcrEnabled ? 'checked' : ''}>
      Allow dynamic client registration (public clients with PKCE; MCP Inspector, clients on the 2025 protocol)</label>
    <label for="cimdMode">Client metadata documents (Claude.ai, Claude Code)</label>
    <select id="cimdMode" name="cimdMode">
      <option value="any" ${policy.cimdMode === 'any' ? 'selected' : ''}>Allow any public https host unless blocked</option>
      <option value="listed" ${policy.cimdMode === 'listed' ? 'selected' : ''}>Allow only the hosts listed below</option>
    </select>
    <button>Save policy</button>
  </form>
  <table><thead><tr><th>Host</th><th>Rule</th><th></th></tr></thead><tbody>
  ${policy.hostRules.map(
    (r) => html`<tr><td><code>${r.host}</code></td><td>${r.rule}</td><td><form method="post" action="${BASE}/cimd-hosts" style="margin:0">
    <input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="host" value="${r.host}"><input type="hidden" name="rule" value="none">
    <button class="danger">Remove</button></form></td></tr>`,
  )}
  </tbody></table>
  <form method="post" action="${BASE}/cimd-hosts">
    <input type="hidden" name="_csrf" value="${csrf}">
    <label for="host">Host</label><input id="host" name="host" required placeholder="claude.ai">
    <select name="rule" aria-label="Rule"><option value="allow">Allow</option><option value="block">Block</option></select>
    <button>Add rule</button>
  </form>
</div>`,
    { email: session.principal.email, orgName: session.principal.orgName, csrfToken: csrf },
  );
}

/**
 * Developers › Credentials › OAuth Clients: pre-registered clients (ID and secret shown once),
 * the self-registered and CIMD clients members have authorized, and the organization's policy
 * for clients nobody registered. Administrators only.
 */
export function registerOAuthClientsRoutes(app: FastifyInstance, ctx: AppContext): void {
  const db = ctx.store.db;

  async function requireAdmin(request: FastifyRequest, reply: FastifyReply): Promise<WebSession | undefined> {
    const session = await currentSession(ctx, request);
    if (!session) {
      redirectToSignIn(reply, request);
      return undefined;
    }
    reply.type('text/html').header('Cache-Control', 'no-store');
    if (session.principal.role !== 'admin') {
      reply.code(403).send(
        page('OAuth Clients', html`<div class="card"><h1>Administrators only</h1><p>Ask an administrator of ${session.principal.orgName} to manage OAuth clients.</p></div>`, {
          email: session.principal.email,
          orgName: session.principal.orgName,
          csrfToken: session.csrfToken,
        }),
      );
      return undefined;
    }
    if (request.method === 'POST' && !csrfValid(ctx, request, session.csrfToken)) {
      reply.code(403).send(await clientsPage(ctx, session, html`<p class="error">This form expired; try again.</p>`));
      return undefined;
    }
    return session;
  }

  app.get(BASE, async (request, reply) => {
    const session = await requireAdmin(request, reply);
    if (!session) return reply;
    return reply.send(await clientsPage(ctx, session));
  });

  app.post<{ Body: Record<string, string | undefined> }>(BASE, async (request, reply) => {
    const session = await requireAdmin(request, reply);
    if (!session) return reply;
    const body = request.body ?? {};
    const name = String(body.name ?? '').trim();
    try {
      if (!name || name.length > 100) throw new ClientInputError('give the client a name of at most 100 characters');
      const parsed = parseClientCallbacks({
        callbacks: body.callbacks,
        origins: body.origins,
        preset: body.preset || undefined,
        useDefault: body.useDefault === 'on',
        publicUrl: ctx.config.publicUrl,
      });
      const created = await createPreregisteredClient(db, callerOf(session), { name, ...parsed });
      await recordAudit(db, { ...callerOf(session), actor: 'workspace', action: 'oauth_client.create', target: created.id, ip: request.ip });
      // Rendered, never redirected: the secret must not travel in a URL, and this is its only showing.
      return reply.code(201).send(
        await clientsPage(
          ctx,
          session,
          html`<div class="card"><h2>Client "${created.name}" created</h2>
<p>Copy the Client ID and Client Secret now: the secret will not be shown again.</p>
<p>Client ID</p><p class="secret" id="new-client-id">${created.id}</p>
<p>Client Secret</p><p class="secret" id="new-client-secret">${created.secret}</p></div>`,
        ),
      );
    } catch (error) {
      if (!(error instanceof ClientInputError)) throw error;
      return reply.code(400).send(await clientsPage(ctx, session, html`<p class="error" role="alert">${error.message}</p>`));
    }
  });

  app.post<{ Params: { id: string }; Body: Record<string, string | undefined> }>(`${BASE}/:id/callbacks`, async (request, reply) => {
    const session = await requireAdmin(request, reply);
    if (!session) return reply;
    try {
      const parsed = parseClientCallbacks({ callbacks: request.body?.callbacks, origins: request.body?.origins, publicUrl: ctx.config.publicUrl });
      if (!(await updateClientCallbacks(db, callerOf(session), request.params.id, parsed))) {
        return reply.code(404).send(await clientsPage(ctx, session, html`<p class="error">No such client.</p>`));
      }
      await recordAudit(db, { ...callerOf(session), actor: 'workspace', action: 'oauth_client.callbacks', target: request.params.id, ip: request.ip });
      return reply.redirect(BASE, 303);
    } catch (error) {
      if (!(error instanceof ClientInputError)) throw error;
      return reply.code(400).send(await clientsPage(ctx, session, html`<p class="error" role="alert">${error.message}</p>`));
    }
  });

  app.post<{ Params: { id: string } }>(`${BASE}/:id/rotate-secret`, async (request, reply) => {
    const session = await requireAdmin(request, reply);
    if (!session) return reply;
    const secret = await rotateClientSecret(db, callerOf(session), request.params.id, SECRET_GRACE_MS);
    if (!secret) return reply.code(404).send(await clientsPage(ctx, session, html`<p class="error">No such client.</p>`));
    await recordAudit(db, { ...callerOf(session), actor: 'workspace', action: 'oauth_client.rotate_secret', target: request.params.id, ip: request.ip });
    return reply.send(
      await clientsPage(
        ctx,
        session,
        html`<div class="card"><h2>New secret for <code>${request.params.id}</code></h2><p>Copy it now. The previous secret keeps working for 24 hours.</p>
<p class="secret" id="new-client-secret">${secret}</p></div>`,
      ),
    );
  });

  for (const action of ['enable', 'disable'] as const) {
    app.post<{ Params: { id: string } }>(`${BASE}/:id/${action}`, async (request, reply) => {
      const session = await requireAdmin(request, reply);
      if (!session) return reply;
      if (!(await setClientDisabled(db, callerOf(session), request.params.id, action === 'disable'))) {
        return reply.code(404).send(await clientsPage(ctx, session, html`<p class="error">No such client.</p>`));
      }
      await recordAudit(db, { ...callerOf(session), actor: 'workspace', action: `oauth_client.${action}`, target: request.params.id, ip: request.ip });
      return reply.redirect(BASE, 303);
    });
  }

  app.post<{ Params: { id: string } }>(`${BASE}/:id/delete`, async (request, reply) => {
    const session = await requireAdmin(request, reply);
    if (!session) return reply;
    if (!(await deleteOrgClient(db, callerOf(session), request.params.id))) {
      return reply.code(404).send(await clientsPage(ctx, session, html`<p class="error">No such client.</p>`));
    }
    await recordAudit(db, { ...callerOf(session), actor: 'workspace', action: 'oauth_client.delete', target: request.params.id, ip: request.ip });
    return reply.redirect(BASE, 303);
  });

  app.post<{ Body: Record<string, string | undefined> }>(`${BASE}/policy`, async (request, reply) => {
    const session = await requireAdmin(request, reply);
    if (!session) return reply;
    const cimdMode = request.body?.cimdMode === 'listed' ? 'listed' : 'any';
    await setOAuthOrgPolicy(db, callerOf(session), { dcrEnabled: request.body?.dcrEnabled === 'on', cimdMode });
    await recordAudit(db, { ...callerOf(session), actor: 'workspace', action: 'oauth_policy.update', detail: { dcrEnabled: request.body?.dcrEnabled === 'on', cimdMode }, ip: request.ip });
    return reply.redirect(BASE, 303);
  });

  app.post<{ Body: Record<string, string | undefined> }>(`${BASE}/cimd-hosts`, async (request, reply) => {
    const session = await requireAdmin(request, reply);
    if (!session) return reply;
    const host = String(request.body?.host ?? '').trim().toLowerCase();
    const rule = request.body?.rule === 'block' ? 'block' : request.body?.rule === 'none' ? 'none' : 'allow';
    if (!/^[a-z0-9.-]{1,253}$/.test(host)) {
      return reply.code(400).send(await clientsPage(ctx, session, html`<p class="error">Enter a host name such as claude.ai.</p>`));
    }
    await setCimdHostRule(db, callerOf(session), host, rule);
    await recordAudit(db, { ...callerOf(session), actor: 'workspace', action: 'oauth_policy.cimd_host', detail: { host, rule }, ip: request.ip });
    return reply.redirect(BASE, 303);
  });
}
