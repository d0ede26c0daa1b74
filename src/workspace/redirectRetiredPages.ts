import type { FastifyInstance } from 'fastify';

/**
 * The server-rendered Workflows, Connections and Jobs pages are now SPA pages under /app/; old
 * bookmarks and links land on their new address (same path below the prefix, same query).
 */
export function redirectRetiredPages(app: FastifyInstance): void {
  for (const section of ['workflows', 'connections', 'jobs']) {
    app.get(`/${section}`, (request, reply) => reply.redirect(`/app${request.url}`, 301));
    app.get(`/${section}/*`, (request, reply) => reply.redirect(`/app${request.url}`, 301));
  }
}
