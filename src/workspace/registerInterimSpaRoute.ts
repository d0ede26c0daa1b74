import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SPA_DIR = fileURLToPath(new URL('../../web/dist/app/', import.meta.url));

/**
 * INTERIM — serves the built SPA (web/dist/app) under /app/ until the shell's own route (helper
 * "spa-admin") lands on this branch; at merge, keep theirs and delete this file and its one call
 * in buildApp. Files by path, and index.html for every other /app/ path (client-side routes).
 */
export async function registerInterimSpaRoute(app: FastifyInstance): Promise<void> {
  await app.register(fastifyStatic, {
    root: SPA_DIR,
    prefix: '/app/',
    index: false,
    wildcard: false,
    serve: existsSync(SPA_DIR),
  });
  app.get('/app', (_request, reply) => reply.redirect('/app/', 302));
  app.get('/app/*', async (request, reply) => {
    const path = (request.params as { '*': string })['*'];
    if (/^assets\//.test(path)) {
      return reply
        .code(404)
        .type('application/problem+json')
        .send({ type: 'about:blank', title: 'Not Found', status: 404, detail: `No file ${path}` });
    }
    return reply.header('Cache-Control', 'no-store').sendFile('index.html', SPA_DIR);
  });
}
