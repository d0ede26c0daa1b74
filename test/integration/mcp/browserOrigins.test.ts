import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../support/testServer.ts';
import { legacyHeaders, initializeBody, modernBody, modernHeaders, post } from './rawMcp.ts';

// Audit #13: browser-based MCP clients (MCP Inspector's web UI on http://localhost:6274, MCP Jam)
// got 403 and no answer to their CORS preflight on /mcp, and the server's own origin under
// 127.0.0.1 was refused too. Preflights from allowed origins are answered; the server's own
// loopback origins are accepted; every other Origin still gets 403 with no CORS headers
// (DNS-rebinding protection, SECURITY-TESTS F1/F2).
const INSPECTOR = 'http://localhost:6274';

function preflight(url: string, origin: string, method: string, headers: string): Promise<Response> {
  return fetch(url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
  });
}

describe('audit #13: browser-origin MCP clients', () => {
  let t: TestServer;
  let token: string;
  let port: string;

  beforeAll(async () => {
    t = await startTestServer('sqlite', { env: { MERIDIAN_ALLOWED_ORIGINS: INSPECTOR } });
    token = await t.createToken(await t.addUser({ email: 'browser@example.com', role: 'editor' }));
    port = new URL(t.url).port;
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('audit #13: OPTIONS preflight from an allowed origin → 204 with the Access-Control-* headers the MCP transport needs', async () => {
    const asked =
      'authorization, content-type, mcp-protocol-version, mcp-method, mcp-name, mcp-session-id, last-event-id, mcp-param-region';
    const response = await preflight(t.mcpUrl, INSPECTOR, 'POST', asked);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(INSPECTOR);
    expect(response.headers.get('vary')).toMatch(/\bOrigin\b/);
    expect(response.headers.get('access-control-allow-methods')?.split(/,\s*/).sort()).toEqual([
      'DELETE',
      'GET',
      'POST',
    ]);
    expect(response.headers.get('access-control-allow-headers')?.split(/,\s*/)).toEqual(asked.split(/,\s*/));
    expect(Number(response.headers.get('access-control-max-age'))).toBeGreaterThan(0);
    // A header the endpoint does not take is not echoed, so the browser refuses that request.
    const odd = await preflight(t.mcpUrl, INSPECTOR, 'POST', 'authorization, x-forwarded-host');
    expect(odd.headers.get('access-control-allow-headers')).toBe('authorization');
  });

  it('audit #13: preflight from a disallowed origin, a loopback origin on another port or Origin: null → 403 and no Access-Control-Allow-Origin', async () => {
    for (const origin of ['https://evil.example', 'http://127.0.0.1:6275', 'null']) {
      const response = await preflight(t.mcpUrl, origin, 'POST', 'authorization, content-type');
      expect(response.status, origin).toBe(403);
      expect(response.headers.get('access-control-allow-origin'), origin).toBeNull();
      expect(((await response.json()) as { error: { message: string } }).error.message).toContain(
        'MERIDIAN_ALLOWED_ORIGINS',
      );
    }
  });

  it("audit #13: POST from the server's own origins (http://127.0.0.1:PORT, http://localhost:PORT, http://[::1]:PORT) is accepted", async () => {
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`]) {
      const response = await post(
        t.mcpUrl,
        { ...modernHeaders(token, 'tools/list'), origin },
        modernBody('tools/list'),
      );
      expect(response.status, origin).toBe(200);
      expect(response.json.result.tools.map((x: { name: string }) => x.name)).toContain('whoami');
      expect(response.headers.get('access-control-allow-origin'), origin).toBe(origin);
    }
  });

  it('audit #13: responses to an allowed origin carry Access-Control-Allow-Origin and expose Mcp-Session-Id and WWW-Authenticate (401 included)', async () => {
    const unauthenticated = await post(
      t.mcpUrl,
      { ...modernHeaders(undefined, 'tools/list'), origin: INSPECTOR },
      modernBody('tools/list'),
    );
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get('access-control-allow-origin')).toBe(INSPECTOR);
    expect(unauthenticated.headers.get('access-control-expose-headers')).toMatch(/\bWWW-Authenticate\b/);

    const initialize = await post(t.mcpUrl, { ...legacyHeaders(token), origin: INSPECTOR }, initializeBody());
    expect(initialize.status).toBe(200);
    expect(initialize.headers.get('mcp-session-id')).toBeTruthy();
    expect(initialize.headers.get('access-control-allow-origin')).toBe(INSPECTOR);
    expect(initialize.headers.get('access-control-expose-headers')).toMatch(/\bMcp-Session-Id\b/);

    // A refused origin gets no CORS header on the actual request either.
    const refused = await post(
      t.mcpUrl,
      { ...modernHeaders(token, 'tools/list'), origin: 'https://evil.example' },
      modernBody('tools/list'),
    );
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('audit #13: a browser OAuth flow from an allowed origin can read the metadata and register a client, and preflight /oauth/token', async () => {
    for (const path of [
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
    ]) {
      const asked = await preflight(`${t.url}${path}`, INSPECTOR, 'GET', 'mcp-protocol-version');
      expect(asked.status, path).toBe(204);
      expect(asked.headers.get('access-control-allow-origin'), path).toBe('*');
      expect(asked.headers.get('access-control-allow-headers')?.toLowerCase(), path).toBe(
        'mcp-protocol-version',
      );
      const metadata = await fetch(`${t.url}${path}`, {
        headers: { origin: INSPECTOR, 'mcp-protocol-version': '2026-07-28' },
      });
      expect(metadata.headers.get('access-control-allow-origin'), path).toBe('*');
    }
    const discovery = await fetch(`${t.url}/.well-known/oauth-authorization-server`, {
      headers: { origin: INSPECTOR },
    });
    expect(discovery.headers.get('access-control-allow-origin')).toBe(INSPECTOR);

    const registration = `${t.url}/oauth/register`;
    const asked = await preflight(registration, INSPECTOR, 'POST', 'content-type');
    expect(asked.status).toBe(204);
    expect(asked.headers.get('access-control-allow-origin')).toBe(INSPECTOR);
    expect(asked.headers.get('access-control-allow-headers')).toBe('content-type');
    const registered = await fetch(registration, {
      method: 'POST',
      headers: { origin: INSPECTOR, 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'MCP Inspector',
        redirect_uris: [`${INSPECTOR}/oauth/callback`],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      }),
    });
    expect(registered.status).toBe(201);
    expect(registered.headers.get('access-control-allow-origin')).toBe(INSPECTOR);
    // Another origin may not read a registration answer.
    const foreign = await fetch(registration, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();

    const token = await preflight(`${t.url}/oauth/token`, INSPECTOR, 'POST', 'content-type');
    expect(token.status).toBe(204);
    expect(token.headers.get('access-control-allow-origin')).toBe(INSPECTOR);
  });
});
