import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer, type TestUser } from '../support/testServer.ts';
import { artifactPath, launchChromium } from '../support/browser.ts';
import { connectModernClient } from '../support/mcpClients.ts';
import { mcpWhoami } from '../support/oauthHttp.ts';
import { signInAndGetTokens } from '../support/oauthFixtures.ts';

/** Opens an app page signed out, signs in on the server-rendered form, and lands back on it. */
async function signInTo(page: Page, t: TestServer, user: TestUser, path: string): Promise<void> {
  await page.goto(t.url + path);
  expect(new URL(page.url()).pathname).toBe('/signin');
  await page.fill('#email', user.email);
  await page.fill('#password', user.password);
  await page.click('button[type=submit]');
  await page.waitForURL(t.url + path);
}

/**
 * Console errors, CSP violations included: the app must run under its own policy. A 422 is the
 * API pointing at a field the test filled wrong on purpose.
 */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().includes('status of 422'))
      errors.push(`${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

describe('the workspace SPA in Chromium: Developers › Credentials', () => {
  let t: TestServer;
  let browser: Browser;
  let gina: TestUser;
  let ada: TestUser;

  beforeAll(async () => {
    t = await startTestServer('sqlite');
    gina = await t.addUser({ email: 'gina@example.com', password: 'gina-password-123', role: 'editor' });
    ada = await t.addUser({ email: 'ada@example.com', password: 'ada-password-123', role: 'admin' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('signs in, creates an API token shown once, uses it over MCP, revokes it, and MCP refuses it', async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await signInTo(page, t, gina, '/app/developers/credentials');

    // The shell: who is signed in where, the MCP URL, the navigation.
    await expect(page.textContent('#session-email')).resolves.toBe(gina.email);
    await expect(page.textContent('#mcp-url')).resolves.toBe(t.mcpUrl);
    for (const name of ['Workflows', 'Connections', 'Maps', 'Jobs', 'Credentials', 'Connected apps']) {
      await expect(
        page.getByRole('navigation', { name: 'Workspace' }).getByRole('link', { name, exact: true }).count(),
      ).resolves.toBe(1);
    }
    // Editors have no OAuth clients tab.
    await expect(page.getByRole('link', { name: 'OAuth clients' }).count()).resolves.toBe(0);

    await page.getByLabel('Name').fill('Gemini CLI');
    await page.locator('input[value="maps:read"]').waitFor();
    await page.uncheck('input[value="maps:read"]');
    await page.selectOption('#token-expiry', '7d');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = (await page.locator('#new-token').textContent())!.trim();
    expect(token).toMatch(/^mrd_[0-9a-f]{24}_[A-Za-z0-9_-]{43}$/);
    await page.screenshot({ path: artifactPath('spa-api-token-created.png'), fullPage: true });

    const row = () => page.locator('tr[data-token-id]', { hasText: 'Gemini CLI' });
    await expect(row().locator('td').nth(1).textContent()).resolves.toBe(
      'workflows:read workflows:run connections:read',
    );

    const client = await connectModernClient(t.mcpUrl, token);
    const who = await client.callTool({ name: 'whoami', arguments: {} });
    expect(who.structuredContent).toMatchObject({
      user: { email: gina.email },
      scopes: ['workflows:read', 'workflows:run', 'connections:read'],
    });

    // Reloading never shows the secret again; the last use shows.
    await page.reload();
    await row().waitFor();
    expect(await page.content()).not.toContain(token);
    await expect(row().locator('td').nth(3).textContent()).resolves.not.toBe('—');

    await row().getByRole('button', { name: 'Revoke' }).click();
    await row().getByRole('button', { name: 'Yes, revoke “Gemini CLI”' }).click();
    await row().locator('td', { hasText: 'revoked' }).waitFor();
    await expect(client.callTool({ name: 'whoami', arguments: {} })).rejects.toThrow(
      /401|revoked|Unauthorized/i,
    );
    await client.close();
    expect(errors).toEqual([]);

    // Sign out from the app: back to the sign-in page, and the app asks to sign in again.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${t.url}/signin`);
    await page.goto(`${t.url}/app/developers/credentials`);
    expect(new URL(page.url()).pathname).toBe('/signin');
    await page.close();
  });

  it('an admin creates an OAuth client with a preset, sees its secret once, completes a flow with it, revokes the grant in Connected apps, and deletes the client', async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await signInTo(page, t, ada, '/app/developers/credentials');
    await page.getByRole('link', { name: 'OAuth clients' }).click();
    await page.waitForURL(`${t.url}/app/developers/credentials/oauth-clients`);

    // A callback that is not an exact https URL is refused with the field pointed at.
    await page.getByLabel('Name').fill('ChatGPT');
    await page
      .getByLabel('Allowed callback URLs (one per line, matched exactly)')
      .fill('http://evil.example/cb');
    await page.getByRole('button', { name: 'Create client' }).click();
    await page.locator('#client-callbacks-error').waitFor();
    await expect(page.getAttribute('#client-callbacks', 'aria-invalid')).resolves.toBe('true');

    await page.getByLabel('Allowed callback URLs (one per line, matched exactly)').fill('');
    await page.selectOption('#client-preset', 'chatgpt');
    await page.getByRole('button', { name: 'Create client' }).click();
    const clientId = (await page.locator('#new-client-id').textContent())!.trim();
    const secret = (await page.locator('#new-client-secret').textContent())!.trim();
    expect(clientId).toMatch(/^mcl_/);
    expect(secret).toMatch(/^mcs_/);
    const row = page.locator(`tr[data-client-id="${clientId}"]`);
    await expect(row.textContent()).resolves.toContain(
      'https://chatgpt.com/connector_platform_oauth_redirect',
    );
    await page.screenshot({ path: artifactPath('spa-oauth-client-created.png'), fullPage: true });

    const tokens = await signInAndGetTokens(t, ada, {
      id: clientId,
      secret,
      redirectUri: 'https://chatgpt.com/connector_platform_oauth_redirect',
    });
    expect((await mcpWhoami(t.mcpUrl, tokens.access_token)).status).toBe(200);

    await page.reload();
    await row.waitFor();
    expect(await page.content()).not.toContain(secret);
    await expect(row.locator('td').nth(3).textContent()).resolves.toBe('1');

    // Connected apps lists the grant under its application; revoking it ends the access token.
    await page.getByRole('link', { name: 'Connected apps' }).click();
    const app = page.getByRole('region', { name: 'ChatGPT' });
    await app.waitFor();
    await expect(app.locator('tr[data-grant-id] td').first().textContent()).resolves.toBe(ada.email);
    await page.screenshot({ path: artifactPath('spa-connected-apps.png'), fullPage: true });
    await app.getByRole('button', { name: 'Revoke' }).click();
    await app.getByRole('button', { name: 'Yes, revoke access' }).click();
    await app.waitFor({ state: 'detached' });
    await page.getByText('No connected apps.').waitFor();
    expect((await mcpWhoami(t.mcpUrl, tokens.access_token)).status).toBe(401);

    // A second flow with the client, then deleting the client ends that one too.
    const again = await signInAndGetTokens(t, ada, {
      id: clientId,
      secret,
      redirectUri: 'https://chatgpt.com/connector_platform_oauth_redirect',
    });
    expect((await mcpWhoami(t.mcpUrl, again.access_token)).status).toBe(200);
    await page.getByRole('link', { name: 'Credentials' }).click();
    await page.getByRole('link', { name: 'OAuth clients' }).click();
    await row.getByRole('button', { name: 'Delete' }).click();
    await row.getByRole('button', { name: 'Yes, delete “ChatGPT”' }).click();
    await row.waitFor({ state: 'detached' });
    expect((await mcpWhoami(t.mcpUrl, again.access_token)).status).toBe(401);
    expect(errors).toEqual([]);
    await page.close();
  });
});
