import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppContext } from '../AppContext.ts';
import { currentSession, redirectToSignIn } from '../auth/index.ts';
import { webAppCsp } from '../http/webAppCsp.ts';

/** Where `npm run build:web` puts the workspace SPA (web/vite.app.config.ts). */
export const WEB_APP_DIST = fileURLToPath(new URL('../../web/dist/app', import.meta.url));

/** Public map links open without an account; everything else in the app needs a session. */
const PUBLIC_APP_PATHS = /^\/app\/shared(\/|$)/;

/**
 * Pages of the server-rendered workspace the SPA replaced: old links and bookmarks land on the
 * same section of the app.
 */
/**
 * Serves the workspace SPA under /app/: hashed assets cached for a year, every other /app/ path
 * answered with index.html (react-router resolves it in the browser) under a CSP that MapLibre
 * and React Flow work with. Visitors without a session are sent to sign in first, except on the
 * public map links.
 */
export async function registerWebApp(
  app: FastifyInstance,
  ctx: AppContext,
  options: { distDir?: string } = {},
): Promise<void> {
  const distDir = options.distDir ?? WEB_APP_DIST;
  const csp = webAppCsp(ctx.config);

  await app.register(fastifyStatic, {
    root: join(distDir, 'assets'),
    prefix: '/app/assets/',
    decorateReply: false,
    index: false,
    // File names carry a content hash (Vite), so a cached copy can never be stale.
    immutable: true,
    maxAge: '365d',
  });

  async function sendIndex(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const path = request.url.split('?')[0]!;
    if (!PUBLIC_APP_PATHS.test(path) && !(await currentSession(ctx, request)))
      return redirectToSignIn(reply, request);
    // Read on every navigation (it is a few hundred bytes): a rebuilt bundle is picked up at once.
    let html: string;
    try {
      html = await readFile(join(distDir, 'index.html'), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      request.log.error({ distDir }, 'the workspace app is not built');
      return reply
        .code(503)
        .type('text/html')
        .header('Cache-Control', 'no-store')
        .header('Retry-After', '30')
        .send(
          '<!doctype html><html lang="en"><meta charset="utf-8"><title>Meridian is not ready</title>' +
            '<h1>The workspace app is not built</h1><p>Whoever runs this server needs to run <code>npm run build:web</code> ' +
            '(it runs by itself before <code>npm start</code>), then reload this page.</p></html>',
        );
    }
    return reply
      .type('text/html; charset=utf-8')
      .header('Cache-Control', 'no-cache')
      .header('Content-Security-Policy', csp)
      .send(html);
  }

  app.get('/app', async (_request, reply) => reply.redirect('/app/', 301));
  app.get('/app/', sendIndex);
  app.get('/app/*', sendIndex);

  // Browsers ask for it on every server-rendered page (sign-in, consent); the app declares none.
  app.get('/favicon.ico', async (_request, reply) =>
    reply.code(204).header('Cache-Control', 'public, max-age=86400').send(),
  );
}
