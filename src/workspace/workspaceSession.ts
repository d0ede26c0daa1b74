import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../http/AppContext.ts';
import type { Caller } from '../store/Caller.ts';
import type { WebSession } from '../store/repositories/webSessions.ts';
import { csrfValid, currentSession, redirectToSignIn } from './webSession.ts';

/** The signed-in session of a workspace page, or a redirect to sign in (then undefined). */
export async function requireWorkspaceSession(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): Promise<WebSession | undefined> {
  const session = await currentSession(ctx, request);
  if (!session) {
    redirectToSignIn(reply, request);
    return undefined;
  }
  reply.type('text/html').header('Cache-Control', 'no-store');
  return session;
}

export function callerOf(session: WebSession): Caller {
  const { principal } = session;
  return { orgId: principal.orgId, userId: principal.userId, role: principal.role };
}

export function navOf(session: WebSession): { email: string; orgName: string; csrfToken: string } {
  return { email: session.principal.email, orgName: session.principal.orgName, csrfToken: session.csrfToken };
}

/**
 * Why a form post is refused before it is looked at: an expired or forged form (CSRF), or a
 * role that may only look. Undefined when the post may proceed.
 */
export function refusal(ctx: AppContext, request: FastifyRequest, session: WebSession, minimum: 'editor' | 'admin'): { status: 403; message: string } | undefined {
  if (!csrfValid(ctx, request, session.csrfToken)) return { status: 403, message: 'This form expired; try again.' };
  const role = session.principal.role;
  if (minimum === 'admin' && role !== 'admin') return { status: 403, message: 'Only organization admins can do this.' };
  if (role === 'viewer') return { status: 403, message: 'Viewers can look but not change anything here; ask an admin for the editor role.' };
  return undefined;
}

export function when(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '—' : new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}
