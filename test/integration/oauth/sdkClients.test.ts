import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError as V1UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import type { Browser } from 'playwright-core';
import { startTestServer, type TestServer, type TestUser } from '../../support/testServer.ts';
import { startCimdServer, type CimdServer } from '../../support/cimdServer.ts';
import { TestOAuthProvider } from '../../support/sdkOAuthProvider.ts';
import { driveAuthorization, mcpWhoami, tokenRequest } from '../../support/oauthHttp.ts';
import { launchChromium, ARTIFACTS_DIR } from '../../support/browser.ts';
import { preregisteredClient } from '../../support/oauthFixtures.ts';

const CLI_CALLBACK_PORT = 47123;

function modernClient(): Client {
  return new Client(
    { name: 'oauth-test', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
}

// Every client kind through the official SDK clients' own OAuth support: CIMD (v2, signed in
// and consented in headless Chromium), a pre-registered client with a secret (v2), dynamic
// registration (v1, the 2025 path); then tools/list and whoami, refresh, revocation.
describe('official SDK clients complete OAuth against Meridian', () => {
  let t: TestServer;
  let cimd: CimdServer;
  let browser: Browser;
  let admin: TestUser;
  let alice: TestUser;
  const docPath = '/oauth/client-metadata.json';

  beforeAll(async () => {
    cimd = await startCimdServer();
    t = await startTestServer('sqlite', {
      env: { MERIDIAN_CIMD_ALLOW_HOSTS: 'localhost', MERIDIAN_CIMD_CA_FILE: cimd.caFile },
    });
    admin = await t.addUser({ email: 'boss@example.com', role: 'admin' });
    alice = await t.addUser({ email: 'alice@example.com', role: 'editor' });
    // Like Claude Code: a loopback callback without a port; the client listens on any port.
    cimd.json(docPath, {
      client_id: `${cimd.origin}${docPath}`,
      client_name: 'Test Agent',
      redirect_uris: ['http://127.0.0.1/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    if (process.env.DEBUG_LOGS) console.log(t.logs.filter((l) => /"level":(50|40)/.test(l)).join('\n'));
    await browser?.close();
    await t?.stop();
    await cimd?.close();
  });

  it('v2 client with a client ID metadata document: sign-in and consent in Chromium, tools/list, whoami, refresh, revoke', async () => {
    const provider = new TestOAuthProvider({
      redirectUrl: `http://127.0.0.1:${CLI_CALLBACK_PORT}/callback`,
      clientName: 'Test Agent',
      clientMetadataUrl: `${cimd.origin}${docPath}`,
    });
    const transport = new StreamableHTTPClientTransport(new URL(t.mcpUrl), { authProvider: provider });
    await expect(modernClient().connect(transport)).rejects.toBeInstanceOf(UnauthorizedError);
    const authUrl = provider.authorizationUrl!;
    expect(authUrl.searchParams.get('client_id')).toBe(`${cimd.origin}${docPath}`);
    expect(authUrl.searchParams.get('code_challenge_method')).toBe('S256');

    const page = await browser.newPage();
    let callback: URL | undefined;
    await page.route(`http://127.0.0.1:${CLI_CALLBACK_PORT}/**`, async (route) => {
      callback = new URL(route.request().url());
      await route.fulfill({ status: 200, contentType: 'text/plain', body: 'done' });
    });
    page.setDefaultTimeout(10_000);
    await page.goto(authUrl.href);
    try {
      await page.fill('#email', alice.email);
      await page.fill('#password', alice.password);
      await page.click('button[type=submit]');
      await page.waitForSelector('#allow');
    } catch (error) {
      await page.screenshot({ path: `${ARTIFACTS_DIR}/oauth-cimd-failure.png`, fullPage: true });
      throw new Error(`${String(error)}\n${(await page.content()).slice(0, 3000)}`, { cause: error });
    }
    expect(await page.textContent('.client-host')).toBe(`localhost:${cimd.port}`);
    expect(await page.textContent('h1')).toContain('Test Agent');
    expect(await page.textContent('.scopes')).toContain('List your published workflows');
    await page.screenshot({ path: `${ARTIFACTS_DIR}/oauth-consent-cimd.png`, fullPage: true });
    await page.click('#allow');
    await page.waitForURL(`http://127.0.0.1:${CLI_CALLBACK_PORT}/**`);
    await page.close();
    expect(callback?.searchParams.get('iss')).toBe(t.url);

    await transport.finishAuth(callback!.searchParams);
    const client = modernClient();
    await client.connect(new StreamableHTTPClientTransport(new URL(t.mcpUrl), { authProvider: provider }));
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toContain('whoami');
    const who = await client.callTool({ name: 'whoami', arguments: {} });
    expect(who.structuredContent).toMatchObject({
      user: { email: alice.email },
      authentication: { method: 'oauth' },
    });

    const tokens = provider.savedTokens!;
    const refreshed = await tokenRequest(t.url, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token!,
      client_id: `${cimd.origin}${docPath}`,
    });
    expect(refreshed.status).toBe(200);
    const revoked = await fetch(`${t.url}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: String(refreshed.body.refresh_token),
        client_id: `${cimd.origin}${docPath}`,
      }).toString(),
    });
    expect(revoked.status).toBe(200);
    expect((await mcpWhoami(t.mcpUrl, tokens.access_token)).status).toBe(401);
    await client.close();
  });

  it('v2 client with a pre-registered client ID and secret', async () => {
    const created = await preregisteredClient(t, admin, [
      'https://chatgpt.com/connector_platform_oauth_redirect',
    ]);
    const provider = new TestOAuthProvider({
      redirectUrl: 'https://chatgpt.com/connector_platform_oauth_redirect',
      clientName: 'ChatGPT',
      clientInformation: { client_id: created.id, client_secret: created.secret },
    });
    const transport = new StreamableHTTPClientTransport(new URL(t.mcpUrl), { authProvider: provider });
    await expect(modernClient().connect(transport)).rejects.toBeInstanceOf(UnauthorizedError);
    const result = await driveAuthorization(t.url, provider.authorizationUrl!.href, {
      email: alice.email,
      password: alice.password,
    });
    expect(result.location?.origin).toBe('https://chatgpt.com');
    await transport.finishAuth(result.location!.searchParams);
    const client = modernClient();
    await client.connect(new StreamableHTTPClientTransport(new URL(t.mcpUrl), { authProvider: provider }));
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toContain('whoami');
    const who = await client.callTool({ name: 'whoami', arguments: {} });
    expect(who.structuredContent).toMatchObject({ user: { email: alice.email } });
    await client.close();
  });

  it('v1 client (2025 protocol) registers dynamically, signs in, lists tools and calls whoami; identical registrations collapse', async () => {
    const makeProvider = () =>
      new TestOAuthProvider({
        redirectUrl: 'http://localhost:6274/oauth/callback',
        clientName: 'Inspector-like',
      });
    const provider = makeProvider();
    const transport = new V1Transport(new URL(t.mcpUrl), { authProvider: provider as never });
    const client = new V1Client({ name: 'dcr-test', version: '1.0.0' });
    await expect(client.connect(transport)).rejects.toBeInstanceOf(V1UnauthorizedError);
    expect(provider.registrations).toBe(1);
    const clientId = (provider.clientInformation() as unknown as { client_id: string }).client_id;
    expect(clientId).toMatch(/^dcr_/);
    const result = await driveAuthorization(t.url, provider.authorizationUrl!.href, {
      email: alice.email,
      password: alice.password,
    });
    expect(result.page?.html ?? '').toBe('');
    expect(result.consentShown).toBe(1);
    await transport.finishAuth(result.location!.searchParams.get('code')!);
    const connected = new V1Client({ name: 'dcr-test', version: '1.0.0' });
    const transport2 = new V1Transport(new URL(t.mcpUrl), { authProvider: provider as never });
    await connected.connect(transport2);
    const { tools } = await connected.listTools();
    expect(tools.map((tool) => tool.name)).toContain('whoami');
    const who = await connected.callTool({ name: 'whoami', arguments: {} });
    expect(JSON.stringify(who)).toContain(alice.email);
    await connected.close();

    // The same client registering again (a new connection) gets the same client, not a new row.
    const again = makeProvider();
    const transport3 = new V1Transport(new URL(t.mcpUrl), { authProvider: again as never });
    await expect(
      new V1Client({ name: 'dcr-test', version: '1.0.0' }).connect(transport3),
    ).rejects.toBeInstanceOf(V1UnauthorizedError);
    expect((again.clientInformation() as unknown as { client_id: string }).client_id).toBe(clientId);
    const rows = await t.server.store.db
      .selectFrom('oauth_clients')
      .select('id')
      .where('kind', '=', 'dcr')
      .execute();
    expect(rows.filter((r) => r.id === clientId)).toHaveLength(1);
  });
});
