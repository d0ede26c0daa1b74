import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../AppContext.ts';
import type { Caller } from '../../store/Caller.ts';
import type { WebSession } from '../../store/repositories/webSessions.ts';
import { safeEqual } from '../../crypto/index.ts';
import { currentSession } from '../../auth/index.ts';
import { sendProblem } from './problem.ts';

/** The header the SPA sends its session's CSRF token in (from GET /api/v1/session). */
export const CSRF_HEADER = 'x-csrf-token';

export interface ApiSession {
  session: WebSession;
  caller: Caller;
}

export type MinimumRole = 'viewer' | 'editor' | 'admin';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The signed-in caller of a JSON API request, or a problem reply (then undefined). Reads need the
 * session cookie; anything that changes state also needs the session's CSRF token in
 * X-CSRF-Token (a custom header no cross-site form can send) and no cross-site Sec-Fetch-Site or
 * foreign Origin. `minimum` is the role the route needs.
 */
export async function requireApiSession(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  minimum: MinimumRole = 'viewer',
): Promise<ApiSession | undefined> {
  const session = await currentSession(ctx, request);
  if (!session) {
    sendProblem(reply, 401, 'Sign in first: this request has no valid workspace session.');
    return undefined;
  }
  if (!SAFE_METHODS.has(request.method) && !sameSiteWrite(ctx, request, session.csrfToken)) {
    sendProblem(
      reply,
      403,
      'This request is missing its CSRF token or came from another site; reload the page and try again.',
    );
    return undefined;
  }
  const role = session.principal.role;
  if (minimum === 'admin' && role !== 'admin') {
    sendProblem(reply, 403, 'Only organization admins can do this.');
    return undefined;
  }
  if (minimum === 'editor' && role === 'viewer') {
    sendProblem(
      reply,
      403,
      'Viewers can look but not change anything here; ask an admin for the editor role.',
    );
    return undefined;
  }
  reply.header('Cache-Control', 'no-store');
  const { principal } = session;
  return { session, caller: { orgId: principal.orgId, userId: principal.userId, role: principal.role } };
}

function sameSiteWrite(ctx: AppContext, request: FastifyRequest, expected: string): boolean {
  const fetchSite = request.headers['sec-fetch-site'];
  if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none') return false;
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== 'null' && origin !== ctx.config.publicUrl.origin) return false;
  const sent = request.headers[CSRF_HEADER];
  return typeof sent === 'string' && safeEqual(sent, expected);
}
