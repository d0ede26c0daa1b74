import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../AppContext.ts';
import { html, page } from '../http/html.ts';
import {
  csrfValid,
  currentSession,
  safeNextPath,
  sessionCookie,
  authenticatePassword,
  SIGN_IN_RATE_LIMIT,
} from '../auth/index.ts';
import { createWebSession, deleteWebSession } from '../store/repositories/webSessions.ts';
import { randomId } from '../crypto/index.ts';
import { recordAudit } from '../store/repositories/auditLog.ts';

function signInPage(csrf: string, next: string, error?: string, email = '') {
  return page(
    'Sign in',
    html`<div class="card" style="max-width:26rem;margin:3rem auto">
      <h1>Sign in to Meridian</h1>
      ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
      <form method="post" action="/signin">
        <input type="hidden" name="_csrf" value="${csrf}" />
        <input type="hidden" name="next" value="${next}" />
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autocomplete="username" required value="${email}" />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        <button type="submit">Sign in</button>
      </form>
    </div>`,
  );
}

export function registerSignInRoutes(app: FastifyInstance, ctx: AppContext): void {
  const cookie = sessionCookie(ctx);

  app.get('/', async (request, reply) => {
    const session = await currentSession(ctx, request);
    return reply.redirect(session ? '/app/' : '/signin', 303);
  });

  app.get<{ Querystring: { next?: string } }>('/signin', async (request, reply) => {
    // Sign-in happens before a session exists, so its CSRF token is a double-submit cookie.
    let csrf = request.cookies[cookie.csrfName];
    if (!csrf || !/^[A-Za-z0-9_-]{43}$/.test(csrf)) {
      csrf = randomId(32);
      reply.setCookie(cookie.csrfName, csrf, cookie.options);
    }
    return reply
      .type('text/html')
      .header('Cache-Control', 'no-store')
      .send(signInPage(csrf, safeNextPath(request.query.next)));
  });

  app.post<{ Body: { email?: string; password?: string; next?: string } }>(
    '/signin',
    {
      config: { rateLimit: SIGN_IN_RATE_LIMIT },
    },
    async (request, reply) => {
      const csrfCookie = request.cookies[cookie.csrfName];
      const next = safeNextPath(request.body?.next);
      reply.type('text/html').header('Cache-Control', 'no-store');
      if (!csrfCookie || !csrfValid(ctx, request, csrfCookie)) {
        return reply.code(403).send(
          page(
            'Sign in',
            html`<div class="card">
              <p class="error">
                This form expired or did not come from Meridian.
                <a href="/signin">Open the sign-in page again</a>.
              </p>
            </div>`,
          ),
        );
      }
      const email = String(request.body?.email ?? '');
      const password = String(request.body?.password ?? '');
      const signedIn = await authenticatePassword(ctx.store.db, email, password);
      if (!signedIn) {
        await recordAudit(ctx.store.db, {
          actor: 'workspace',
          action: 'signin.failed',
          ip: request.ip,
          detail: { email: email.slice(0, 200) },
        });
        return reply
          .code(401)
          .send(signInPage(csrfCookie, next, 'The email or password is not correct.', email));
      }
      const { userId, membership } = signedIn;
      const session = await createWebSession(ctx.store.db, {
        userId,
        orgId: membership.orgId,
        ttlMs: ctx.config.sessionTtlMs,
      });
      await recordAudit(ctx.store.db, {
        orgId: membership.orgId,
        userId,
        actor: 'workspace',
        action: 'signin',
        ip: request.ip,
      });
      reply.setCookie(cookie.name, session.cookieValue, {
        ...cookie.options,
        expires: new Date(session.expiresAt),
      });
      return reply.redirect(next, 303);
    },
  );

  app.post('/signout', async (request, reply) => {
    const session = await currentSession(ctx, request);
    if (session && !csrfValid(ctx, request, session.csrfToken))
      return reply.code(403).send({ error: 'csrf' });
    const value = request.cookies[cookie.name];
    if (value) await deleteWebSession(ctx.store.db, value);
    reply.clearCookie(cookie.name, { path: '/' });
    return reply.redirect('/signin', 303);
  });
}
