import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../AppContext.ts';
import { findWebSession, type WebSession } from '../store/repositories/webSessions.ts';
import { safeEqual } from '../crypto/index.ts';

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

export async function currentSession(
  ctx: AppContext,
  request: FastifyRequest,
): Promise<WebSession | undefined> {
  const value = request.cookies[sessionCookie(ctx).name];
  return value ? findWebSession(ctx.store.db, value) : undefined;
}

/** Only same-site relative paths: never `//evil`, `/\evil` or an absolute URL (no open redirect). */
export function safeNextPath(next: unknown, fallback = '/app/'): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\'))
    return fallback;
  // Control characters and backslashes let browsers reinterpret the path as another host.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\\]/.test(next)) return fallback;
  return next;
}

export function redirectToSignIn(reply: FastifyReply, request: FastifyRequest): FastifyReply {
  return reply.redirect(`/signin?next=${encodeURIComponent(request.url)}`, 303);
}

/**
 * Checks a form's CSRF token against the expected one (the primary control), and refuses posts a
 * browser tells us came from another site: Sec-Fetch-Site when sent, and a present Origin. Under
 * `Referrer-Policy: no-referrer` browsers send `Origin: null` even for our own forms, so `null`
 * is left to the other two checks.
 */
export function csrfValid(ctx: AppContext, request: FastifyRequest, expected: string): boolean {
  const fetchSite = request.headers['sec-fetch-site'];
  if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none') return false;
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== 'null' && origin !== ctx.config.publicUrl.origin) return false;
  const sent = (request.body as Record<string, unknown> | undefined)?._csrf;
  return typeof sent === 'string' && safeEqual(sent, expected);
}
