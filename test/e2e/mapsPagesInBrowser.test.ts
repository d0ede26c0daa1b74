import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import type { Browser } from 'playwright-core';
import { artifactPath, launchChromium } from '../support/browser.ts';
import { fixtureMap } from '../support/mapAppHost/fixtureMap.ts';

/**
 * The built SPA's Maps pages (web/dist/app, `npm run build:web`) in Chromium, under the CSP
 * Meridian's helmet sends. The maps API is answered here from the shared contract with fixture
 * data, because this branch has no maps backend: what is checked is the pages' side (routes,
 * the public view without a session, MapLibre's same-origin worker under that CSP). The lead's
 * end-to-end tests run the same pages against the real API.
 */
const DIST = join(import.meta.dirname, '../../web/dist/app');
const CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css' };

describe('Maps pages of the SPA', () => {
  let server: Server;
  let url: string;
  let browser: Browser;
  const map = fixtureMap();
  const apiCalls: string[] = [];

  beforeAll(async () => {
    server = createServer(async (request, response) => {
      const path = decodeURIComponent((request.url ?? '/').split('?')[0]!);
      const json = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      if (path.startsWith('/api/')) {
        apiCalls.push(`${request.method} ${path}`);
        if (path === '/api/v1/public-maps/good-token') return json(200, { ...map, link: null });
        if (path.startsWith('/api/v1/public-maps/')) return json(404, { type: 'about:blank', title: 'Not Found', status: 404, detail: 'No such map.' });
        if (path === '/api/v1/session') return json(401, { type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'Sign in first.' });
        return json(401, { status: 401, detail: 'Sign in first.' });
      }
      const file = path.startsWith('/app/assets/') ? normalize(join(DIST, path.slice('/app/'.length))) : join(DIST, 'index.html');
      if (!file.startsWith(DIST)) return response.writeHead(404).end();
      try {
        const body = await readFile(file);
        response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-security-policy': CSP });
        response.end(body);
      } catch {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    browser = await launchChromium({ webgl: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('a public link draws the map without a session: no sign-in redirect, no CSP violation', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    const violations: string[] = [];
    page.on('console', (m) => /Content Security Policy|Refused to/i.test(m.text()) && violations.push(m.text()));
    await page.goto(`${url}/app/shared/good-token`);
    await page.locator('[data-testid="map-view"][data-state="idle"]').waitFor({ timeout: 30_000 });
    expect(new URL(page.url()).pathname).toBe('/app/shared/good-token');
    expect(await page.getByTestId('map-title').textContent()).toBe('Fixture districts');
    expect(await page.locator('[data-testid="map-legend"] .meridian-legend-entry').allTextContents()).toEqual(['park', 'water', 'industrial']);
    expect(apiCalls).not.toContain('GET /api/v1/session');
    expect(violations).toEqual([]);
    await page.screenshot({ path: artifactPath('maps-shared-page.png'), fullPage: true });
    await page.close();
  }, 60_000);

  it('a link that was turned off says so, still without asking to sign in', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/app/shared/revoked-token`);
    await page.getByRole('heading', { name: 'Map not available' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/app/shared/revoked-token');
    await page.close();
  });

  it('the workspace maps pages send a signed-out visitor to sign in', async () => {
    const page = await browser.newPage();
    await page.route('**/signin**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<h1>Sign in</h1>' }));
    await page.goto(`${url}/app/maps`);
    await page.waitForURL(/\/signin\?next=/);
    expect(new URL(page.url()).searchParams.get('next')).toBe('/app/maps');
    await page.close();
  });
});
