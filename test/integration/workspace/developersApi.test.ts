import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type StoreKind, type TestServer, type TestUser } from '../../support/testServer.ts';
import { ApiClient } from '../../support/apiClient.ts';
import { describeWithPostgres } from '../../support/postgres.ts';
import {
  authorizeUrl,
  basicAuth,
  CookieJar,
  driveAuthorization,
  get,
  mcpWhoami,
  pkcePair,
  tokenRequest,
} from '../../support/oauthHttp.ts';
import { signInAndGetTokens } from '../../support/oauthFixtures.ts';

interface Problem {
  status: number;
  detail: string;
  errors?: { field: string; message: string }[];
}
interface TokenView {
  id: string;
  name: string;
  scopes: string[];
  state: string;
  lastUsedAt: number | null;
}
interface ClientView {
  id: string;
  kind: string;
  name: string;
  redirectUris: string[];
  allowedOrigins: string[];
  disabled: boolean;
}

const fields = (body: unknown) => ((body as Problem).errors ?? []).map((e) => e.field);

// The JSON API behind Developers › Credentials and Connected apps (SECURITY-TESTS A13 CSRF, H8,
// D6), over real HTTP on each store.
function developersApiSuite(kind: StoreKind) {
  let t: TestServer;
  let admin: TestUser;
  let editor: TestUser;
  let viewer: TestUser;
  let outsider: TestUser;
  let a: ApiClient;
  let e: ApiClient;
  let v: ApiClient;
  let o: ApiClient;

  beforeAll(async () => {
    t = await startTestServer(kind);
    admin = await t.addUser({ email: 'ada@example.com', role: 'admin' });
    editor = await t.addUser({ email: 'ed@example.com', role: 'editor' });
    viewer = await t.addUser({ email: 'vi@example.com', role: 'viewer' });
    outsider = await t.addUser({ email: 'out@other.example', role: 'admin', orgSlug: 'other' });
    const signIn = (u: TestUser) => ApiClient.signIn(t.url, u.email, u.password);
    [a, e, v, o] = [await signIn(admin), await signIn(editor), await signIn(viewer), await signIn(outsider)];
  }, 60_000);
  afterAll(async () => t?.stop());

  it('answers 401 problems without a session, and never treats an API token as one', async () => {
    for (const path of [
      '/api/v1/api-tokens',
      '/api/v1/oauth-clients',
      '/api/v1/connected-apps',
      '/api/v1/oauth-policy',
    ]) {
      const response = await fetch(t.url + path);
      expect(response.status, path).toBe(401);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
    const token = await t.createToken(admin);
    expect(
      (await fetch(`${t.url}/api/v1/api-tokens`, { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(401);
  });

  it('API tokens: created with the secret shown once, used over MCP, listed without it, revoked only by their owner', async () => {
    const before = await v.get<{ scopes: { scope: string; default: boolean }[]; expiryChoices: string[] }>(
      '/api/v1/api-tokens',
    );
    expect(before.status).toBe(200);
    expect(before.headers.get('cache-control')).toBe('no-store');
    expect(before.body.scopes.map((s) => s.scope)).not.toContain('offline_access');
    expect(before.body.expiryChoices).toContain('never');

    // CSRF: no header, a wrong one, a foreign Origin, a cross-site fetch: all 403, nothing created.
    const body = { name: 'Gemini CLI', scopes: ['workflows:read', 'workflows:run'], expiresIn: '7d' };
    expect((await v.request('POST', '/api/v1/api-tokens', body, { csrf: false })).status).toBe(403);
    expect(
      (
        await v.request('POST', '/api/v1/api-tokens', body, {
          csrf: false,
          headers: { 'x-csrf-token': 'forged' },
        })
      ).status,
    ).toBe(403);
    expect(
      (await v.request('POST', '/api/v1/api-tokens', body, { headers: { origin: 'https://evil.example' } }))
        .status,
    ).toBe(403);
    expect(
      (await v.request('POST', '/api/v1/api-tokens', body, { headers: { 'sec-fetch-site': 'cross-site' } }))
        .status,
    ).toBe(403);
    expect((await v.get<{ tokens: unknown[] }>('/api/v1/api-tokens')).body.tokens).toEqual([]);

    // Invalid bodies: 422 naming the field.
    const invalid: [unknown, string][] = [
      [{ ...body, name: '  ' }, 'name'],
      [{ ...body, scopes: ['workflows:write'] }, 'scopes.0'],
      [{ ...body, scopes: ['offline_access'] }, 'scopes.0'],
      [{ ...body, scopes: [] }, 'scopes'],
      [{ ...body, expiresIn: '10y' }, 'expiresIn'],
    ];
    for (const [bad, field] of invalid) {
      const response = await v.request<Problem>('POST', '/api/v1/api-tokens', bad);
      expect(response.status, JSON.stringify(bad)).toBe(422);
      expect(fields(response.body), JSON.stringify(bad)).toContain(field);
    }

    const created = await v.request<{ token: TokenView; secret: string }>('POST', '/api/v1/api-tokens', body);
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect(created.body.secret).toMatch(/^mrd_[0-9a-f]{24}_[A-Za-z0-9_-]{43}$/);
    expect(created.body.token).toMatchObject({
      name: 'Gemini CLI',
      scopes: ['workflows:read', 'workflows:run'],
      state: 'active',
    });
    const { secret, token } = created.body;

    expect((await mcpWhoami(t.mcpUrl, secret)).status).toBe(200);
    const listed = await v.get<{ tokens: TokenView[] }>('/api/v1/api-tokens');
    expect(JSON.stringify(listed.body)).not.toContain(secret.slice(29));
    expect(listed.body.tokens.find((x) => x.id === token.id)!.lastUsedAt).not.toBeNull();

    // H8: nobody else lists or revokes it, whatever their role or organization.
    for (const other of [a, e, o]) {
      expect(JSON.stringify((await other.get('/api/v1/api-tokens')).body)).not.toContain(token.id);
      expect((await other.request('DELETE', `/api/v1/api-tokens/${token.id}`)).status).toBe(404);
    }
    expect((await mcpWhoami(t.mcpUrl, secret)).status).toBe(200);

    expect(
      (await v.request('DELETE', `/api/v1/api-tokens/${token.id}`, undefined, { csrf: false })).status,
    ).toBe(403);
    expect((await v.request('DELETE', `/api/v1/api-tokens/${token.id}`)).status).toBe(204);
    expect((await v.request('DELETE', `/api/v1/api-tokens/${token.id}`)).status).toBe(404);
    expect((await mcpWhoami(t.mcpUrl, secret)).status).toBe(401);
    expect(
      (await v.get<{ tokens: TokenView[] }>('/api/v1/api-tokens')).body.tokens.find((x) => x.id === token.id)!
        .state,
    ).toBe('revoked');
  });

  it('OAuth clients: admins only; created with ID and secret shown once; edited, rotated, disabled and deleted; other organizations get 404', async () => {
    for (const client of [e, v]) {
      expect((await client.get('/api/v1/oauth-clients')).status).toBe(403);
      expect(
        (await client.request('POST', '/api/v1/oauth-clients', { name: 'x', preset: 'chatgpt' })).status,
      ).toBe(403);
      expect((await client.get('/api/v1/oauth-policy')).status).toBe(403);
    }
    const meta = await a.get<{ presets: { key: string }[]; defaultCallbackUrl: string }>(
      '/api/v1/oauth-clients',
    );
    expect(meta.body.presets.map((p) => p.key)).toEqual(
      expect.arrayContaining(['chatgpt', 'mcp-inspector', 'mcp-jam']),
    );
    expect(meta.body.defaultCallbackUrl).toBe(`${t.url}/oauth/callback`);

    expect(
      (await a.request('POST', '/api/v1/oauth-clients', { name: 'Jam', preset: 'mcp-jam' }, { csrf: false }))
        .status,
    ).toBe(403);
    const invalid: [unknown, string][] = [
      [{ name: '', preset: 'mcp-jam' }, 'name'],
      [{ name: 'x', preset: 'toString' }, 'preset'],
      [{ name: 'x' }, 'callbacks'],
      [{ name: 'x', callbacks: ['javascript:alert(1)'] }, 'callbacks'],
      [{ name: 'x', callbacks: ['http://evil.example/cb'] }, 'callbacks'],
      [
        { name: 'x', callbacks: ['https://app.example/cb'], origins: ['https://app.example/path'] },
        'origins',
      ],
    ];
    for (const [bad, field] of invalid) {
      const response = await a.request<Problem>('POST', '/api/v1/oauth-clients', bad);
      expect(response.status, JSON.stringify(bad)).toBe(422);
      expect(fields(response.body), JSON.stringify(bad)).toContain(field);
    }

    const created = await a.request<{ client: ClientView; secret: string }>('POST', '/api/v1/oauth-clients', {
      name: 'Jam',
      preset: 'mcp-jam',
      callbacks: ['http://localhost:8000/callback'],
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const { client, secret } = created.body;
    expect(client.id).toMatch(/^mcl_/);
    expect(secret).toMatch(/^mcs_/);
    expect(client.redirectUris).toEqual([
      'http://127.0.0.1:6274/oauth/callback/debug',
      'http://127.0.0.1:6274/oauth/callback',
      'http://localhost:8000/callback',
    ]);
    const list = await a.get('/api/v1/oauth-clients');
    expect(JSON.stringify(list.body)).toContain(client.id);
    expect(JSON.stringify(list.body)).not.toContain(secret);

    const tokens = await signInAndGetTokens(t, admin, {
      id: client.id,
      secret,
      redirectUri: 'http://localhost:8000/callback',
    });
    expect((await mcpWhoami(t.mcpUrl, tokens.access_token)).status).toBe(200);

    // Another organization's admin: the same 404 as a client that does not exist.
    expect(JSON.stringify((await o.get('/api/v1/oauth-clients')).body)).not.toContain(client.id);
    expect((await o.request('PATCH', `/api/v1/oauth-clients/${client.id}`, { disabled: true })).status).toBe(
      404,
    );
    expect((await o.request('POST', `/api/v1/oauth-clients/${client.id}/secret`)).status).toBe(404);
    expect((await o.request('DELETE', `/api/v1/oauth-clients/${client.id}`)).status).toBe(404);
    expect((await a.request('PATCH', '/api/v1/oauth-clients/mcl_nope', { disabled: true })).status).toBe(404);

    const edited = await a.request<{ client: ClientView }>('PATCH', `/api/v1/oauth-clients/${client.id}`, {
      callbacks: ['https://chatgpt.com/connector_platform_oauth_redirect', 'http://localhost:8000/callback'],
      origins: ['https://chatgpt.com'],
    });
    expect(edited.status).toBe(200);
    expect(edited.body.client).toMatchObject({
      redirectUris: [
        'https://chatgpt.com/connector_platform_oauth_redirect',
        'http://localhost:8000/callback',
      ],
      allowedOrigins: ['https://chatgpt.com'],
    });
    const badEdit = await a.request<Problem>('PATCH', `/api/v1/oauth-clients/${client.id}`, {
      callbacks: ['javascript:alert(1)'],
    });
    expect(badEdit.status).toBe(422);
    expect(fields(badEdit.body)).toEqual(['callbacks']);
    expect((await a.request('PATCH', `/api/v1/oauth-clients/${client.id}`, {})).status).toBe(422);

    const rotated = await a.request<{ secret: string }>('POST', `/api/v1/oauth-clients/${client.id}/secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(secret);
    // The old secret works during its grace period, the new one at once, a wrong one never.
    for (const s of [secret, rotated.body.secret]) {
      expect(
        (
          await tokenRequest(
            t.url,
            { grant_type: 'refresh_token', refresh_token: 'nope' },
            { authorization: basicAuth(client.id, s) },
          )
        ).body.error,
      ).toBe('invalid_grant');
    }
    expect(
      (
        await tokenRequest(
          t.url,
          { grant_type: 'refresh_token', refresh_token: 'nope' },
          { authorization: basicAuth(client.id, 'mcs_wrong') },
        )
      ).status,
    ).toBe(401);

    const disabled = await a.request<{ client: ClientView }>('PATCH', `/api/v1/oauth-clients/${client.id}`, {
      disabled: true,
    });
    expect(disabled.body.client.disabled).toBe(true);
    const page = await (
      await get(
        authorizeUrl(t.url, {
          clientId: client.id,
          redirectUri: 'http://localhost:8000/callback',
          codeChallenge: pkcePair().challenge,
          codeChallengeMethod: 'S256',
        }),
        new CookieJar(),
      )
    ).text();
    expect(page).toContain('This application is disabled');
    expect(
      (
        await a.request<{ client: ClientView }>('PATCH', `/api/v1/oauth-clients/${client.id}`, {
          disabled: false,
        })
      ).body.client.disabled,
    ).toBe(false);

    expect((await a.request('DELETE', `/api/v1/oauth-clients/${client.id}`)).status).toBe(204);
    expect((await mcpWhoami(t.mcpUrl, tokens.access_token)).status).toBe(401);
    expect((await a.request('DELETE', `/api/v1/oauth-clients/${client.id}`)).status).toBe(404);
  });

  it('OAuth policy: admins switch registration off and keep CIMD host rules; bad hosts are 422', async () => {
    const initial = await a.get<{ policy: { dcrEnabled: boolean; cimdMode: string } }>(
      '/api/v1/oauth-policy',
    );
    expect(initial.body.policy).toMatchObject({ dcrEnabled: true, cimdMode: 'any' });
    expect(
      (
        await a.request(
          'PUT',
          '/api/v1/oauth-policy',
          { dcrEnabled: false, cimdMode: 'listed' },
          { csrf: false },
        )
      ).status,
    ).toBe(403);
    expect(
      fields((await a.request('PUT', '/api/v1/oauth-policy', { dcrEnabled: 'yes', cimdMode: 'some' })).body),
    ).toEqual(['dcrEnabled', 'cimdMode']);
    const saved = await a.request('PUT', '/api/v1/oauth-policy', { dcrEnabled: false, cimdMode: 'listed' });
    expect(saved.body).toMatchObject({ policy: { dcrEnabled: false, cimdMode: 'listed' } });
    // Another organization's policy is its own.
    expect((await o.get('/api/v1/oauth-policy')).body).toMatchObject({
      policy: { dcrEnabled: true, cimdMode: 'any' },
    });

    expect(
      fields(
        (
          await a.request('POST', '/api/v1/oauth-policy/cimd-hosts', {
            host: 'https://claude.ai/x',
            rule: 'allow',
          })
        ).body,
      ),
    ).toEqual(['host']);
    expect(
      (await a.request('POST', '/api/v1/oauth-policy/cimd-hosts', { host: 'Claude.AI', rule: 'allow' })).body,
    ).toMatchObject({ policy: { hostRules: [{ host: 'claude.ai', rule: 'allow' }] } });
    expect((await a.request('DELETE', '/api/v1/oauth-policy/cimd-hosts/claude.ai')).body).toMatchObject({
      policy: { hostRules: [] },
    });
    await a.request('PUT', '/api/v1/oauth-policy', { dcrEnabled: true, cimdMode: 'any' });
  });

  it("Connected apps: a user's grants, revoked on the next request; other users and organizations get 404; admins see the organization's", async () => {
    const register = await fetch(`${t.url}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Agent X', redirect_uris: ['http://127.0.0.1/cb'] }),
    });
    const clientId = String(((await register.json()) as { client_id: string }).client_id);
    const { verifier, challenge } = pkcePair();
    const flow = await driveAuthorization(
      t.url,
      authorizeUrl(t.url, {
        clientId,
        redirectUri: 'http://127.0.0.1:7000/cb',
        codeChallenge: challenge,
        codeChallengeMethod: 'S256',
      }),
      {
        email: editor.email,
        password: editor.password,
      },
    );
    const tokens = await tokenRequest(t.url, {
      grant_type: 'authorization_code',
      code: flow.location!.searchParams.get('code')!,
      code_verifier: verifier,
      redirect_uri: 'http://127.0.0.1:7000/cb',
      client_id: clientId,
    });
    const access = String(tokens.body.access_token);
    expect((await mcpWhoami(t.mcpUrl, access)).status).toBe(200);

    const mine = await e.get<{
      grants: { id: string; clientId: string; clientName: string; email: string }[];
      wholeOrg: boolean;
    }>('/api/v1/connected-apps');
    expect(mine.body.wholeOrg).toBe(false);
    const grant = mine.body.grants.find((g) => g.clientId === clientId)!;
    expect(grant).toMatchObject({ clientName: 'Agent X', email: editor.email });

    // H8: another user's (and another organization's) list does not have it, and revoking it is 404.
    expect(JSON.stringify((await v.get('/api/v1/connected-apps')).body)).not.toContain(grant.id);
    expect(JSON.stringify((await o.get('/api/v1/connected-apps')).body)).not.toContain(grant.id);
    expect((await v.request('DELETE', `/api/v1/connected-apps/${grant.id}`)).status).toBe(404);
    expect((await o.request('DELETE', `/api/v1/connected-apps/${grant.id}`)).status).toBe(404);
    expect((await mcpWhoami(t.mcpUrl, access)).status).toBe(200);
    // An admin of the organization sees it, with whose it is.
    const orgWide = await a.get<{ grants: { id: string; email: string }[]; wholeOrg: boolean }>(
      '/api/v1/connected-apps',
    );
    expect(orgWide.body.wholeOrg).toBe(true);
    expect(orgWide.body.grants.find((g) => g.id === grant.id)?.email).toBe(editor.email);

    expect(
      (await e.request('DELETE', `/api/v1/connected-apps/${grant.id}`, undefined, { csrf: false })).status,
    ).toBe(403);
    expect((await e.request('DELETE', `/api/v1/connected-apps/${grant.id}`)).status).toBe(204);
    expect((await mcpWhoami(t.mcpUrl, access)).status).toBe(401);
    expect(
      (
        await tokenRequest(t.url, {
          grant_type: 'refresh_token',
          refresh_token: String(tokens.body.refresh_token),
          client_id: clientId,
        })
      ).body.error,
    ).toBe('invalid_grant');
    expect((await e.get<{ grants: unknown[] }>('/api/v1/connected-apps')).body.grants).toEqual([]);
  });
}

describe('Developers JSON API on SQLite', () => developersApiSuite('sqlite'));
describeWithPostgres('Developers JSON API on PostgreSQL', () => developersApiSuite('postgres'));
