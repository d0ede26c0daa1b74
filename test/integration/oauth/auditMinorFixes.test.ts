import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../../support/testServer.ts';
import { startCimdServer, type CimdServer } from '../../support/cimdServer.ts';
import { WorkspaceApiClient } from '../../support/workspaceApiClient.ts';
import { authorizeUrl, CookieJar, get, pkcePair } from '../../support/oauthHttp.ts';

// Audit #10 (issue 11), the minor items: loopback callback ports above 65535, an unbounded
// self-registered client_name, and the CIMD error page's escaping.
describe('audit #10: loopback ports, client_name length, CIMD error page escaping', () => {
  let t: TestServer;
  let cimd: CimdServer;
  let admin: TestUser;

  const register = async (metadata: Record<string, unknown>) => {
    const response = await fetch(`${t.url}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token_endpoint_auth_method: 'none', ...metadata }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  };

  const authorize = async (clientId: string, redirectUri: string) => {
    const response = await get(
      authorizeUrl(t.url, {
        clientId,
        redirectUri,
        codeChallenge: pkcePair().challenge,
        codeChallengeMethod: 'S256',
      }),
      new CookieJar(),
    );
    return {
      status: response.status,
      location: response.headers.get('location'),
      html: await response.text(),
    };
  };

  beforeAll(async () => {
    cimd = await startCimdServer();
    t = await startTestServer('sqlite', {
      env: { MERIDIAN_CIMD_ALLOW_HOSTS: 'localhost', MERIDIAN_CIMD_CA_FILE: cimd.caFile },
    });
    admin = await t.addUser({ email: 'admin@example.com', role: 'admin' });
  });
  afterAll(async () => {
    await t?.stop();
    await cimd?.close();
  });

  it('audit #10: a loopback callback on port 65536 or 99999 is invalid_redirect_uri at registration, saying which ports are', async () => {
    for (const port of [65536, 99999]) {
      const { status, body } = await register({ redirect_uris: [`http://127.0.0.1:${port}/cb`] });
      expect(status).toBe(400);
      expect(body.error).toBe('invalid_redirect_uri');
      expect(body.error_description).toMatch(/port .*from 1 to 65535/);
    }
    expect((await register({ redirect_uris: ['http://127.0.0.1:65535/cb'] })).status).toBe(201);
  });

  it('audit #10: a pre-registered client with a loopback callback on port 99999 is refused with the reason', async () => {
    const api = await WorkspaceApiClient.signIn(t.url, admin.email, admin.password);
    const created = await api.send<{ detail?: string; errors?: Array<{ field: string; message: string }> }>(
      'POST',
      '/api/v1/oauth-clients',
      { name: 'Local tool', callbacks: ['http://[::1]:99999/callback'] },
    );
    expect(created.status).toBe(422);
    expect(created.body.errors?.[0]?.field).toBe('callbacks');
    expect(created.body.errors?.[0]?.message).toMatch(/port .*from 1 to 65535/);
  });

  it('audit #10: asking for a loopback callback on port 99999 (or 0) of a portless registration is an error page, not a sign-in', async () => {
    const { body } = await register({ client_name: 'CLI', redirect_uris: ['http://127.0.0.1/callback'] });
    for (const asked of ['http://127.0.0.1:99999/callback', 'http://127.0.0.1:0/callback']) {
      const result = await authorize(body.client_id!, asked);
      expect(result.status, asked).toBe(400);
      expect(result.location).toBeNull();
      expect(result.html).toContain('Callback URL not registered');
    }
    // Any real port still matches (RFC 8252 §7.3).
    const ok = await authorize(body.client_id!, 'http://127.0.0.1:50123/callback');
    expect(ok.status).toBe(303);
    expect(ok.location).toMatch(/^\/oauth\/interaction\//);
  });

  it('audit #10: a self-registered client_name of 201 characters is invalid_client_metadata; 200 is accepted', async () => {
    const long = await register({ client_name: 'n'.repeat(201), redirect_uris: ['http://127.0.0.1/a'] });
    expect(long.status).toBe(400);
    expect(long.body.error).toBe('invalid_client_metadata');
    expect(long.body.error_description).toMatch(/client_name .*200/);
    const fits = await register({ client_name: 'n'.repeat(200), redirect_uris: ['http://127.0.0.1/b'] });
    expect(fits.status).toBe(201);
    expect(fits.body.client_name).toHaveLength(200);
  });

  it('audit #10: a metadata document with a 201-character client_name gets the error page saying so', async () => {
    const id = `${cimd.origin}/long-name`;
    cimd.json('/long-name', {
      client_id: id,
      client_name: 'n'.repeat(201),
      redirect_uris: ['https://agent.example/cb'],
      token_endpoint_auth_method: 'none',
    });
    const result = await authorize(id, 'https://agent.example/cb');
    expect(result.status).toBe(400);
    expect(result.location).toBeNull();
    expect(result.html).toContain('client_name must be at most 200 characters');
  });

  it('audit #10: the CIMD error page escapes what the document host sent exactly once (&lt;, never &amp;lt;)', async () => {
    cimd.route('/typed', (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/<b>' }).end('{}');
    });
    const typed = await authorize(`${cimd.origin}/typed`, 'https://agent.example/cb');
    expect(typed.status).toBe(400);
    expect(typed.html).toContain('The application\u2019s metadata document could not be used');
    expect(typed.html).toContain('text/&lt;b&gt;');
    expect(typed.html).not.toContain('<b>');
    expect(typed.html).not.toContain('&amp;lt;');

    // The client_id itself, shown on the page, with markup and an ampersand in its path.
    const odd = await authorize(`${cimd.origin}/a<i>&b`, 'https://agent.example/cb');
    expect(odd.status).toBe(400);
    expect(odd.html).toContain('/a&lt;i&gt;&amp;b</code>');
    expect(odd.html).not.toContain('&amp;lt;');
    expect(odd.html).not.toContain('&amp;amp;');
  });
});
