import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../AppContext.ts';
import { listGrants, revokeGrant } from '../../store/repositories/oauthGrants.ts';
import { recordAudit } from '../../store/repositories/auditLog.ts';
import { requireApiSession } from './apiSession.ts';
import { sendProblem } from './problem.ts';

/**
 * Connected apps: the OAuth grants of the caller (an admin sees the whole organization's, to
 * cut off an application for everyone), and revoking one, which ends its tokens on their very
 * next request.
 */
export function registerConnectedAppsApiRoutes(app: FastifyInstance, ctx: AppContext): void {
  const db = ctx.store.db;

  app.get('/api/v1/connected-apps', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply);
    if (!api) return reply;
    const wholeOrg = api.caller.role === 'admin';
    return { grants: await listGrants(db, api.caller, { wholeOrg }), wholeOrg };
  });

  app.delete<{ Params: { id: string } }>('/api/v1/connected-apps/:id', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply);
    if (!api) return reply;
    // Someone else's grant answers exactly like a missing one (no probing across users).
    if (!(await revokeGrant(db, api.caller, request.params.id)))
      return sendProblem(reply, 404, 'No connected app of yours has this id; it may be revoked already.');
    await recordAudit(db, {
      ...api.caller,
      actor: 'workspace',
      action: 'oauth_grant.revoke',
      target: request.params.id,
      ip: request.ip,
    });
    return reply.code(204).send();
  });
}
