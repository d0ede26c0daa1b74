import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../http/AppContext.ts';
import { findWebSession, type WebSession } from '../store/repositories/webSessions.ts';
import { safeEqual } from '../auth/secrets.ts';

/**
 * Cookie names and attributes. Over https the session cookie gets the `__Host-` prefix (Secure,
 * Path=/, no Domain), so no sibling subdomain can set or shadow it; on http://localhost it cannot.
 */
export function sessionCookie(ctx: AppContext) {
  const secure = ctx.config.publicUrl.protocol === 'https:';
  return {
    name: secure ? '__Host-meridian_session' : 'meridian_session',
    csrfName: secure ? '__Host-meridian_csrf' : 'meridian_csrf',
    options: { path: '/', httpOnly: true, sameSite: 'lax' as const, secure },
  };
}

export async function currentSession(ctx: AppContext, request: FastifyRequest): Promise<WebSession | undefined> {
  const value = request.cookies[sessionCookie(ctx).name];
  return value ? findWebSession(ctx.store.db, value) : undefined;
}

/** Only same-site relative paths: never `//evil`, `/\evil` or an absolute URL (no open redirect). */
export function safeNextPath(next: unknown, fallback = '/developers/credentials'): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
  // Control characters and backslashes let browsers reinterpret the path as another host.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\\]/.test(next)) return fallback;
  return next;
}

export function redirectToSignIn(reply: FastifyReply, request: FastifyRequest): FastifyReply {
  return reply.redirect(`/signin?next=${encodeURIComponent(request.url)}`, 303);
}

/** Checks a form's CSRF token against the session's, and a present Origin against ours. */
export function csrfValid(ctx: AppContext, request: FastifyRequest, expected: string): boolean {
  const origin = request.headers.origin;
  // Our pages send Referrer-Policy: no-referrer, so browsers post our own forms with
  // `Origin: null`; the CSRF token still has to match.
  if (origin !== undefined && origin !== 'null' && origin !== ctx.config.publicUrl.origin) return false;
  const sent = (request.body as Record<string, unknown> | undefined)?._csrf;
  return typeof sent === 'string' && safeEqual(sent, expected);
}
