import type { FastifyInstance } from 'fastify';

/**
 * The server-rendered workspace pages are now SPA pages under /app/; old bookmarks and links
 * land on their new address (same path below the prefix, same query).
 */
export function redirectRetiredPages(app: FastifyInstance): void {
  for (const section of [
    'workflows',
    'connections',
    'jobs',
    'developers/credentials',
    'developers/connected-apps',
  ]) {
    app.get(`/${section}`, (request, reply) => reply.redirect(`/app${request.url}`, 301));
    app.get(`/${section}/*`, (request, reply) => reply.redirect(`/app${request.url}`, 301));
  }
}
