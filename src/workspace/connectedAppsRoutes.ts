import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../http/AppContext.ts';
import { html, page } from './html.ts';
import { csrfValid, currentSession, redirectToSignIn } from './webSession.ts';
import { listGrants, revokeGrant } from '../store/repositories/oauthGrants.ts';
import { recordAudit } from '../store/repositories/auditLog.ts';

function when(ms: number | null): string {
  return ms === null ? 'never' : new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}

/**
 * Developers › Connected apps: every OAuth grant of the user (admins: of the organization),
 * with the client, scopes, when it was created and last used, and a Revoke button that ends
 * the grant's tokens on their very next request.
 */
export function registerConnectedAppsRoutes(app: FastifyInstance, ctx: AppContext): void {
  const db = ctx.store.db;

  app.get('/developers/connected-apps', async (request, reply) => {
    const session = await currentSession(ctx, request);
    if (!session) return redirectToSignIn(reply, request);
    const p = session.principal;
    const caller = { orgId: p.orgId, userId: p.userId, role: p.role };
    const isAdmin = p.role === 'admin';
    const grants = await listGrants(db, caller, { wholeOrg: isAdmin });
    const rows = grants.map(
      (g) => html`<tr data-grant-id="${g.id}">
  <td><strong>${g.clientName}</strong><br><code class="muted">${g.clientId}</code></td>
  ${isAdmin ? html`<td>${g.email}</td>` : ''}
  <td>${g.scopes.join(' ')}</td><td>${when(g.createdAt)}</td><td>${when(g.lastUsedAt)}</td>
  <td><form method="post" action="/developers/connected-apps/${g.id}/revoke" style="margin:0">
    <input type="hidden" name="_csrf" value="${session.csrfToken}"><button class="danger">Revoke</button></form></td></tr>`,
    );
    return reply
      .type('text/html')
      .header('Cache-Control', 'no-store')
      .send(
        page(
          'Connected apps',
          html`<h1>Connected apps</h1>
<div class="card">
  <p class="muted">AI platforms you (${isAdmin ? 'and, as an administrator, everyone in ' + p.orgName : p.email}) connected with OAuth. Revoking ends
  their access on their next request.</p>
  <table><thead><tr><th>Application</th>${isAdmin ? html`<th>User</th>` : ''}<th>Scopes</th><th>Connected</th><th>Last used</th><th></th></tr></thead>
  <tbody>${rows.length ? rows : html`<tr><td colspan="6" class="muted">No connected apps.</td></tr>`}</tbody></table>
</div>`,
          { email: p.email, orgName: p.orgName, csrfToken: session.csrfToken },
        ),
      );
  });

  app.post<{ Params: { id: string } }>('/developers/connected-apps/:id/revoke', async (request, reply) => {
    const session = await currentSession(ctx, request);
    if (!session) return redirectToSignIn(reply, request);
    if (!csrfValid(ctx, request, session.csrfToken)) return reply.code(403).type('text/html').send(page('Connected apps', html`<p class="error">This form expired; try again.</p>`));
    const p = session.principal;
    const caller = { orgId: p.orgId, userId: p.userId, role: p.role };
    // Someone else's grant answers exactly like a missing one (no probing across users).
    if (!(await revokeGrant(db, caller, request.params.id))) {
      return reply.code(404).type('text/html').send(page('Connected apps', html`<div class="card"><p class="error">No such connected app.</p></div>`));
    }
    await recordAudit(db, { ...caller, actor: 'workspace', action: 'oauth_grant.revoke', target: request.params.id, ip: request.ip });
    return reply.redirect('/developers/connected-apps', 303);
  });

  // The "default callback" of clients created with default callback URLs: for trying a client
  // by hand (curl, scripts). It shows the result; it never forwards it anywhere.
  app.get<{ Querystring: Record<string, string | undefined> }>('/oauth/callback', async (request, reply) => {
    const { code, error, error_description: description, state } = request.query;
    return reply
      .type('text/html')
      .header('Cache-Control', 'no-store')
      .send(
        page(
          'Authorization result',
          html`<div class="card"><h1>Authorization ${error ? 'failed' : 'complete'}</h1>
${error ? html`<p class="error"><code>${error}</code> ${description ?? ''}</p>` : html`<p>Authorization code (valid for 60 seconds):</p><p class="secret">${code ?? ''}</p>`}
${state ? html`<p class="muted">state: <code>${state}</code></p>` : ''}</div>`,
        ),
      );
  });
}
