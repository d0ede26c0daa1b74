import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../AppContext.ts';
import { requireApiSession } from './apiSession.ts';

/** GET /api/v1/session: who is signed in, and the CSRF token the SPA sends with every write. */
export function registerSessionApiRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/api/v1/session', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply);
    if (!api) return reply;
    const { principal, csrfToken } = api.session;
    return {
      user: { id: principal.userId, email: principal.email, role: principal.role },
      organization: { id: principal.orgId, name: principal.orgName },
      csrfToken,
      mcpUrl: new URL('/mcp', ctx.config.publicUrl).toString(),
    };
  });
}
