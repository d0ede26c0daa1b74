import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/testServer.ts';
import { launchChromium } from '../support/browser.ts';
import {
  startBrowserClientPage,
  type BrowserClientPage,
} from '../support/browserMcpClient/startBrowserClientPage.ts';

// Audit #13, in a real browser: the official MCP SDK clients run on a page of another origin
// (as MCP Inspector's web UI and MCP Jam do), so Chromium enforces CORS: preflights, which
// response headers the page may read, and the refusal of origins that are not allowed.

type ClientWindow = Window & {
  modernClient(
    mcpUrl: string,
    token: string,
  ): Promise<{ tools: string[]; whoami: { user: { email: string } } }>;
  legacyClient(mcpUrl: string, token: string): Promise<{ tools: string[]; sessionId: string | null }>;
};

async function openClientPage(browser: Browser, page: BrowserClientPage): Promise<Page> {
  const tab = await browser.newPage();
  await tab.goto(page.url);
  await tab.waitForFunction(() => typeof (window as unknown as ClientWindow).modernClient === 'function');
  return tab;
}

describe('audit #13: MCP SDK clients in Chromium on another origin', () => {
  let t: TestServer;
  let browser: Browser;
  let allowed: BrowserClientPage;
  let refused: BrowserClientPage;
  let token: string;

  beforeAll(async () => {
    allowed = await startBrowserClientPage();
    refused = await startBrowserClientPage();
    t = await startTestServer('sqlite', { env: { MERIDIAN_ALLOWED_ORIGINS: allowed.origin } });
    token = await t.createToken(await t.addUser({ email: 'inspector@example.com', role: 'editor' }));
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    await allowed?.close();
    await refused?.close();
  });

  it('audit #13: from an origin in MERIDIAN_ALLOWED_ORIGINS, the v2 (2026-07-28) and v1 (2025-11-25) clients list tools and call whoami; the page can read the 401 challenge', async () => {
    const tab = await openClientPage(browser, allowed);
    try {
      const modern = await tab.evaluate(
        ([url, bearer]) => (window as unknown as ClientWindow).modernClient(url!, bearer!),
        [t.mcpUrl, token],
      );
      expect(modern.tools).toContain('whoami');
      expect(modern.whoami.user.email).toBe('inspector@example.com');

      const legacy = await tab.evaluate(
        ([url, bearer]) => (window as unknown as ClientWindow).legacyClient(url!, bearer!),
        [t.mcpUrl, token],
      );
      expect(legacy.tools).toContain('whoami');
      expect(legacy.sessionId).toMatch(/\S/); // readable only because the header is exposed

      // Without a token: the browser client must be able to read where to get one.
      const challenge = await tab.evaluate(async (url) => {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'mcp-protocol-version': '2026-07-28',
            'mcp-method': 'tools/list',
          },
          body: '{}',
        });
        return { status: response.status, wwwAuthenticate: response.headers.get('www-authenticate') };
      }, t.mcpUrl);
      expect(challenge.status).toBe(401);
      expect(challenge.wwwAuthenticate).toContain(
        `resource_metadata="${t.url}/.well-known/oauth-protected-resource/mcp"`,
      );
    } finally {
      await tab.close();
    }
  });

  it('audit #13: from an origin that is not allowed, the client fails: the browser gets no CORS answer it may read', async () => {
    const tab = await openClientPage(browser, refused);
    try {
      const outcome = await tab.evaluate(
        ([url, bearer]) =>
          (window as unknown as ClientWindow).modernClient(url!, bearer!).then(
            () => 'connected',
            (error: Error) => `failed: ${error.message}`,
          ),
        [t.mcpUrl, token],
      );
      expect(outcome).toMatch(/^failed: /);
      // Underneath, every request fails the browser's CORS check: fetch itself rejects.
      const raw = await tab.evaluate(
        ([url, bearer]) =>
          fetch(url!, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${bearer}`,
              'content-type': 'application/json',
              accept: 'application/json, text/event-stream',
              'mcp-protocol-version': '2026-07-28',
              'mcp-method': 'tools/list',
            },
            body: '{}',
          }).then(
            (response) => `status ${response.status}`,
            (error: Error) => `${error.name}: ${error.message}`,
          ),
        [t.mcpUrl, token],
      );
      expect(raw).toBe('TypeError: Failed to fetch');
    } finally {
      await tab.close();
    }
  });
});
