import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../http/AppContext.ts';
import { html, page, type RawHtml } from './html.ts';
import { csrfValid, currentSession, redirectToSignIn } from './webSession.ts';
import { listApiTokens, revokeApiToken, type CreatedApiToken } from '../store/repositories/apiTokens.ts';
import { recordAudit } from '../store/repositories/auditLog.ts';
import { SCOPES, DEFAULT_TOKEN_SCOPES, scopesForRole } from '../auth/scopes.ts';
import { issueApiToken, TokenRequestError } from '../auth/issueApiToken.ts';
import type { WebSession } from '../store/repositories/webSessions.ts';

const EXPIRY_CHOICES = [
  ['30d', '30 days'],
  ['7d', '7 days'],
  ['90d', '90 days'],
  ['365d', '1 year'],
  ['never', 'Never'],
] as const;

function when(ms: number | null): string {
  return ms === null ? '—' : new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}

async function credentialsPage(ctx: AppContext, session: WebSession, notice?: RawHtml): Promise<string> {
  const caller = session.principal;
  const tokens = await listApiTokens(ctx.store.db, { orgId: caller.orgId, userId: caller.userId, role: caller.role });
  const now = Date.now();
  const rows = tokens.map((t) => {
    const state = t.revokedAt ? 'revoked' : t.expiresAt !== null && t.expiresAt <= now ? 'expired' : 'active';
    return html`<tr data-token-id="${t.id}">
  <td>${t.name}</td><td>${t.scopes.join(' ')}</td><td>${when(t.createdAt)}</td><td>${when(t.lastUsedAt)}</td>
  <td>${t.expiresAt === null ? 'never' : when(t.expiresAt)}</td><td>${state}</td>
  <td>${
    state === 'active'
      ? html`<form method="post" action="/developers/credentials/api-tokens/${t.id}/revoke" style="margin:0">
      <input type="hidden" name="_csrf" value="${session.csrfToken}"><button class="danger">Revoke</button></form>`
      : ''
  }</td></tr>`;
  });
  const scopeBoxes = scopesForRole(caller.role).filter((scope) => scope !== 'offline_access').map(
    (scope) => html`<label style="font-weight:normal"><input type="checkbox" name="scopes" value="${scope}" style="width:auto"
      ${DEFAULT_TOKEN_SCOPES.includes(scope) ? 'checked' : ''}> <code>${scope}</code> — ${SCOPES[scope]}</label>`,
  );
  return page(
    'Developers › Credentials',
    html`<h1>Developers › Credentials</h1>
${notice ?? ''}
<div class="card">
  <h2>API Access Tokens</h2>
  <p class="muted">For CLI agents (Gemini CLI, Claude Code with a header): send <code>Authorization: Bearer &lt;token&gt;</code> to
  <code>${ctx.config.mcpUrl.href}</code>. A token acts as you, with at most your permissions.</p>
  <table>
    <thead><tr><th>Name</th><th>Scopes</th><th>Created</th><th>Last used</th><th>Expires</th><th>State</th><th></th></tr></thead>
    <tbody>${rows.length ? rows : html`<tr><td colspan="7" class="muted">No tokens yet.</td></tr>`}</tbody>
  </table>
</div>
<div class="card">
  <h2>Create a token</h2>
  <form method="post" action="/developers/credentials/api-tokens">
    <input type="hidden" name="_csrf" value="${session.csrfToken}">
    <label for="name">Name</label>
    <input id="name" name="name" required maxlength="100" placeholder="Gemini CLI on my laptop">
    <label>Scopes</label>
    ${scopeBoxes}
    <label for="expiresIn">Expires</label>
    <select id="expiresIn" name="expiresIn">${EXPIRY_CHOICES.map(([v, l]) => html`<option value="${v}">${l}</option>`)}</select>
    <button type="submit">Create token</button>
  </form>
</div>`,
    { email: caller.email, orgName: caller.orgName, csrfToken: session.csrfToken },
  );
}

export function registerCredentialsRoutes(app: FastifyInstance, ctx: AppContext): void {
  async function requireSession(request: FastifyRequest, reply: FastifyReply): Promise<WebSession | undefined> {
    const session = await currentSession(ctx, request);
    if (!session) {
      redirectToSignIn(reply, request);
      return undefined;
    }
    reply.type('text/html').header('Cache-Control', 'no-store');
    return session;
  }

  app.get('/developers/credentials', async (request, reply) => {
    const session = await requireSession(request, reply);
    if (!session) return reply;
    return reply.send(await credentialsPage(ctx, session));
  });

  app.post<{ Body: { name?: string; scopes?: string | string[]; expiresIn?: string } }>(
    '/developers/credentials/api-tokens',
    async (request, reply) => {
      const session = await requireSession(request, reply);
      if (!session) return reply;
      if (!csrfValid(ctx, request, session.csrfToken)) {
        return reply.code(403).send(await credentialsPage(ctx, session, html`<p class="error">This form expired; try again.</p>`));
      }
      const { principal } = session;
      const scopes = request.body?.scopes;
      let created: CreatedApiToken;
      try {
        created = await issueApiToken(
          ctx.store.db,
          { orgId: principal.orgId, userId: principal.userId, role: principal.role },
          {
            name: String(request.body?.name ?? ''),
            scopes: Array.isArray(scopes) ? scopes.join(' ') : String(scopes ?? ''),
            expiresIn: request.body?.expiresIn,
            actor: 'workspace',
            ip: request.ip,
          },
        );
      } catch (error) {
        if (!(error instanceof TokenRequestError)) throw error;
        return reply.code(400).send(await credentialsPage(ctx, session, html`<p class="error" role="alert">${error.message}</p>`));
      }
      // Rendered, not redirected: the secret must not travel in a URL, and this is its only showing.
      return reply.code(201).send(
        await credentialsPage(
          ctx,
          session,
          html`<div class="card"><h2>Token "${created.name}" created</h2>
<p>Copy it now: it will not be shown again.</p><p class="secret" id="new-token">${created.token}</p></div>`,
        ),
      );
    },
  );

  app.post<{ Params: { id: string } }>('/developers/credentials/api-tokens/:id/revoke', async (request, reply) => {
    const session = await requireSession(request, reply);
    if (!session) return reply;
    if (!csrfValid(ctx, request, session.csrfToken)) {
      return reply.code(403).send(await credentialsPage(ctx, session, html`<p class="error">This form expired; try again.</p>`));
    }
    const { principal } = session;
    const caller = { orgId: principal.orgId, userId: principal.userId, role: principal.role };
    const revoked = await revokeApiToken(ctx.store.db, caller, request.params.id);
    if (!revoked) return reply.code(404).send(await credentialsPage(ctx, session, html`<p class="error">No such active token.</p>`));
    await recordAudit(ctx.store.db, { ...caller, actor: 'workspace', action: 'api_token.revoke', target: request.params.id, ip: request.ip });
    return reply.redirect('/developers/credentials', 303);
  });
}
