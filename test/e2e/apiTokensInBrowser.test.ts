import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startTestServer, type TestServer, type TestUser } from '../support/testServer.ts';
import { artifactPath, launchChromium } from '../support/browser.ts';
import { connectModernClient } from '../support/mcpClients.ts';

describe('Developers › Credentials › API Access Tokens in Chromium', () => {
  let t: TestServer;
  let browser: Browser;
  let gina: TestUser;

  beforeAll(async () => {
    t = await startTestServer('sqlite');
    gina = await t.addUser({ email: 'gina@example.com', password: 'gina-password-123', role: 'editor' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('signs in, creates a token shown once, uses it over MCP, revokes it, and MCP refuses it', async () => {
    const page = await browser.newPage();
    await page.goto(`${t.url}/developers/credentials`);
    expect(new URL(page.url()).pathname).toBe('/signin');
    await page.fill('#email', gina.email);
    await page.fill('#password', gina.password);
    await page.click('button[type=submit]');
    await page.waitForURL(`${t.url}/developers/credentials`);

    await page.fill('#name', 'Gemini CLI');
    await page.uncheck('input[value="maps:read"]');
    await page.selectOption('#expiresIn', '7d');
    await page.click('form[action="/developers/credentials/api-tokens"] button');
    const token = (await page.textContent('#new-token'))!.trim();
    expect(token).toMatch(/^mrd_[0-9a-f]{24}_[A-Za-z0-9_-]{43}$/);
    await page.screenshot({ path: artifactPath('api-token-created.png'), fullPage: true });

    const row = page.locator('tr', { hasText: 'Gemini CLI' });
    await expect(row.locator('td').nth(1).textContent()).resolves.toBe('workflows:read workflows:run connections:read');

    const client = await connectModernClient(t.mcpUrl, token);
    const who = await client.callTool({ name: 'whoami', arguments: {} });
    expect(who.structuredContent).toMatchObject({ user: { email: gina.email }, scopes: ['workflows:read', 'workflows:run', 'connections:read'] });

    // Reloading never shows the secret again.
    await page.goto(`${t.url}/developers/credentials`);
    expect(await page.content()).not.toContain(token);
    await expect(page.locator('tr', { hasText: 'Gemini CLI' }).locator('td').nth(3).textContent()).resolves.not.toBe('—');

    await page.locator('tr', { hasText: 'Gemini CLI' }).locator('button', { hasText: 'Revoke' }).click();
    await page.waitForURL(`${t.url}/developers/credentials`);
    await expect(page.locator('tr', { hasText: 'Gemini CLI' }).locator('td').nth(5).textContent()).resolves.toBe('revoked');
    await expect(client.callTool({ name: 'whoami', arguments: {} })).rejects.toThrow(/401|revoked|Unauthorized/i);
    await client.close();
  });
});
