import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import cookie from '@fastify/cookie';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer, type TestUser } from '../../support/testServer.ts';
import { FormClient } from '../../support/formClient.ts';
import { registerWebApp, WEB_APP_DIST } from '../../../src/workspace/registerWebApp.ts';
import type { AppContext } from '../../../src/AppContext.ts';

// The workspace SPA as the server hands it out (npm test builds web/dist first).
describe('serving the workspace SPA under /app/', () => {
  let t: TestServer;
  let bob: TestUser;
  let signedIn: FormClient;

  beforeAll(async () => {
    if (!existsSync(join(WEB_APP_DIST, 'index.html')))
      throw new Error('web/dist/app is missing: run npm run build:web');
    t = await startTestServer('sqlite');
    bob = await t.addUser({ email: 'bob@example.com', password: 'bob-password-123', role: 'viewer' });
    signedIn = new FormClient(t.url);
    expect((await signedIn.signIn(bob.email, bob.password)).status).toBe(303);
  });
  afterAll(async () => t?.stop());

  it('sends visitors without a session (or with a stale one) to sign in, and back here afterwards', async () => {
    const anonymous = new FormClient(t.url);
    for (const path of ['/app/', '/app/developers/credentials', '/app/workflows/x?tab=run']) {
      const response = await anonymous.get(path);
      expect(response.status, path).toBe(303);
      expect(response.headers.get('location')).toBe(`/signin?next=${encodeURIComponent(path)}`);
    }
    const stale = await fetch(`${t.url}/app/jobs`, {
      redirect: 'manual',
      headers: { cookie: 'meridian_session=not-a-session' },
    });
    expect(stale.status).toBe(303);

    const client = new FormClient(t.url);
    const response = await client.signIn(bob.email, bob.password, '/app/developers/connected-apps');
    expect(response.headers.get('location')).toBe('/app/developers/connected-apps');
  });

  it('lands on /app/ after sign-in and from /, and sends old page addresses to their app sections', async () => {
    const client = new FormClient(t.url);
    expect((await client.signIn(bob.email, bob.password)).headers.get('location')).toBe('/app/');
    expect((await client.get('/')).headers.get('location')).toBe('/app/');
    expect((await new FormClient(t.url).get('/')).headers.get('location')).toBe('/signin');
    expect((await client.get('/app')).headers.get('location')).toBe('/app/');
    for (const [from, to] of [
      ['/developers/credentials', '/app/developers/credentials'],
      ['/developers/credentials/oauth-clients', '/app/developers/credentials/oauth-clients'],
      ['/developers/connected-apps', '/app/developers/connected-apps'],
    ]) {
      const moved = await client.get(from!);
      expect(moved.status, from).toBe(301);
      expect(moved.headers.get('location')).toBe(to);
    }
  });

  it('answers every app path with index.html, uncached, under the app CSP, never framed', async () => {
    for (const path of ['/app/', '/app/developers/credentials', '/app/maps/123/edit']) {
      const response = await signedIn.get(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('cache-control')).toBe('no-cache');
      const csp = response.headers.get('content-security-policy')!;
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("worker-src 'self' blob:");
      expect(csp).toContain("script-src 'self'");
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(await response.text()).toContain('<div id="root"></div>');
    }
  });

  it('serves the public map links without a session', async () => {
    const response = await fetch(`${t.url}/app/shared/abcdef`, { redirect: 'manual' });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<div id="root"></div>');
  });

  it('caches the hashed assets for a year, and 404s a missing one', async () => {
    const html = await (await signedIn.get('/app/')).text();
    const script = /src="(\/app\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const response = await fetch(t.url + script);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/javascript/);
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const missing = await fetch(`${t.url}/app/assets/nope-123.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
  });

  it('answers 503 with a page saying how to build the app when the bundle is missing', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'meridian-nodist-'));
    const app = Fastify();
    await app.register(cookie);
    await registerWebApp(
      app,
      { config: t.config, store: t.server.store, logger: t.server.logger } as unknown as AppContext,
      { distDir: empty },
    );
    try {
      const response = await app.inject({ method: 'GET', url: '/app/shared/x' });
      expect(response.statusCode).toBe(503);
      expect(response.body).toContain('npm run build:web');
      expect(response.headers['cache-control']).toBe('no-store');
    } finally {
      await app.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
