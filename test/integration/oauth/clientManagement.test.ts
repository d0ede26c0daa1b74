import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startTestServer, type StoreKind, type TestServer, type TestUser } from '../../support/testServer.ts';
import { describeWithPostgres } from '../../support/postgres.ts';
import {
  authorizeUrl,
  basicAuth,
  CookieJar,
  driveAuthorization,
  get,
  mcpWhoami,
  pkcePair,
  postForm,
  tokenRequest,
} from '../../support/oauthHttp.ts';
import { signInAndGetTokens } from '../../support/oauthFixtures.ts';

const run = promisify(execFile);

async function register(t: TestServer, body: Record<string, unknown>) {
  const response = await fetch(`${t.url}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json().catch(() => ({}))) as Record<string, unknown>,
  };
}

/** Signs into the workspace; returns the jar (a browser with a workspace session). */
async function workspaceSignIn(t: TestServer, user: TestUser): Promise<CookieJar> {
  const jar = new CookieJar();
  const page = await (await get(`${t.url}/signin`, jar)).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
  const response = await postForm(`${t.url}/signin`, jar, {
    _csrf: csrf,
    email: user.email,
    password: user.password,
    next: '/app/',
  });
  expect(response.status).toBe(303);
  return jar;
}

/** A call to the workspace JSON API as the SPA makes it: the jar's session, its CSRF token on writes. */
async function api<T = Record<string, unknown>>(
  t: TestServer,
  jar: CookieJar,
  method: string,
  path: string,
  body?: unknown,
  options: { csrf?: boolean } = {},
) {
  const headers: Record<string, string> = { cookie: jar.header(), accept: 'application/json' };
  if (method !== 'GET' && options.csrf !== false) {
    const session = (await (
      await fetch(`${t.url}/api/v1/session`, { headers: { cookie: jar.header() } })
    ).json()) as { csrfToken: string };
    headers['x-csrf-token'] = session.csrfToken;
  }
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(t.url + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
}

/** D4 on a given store: the sweep removes old self-registered clients nothing live refers to. */
async function expectUnusedSelfRegisteredClientsToExpire(kind: StoreKind): Promise<void> {
  const sweeping = await startTestServer(kind, { oauth: { sweepIntervalMs: 150 } });
  try {
    const user = await sweeping.addUser({ email: 'una@example.com', role: 'editor' });
    const registerAt = async (name: string) =>
      String(
        (await register(sweeping, { client_name: name, redirect_uris: ['http://127.0.0.1/cb'] })).body
          .client_id,
      );
    const abandoned = await registerAt('Abandoned');
    const used = await registerAt('Used');
    const recent = await registerAt('Recent');
    const tokens = await signInAndGetTokens(sweeping, user, {
      id: used,
      redirectUri: 'http://127.0.0.1:5000/cb',
    });
    // A day and an hour since the first two registered; the third registered just now.
    const dayAgo = Date.now() - 25 * 3_600_000;
    await sweeping.server.store.db
      .updateTable('oauth_clients')
      .set({ created_at: dayAgo, updated_at: dayAgo })
      .where('id', 'in', [abandoned, used])
      .execute();
    const remaining = async () =>
      (
        await sweeping.server.store.db
          .selectFrom('oauth_clients')
          .select('id')
          .where('kind', '=', 'dcr')
          .execute()
      )
        .map((r) => r.id)
        .sort();
    const deadline = Date.now() + 5_000;
    while ((await remaining()).includes(abandoned) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(await remaining()).toEqual([recent, used].sort());

    // The expired client is unknown now; the one with a live grant still works and refreshes.
    const page = await (
      await get(
        authorizeUrl(sweeping.url, {
          clientId: abandoned,
          redirectUri: 'http://127.0.0.1:5000/cb',
          codeChallenge: pkcePair().challenge,
          codeChallengeMethod: 'S256',
        }),
        new CookieJar(),
      )
    ).text();
    expect(page).toContain('Unknown application');
    expect((await mcpWhoami(sweeping.mcpUrl, tokens.access_token)).status).toBe(200);
    const refreshed = await tokenRequest(sweeping.url, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token!,
      client_id: used,
    });
    expect(refreshed.status).toBe(200);
    // Once its grant is gone (revoked, or expired and swept), an old client goes too.
    await sweeping.server.store.db.deleteFrom('oidc_payloads').where('client_id', '=', used).execute();
    const later = Date.now() + 5_000;
    while ((await remaining()).includes(used) && Date.now() < later)
      await new Promise((r) => setTimeout(r, 100));
    expect(await remaining()).toEqual([recent]);
    // A client that comes back simply registers again (same metadata, same id).
    expect(await registerAt('Abandoned')).toBe(abandoned);
  } finally {
    await sweeping.stop();
  }
}

// SECURITY-TESTS group D, the OAuth clients and Connected apps JSON API behind the workspace, and the CLI.
describe('client management and dynamic registration (SECURITY-TESTS D)', () => {
  let t: TestServer;
  let admin: TestUser;
  let viewer: TestUser;

  beforeAll(async () => {
    t = await startTestServer('sqlite', { env: { MERIDIAN_OAUTH_REGISTRATIONS_PER_HOUR: '100' } });
    admin = await t.addUser({ email: 'boss@example.com', role: 'admin' });
    viewer = await t.addUser({ email: 'vic@example.com', role: 'viewer' });
  });
  afterAll(async () => t?.stop());

  it('D1: unsafe or missing redirect_uris are invalid_redirect_uri', async () => {
    const cases: unknown[] = [
      ['javascript:alert(1)'],
      ['data:text/html,x'],
      ['file:///etc/passwd'],
      ['http://evil.example/cb'],
      ['https://user@evil.example/cb'],
      ['https://app.example/cb#frag'],
      ['https://*.example/cb'],
      Array.from({ length: 6 }, (_, i) => `https://app.example/cb${i}`),
      [`https://app.example/${'a'.repeat(2100)}`],
      [],
    ];
    for (const redirect_uris of cases) {
      const r = await register(t, { client_name: 'x', redirect_uris });
      expect(r.status, JSON.stringify(redirect_uris).slice(0, 80)).toBe(400);
      expect(r.body.error).toBe('invalid_redirect_uri');
    }
    expect((await register(t, { client_name: 'x' })).body.error).toMatch(
      /invalid_redirect_uri|invalid_client_metadata/,
    );
  });

  it('D2: client-chosen ids or secrets, password/implicit grants, secret auth methods and software statements are refused', async () => {
    const base = { client_name: 'x', redirect_uris: ['https://app.example/cb'] };
    expect((await register(t, { ...base, client_id: 'mine' })).body.error).toBe('invalid_client_metadata');
    expect((await register(t, { ...base, client_secret: 'mine' })).body.error).toBe(
      'invalid_client_metadata',
    );
    expect((await register(t, { ...base, grant_types: ['password'] })).body.error).toBe(
      'invalid_client_metadata',
    );
    expect((await register(t, { ...base, grant_types: ['implicit'] })).body.error).toBe(
      'invalid_client_metadata',
    );
    expect(
      (await register(t, { ...base, token_endpoint_auth_method: 'client_secret_post' })).body.error,
    ).toBe('invalid_client_metadata');
    expect((await register(t, { ...base, software_statement: 'eyJhbGciOiJub25lIn0.e30.' })).body.error).toBe(
      'invalid_software_statement',
    );
    const ok = await register(t, base);
    expect(ok.status).toBe(201);
    expect(String(ok.body.client_id)).toMatch(/^dcr_/);
    expect(ok.body.token_endpoint_auth_method).toBe('none');
    expect(ok.body.client_secret).toBeUndefined();
    // B7: a public client presenting a secret is refused as a client authentication failure.
    const withSecret = await tokenRequest(t.url, {
      grant_type: 'refresh_token',
      refresh_token: 'x',
      client_id: String(ok.body.client_id),
      client_secret: 'guess',
    });
    expect(withSecret.status).toBe(401);
    expect(withSecret.body.error).toBe('invalid_client');
  });

  it('J1: the token endpoint is rate-limited per address (429 with Retry-After)', async () => {
    const limited = await startTestServer('sqlite', { env: { MERIDIAN_OAUTH_TOKEN_RATE_LIMIT: '5' } });
    try {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 7; i++) {
        const r = await tokenRequest(limited.url, {
          grant_type: 'refresh_token',
          refresh_token: 'x',
          client_id: 'mcl_x',
          client_secret: 'bad',
        });
        statuses.push(r.status);
        retryAfter ??= r.headers.get('retry-after');
      }
      expect(statuses.slice(0, 5).every((s) => s === 401)).toBe(true);
      expect(statuses.slice(5)).toEqual([429, 429]);
      expect(retryAfter).toBeTruthy();
    } finally {
      await limited.stop();
    }
  });

  it('D3: with registration switched off there is no registration_endpoint and POST /oauth/register is 404', async () => {
    const off = await startTestServer('sqlite', { env: { MERIDIAN_OAUTH_DCR: 'off' } });
    try {
      const metadata = (await (
        await fetch(`${off.url}/.well-known/oauth-authorization-server`)
      ).json()) as Record<string, unknown>;
      expect(metadata.registration_endpoint).toBeUndefined();
      expect(metadata.client_id_metadata_document_supported).toBe(true);
      expect((await register(off, { redirect_uris: ['https://app.example/cb'] })).status).toBe(404);
    } finally {
      await off.stop();
    }
  });

  it('D4: registrations are rate-limited per address, whatever X-Forwarded-For says', async () => {
    const limited = await startTestServer('sqlite', { env: { MERIDIAN_OAUTH_REGISTRATIONS_PER_HOUR: '3' } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const response = await fetch(`${limited.url}/oauth/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.0.0.${i}` },
          body: JSON.stringify({ client_name: `c${i}`, redirect_uris: ['https://app.example/cb'] }),
        });
        statuses.push(response.status);
      }
      expect(statuses.slice(0, 3)).toEqual([201, 201, 201]);
      expect(statuses.slice(3)).toEqual([429, 429]);
    } finally {
      await limited.stop();
    }
  });

  it('D4: self-registered clients nobody completed a sign-in with expire after MERIDIAN_OAUTH_DCR_UNUSED_TTL; those holding live tokens stay', () =>
    expectUnusedSelfRegisteredClientsToExpire('sqlite'));

  it('D6: non-admins get 403; an admin creates a client with a preset, sees the secret once, edits callbacks, rotates and deletes it', async () => {
    const viewerJar = await workspaceSignIn(t, viewer);
    expect((await api(t, viewerJar, 'GET', '/api/v1/oauth-clients')).status).toBe(403);
    expect(
      (await api(t, viewerJar, 'POST', '/api/v1/oauth-clients', { name: 'Jam', preset: 'mcp-jam' })).status,
    ).toBe(403);

    const jar = await workspaceSignIn(t, admin);
    const created = await api<{ client: { id: string; redirectUris: string[] }; secret: string }>(
      t,
      jar,
      'POST',
      '/api/v1/oauth-clients',
      { name: 'Jam', preset: 'mcp-jam' },
    );
    expect(created.status).toBe(201);
    const clientId = created.body.client.id;
    const secret = created.body.secret;
    expect(created.body.client.redirectUris).toEqual([
      'http://127.0.0.1:6274/oauth/callback/debug',
      'http://127.0.0.1:6274/oauth/callback',
    ]);
    const again = JSON.stringify((await api(t, jar, 'GET', '/api/v1/oauth-clients')).body);
    expect(again).toContain(clientId);
    expect(again).not.toContain(secret);

    // A forged request without the CSRF token changes nothing.
    expect(
      (await api(t, jar, 'DELETE', `/api/v1/oauth-clients/${clientId}`, undefined, { csrf: false })).status,
    ).toBe(403);

    const edited = await api(t, jar, 'PATCH', `/api/v1/oauth-clients/${clientId}`, {
      callbacks: ['https://chatgpt.com/connector_platform_oauth_redirect', 'http://localhost:8000/callback'],
      origins: [],
    });
    expect(edited.status).toBe(200);
    expect(
      (
        await api(t, jar, 'PATCH', `/api/v1/oauth-clients/${clientId}`, {
          callbacks: ['javascript:alert(1)'],
        })
      ).status,
    ).toBe(422);

    const tokens = await signInAndGetTokens(t, admin, {
      id: clientId,
      secret,
      redirectUri: 'http://localhost:8000/callback',
    });
    const rotated = await api<{ secret: string }>(t, jar, 'POST', `/api/v1/oauth-clients/${clientId}/secret`);
    const newSecret = rotated.body.secret;
    expect(newSecret).not.toBe(secret);
    // The old secret works during its grace period, the new one at once.
    for (const s of [secret, newSecret]) {
      const r = await tokenRequest(
        t.url,
        { grant_type: 'refresh_token', refresh_token: 'nope' },
        { authorization: basicAuth(clientId, s) },
      );
      expect(r.body.error, s).toBe('invalid_grant');
    }
    expect(
      (
        await tokenRequest(
          t.url,
          { grant_type: 'refresh_token', refresh_token: 'nope' },
          { authorization: basicAuth(clientId, 'mcs_wrong') },
        )
      ).status,
    ).toBe(401);

    expect((await mcpWhoami(t.mcpUrl, tokens.access_token)).status).toBe(200);
    expect((await api(t, jar, 'DELETE', `/api/v1/oauth-clients/${clientId}`)).status).toBe(204);
    expect((await mcpWhoami(t.mcpUrl, tokens.access_token)).status).toBe(401);
    expect(
      (
        await tokenRequest(
          t.url,
          { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! },
          { authorization: basicAuth(clientId, newSecret) },
        )
      ).body.error,
    ).toBe('invalid_client');
    const page = await (
      await get(
        `${t.url}/oauth/authorize?client_id=${clientId}&response_type=code&redirect_uri=x`,
        new CookieJar(),
      )
    ).text();
    expect(page).toContain('No OAuth client with the ID');
  });

  it('a disabled client gets a page saying so; self-registered clients appear as such and organizations can refuse them', async () => {
    const jar = await workspaceSignIn(t, admin);
    const created = await api<{ client: { id: string } }>(t, jar, 'POST', '/api/v1/oauth-clients', {
      name: 'Inspector',
      preset: 'mcp-inspector',
    });
    const clientId = created.body.client.id;
    expect((await api(t, jar, 'PATCH', `/api/v1/oauth-clients/${clientId}`, { disabled: true })).status).toBe(
      200,
    );
    const disabledPage = await (
      await get(
        authorizeUrl(t.url, {
          clientId,
          redirectUri: 'http://localhost:8000/callback',
          codeChallenge: pkcePair().challenge,
          codeChallengeMethod: 'S256',
        }),
        new CookieJar(),
      )
    ).text();
    expect(disabledPage).toContain('This application is disabled');

    const dcr = await register(t, { client_name: 'Self Reg', redirect_uris: ['http://127.0.0.1/cb'] });
    const dcrId = String(dcr.body.client_id);
    const flow = (decision: 'allow' | 'deny' = 'allow') =>
      driveAuthorization(
        t.url,
        authorizeUrl(t.url, {
          clientId: dcrId,
          redirectUri: 'http://127.0.0.1:5000/cb',
          codeChallenge: pkcePair().challenge,
          codeChallengeMethod: 'S256',
        }),
        {
          email: admin.email,
          password: admin.password,
          jar,
          decision,
          headers: { 'sec-fetch-site': 'cross-site' },
        },
      );
    expect((await flow()).location?.searchParams.get('code')).toBeTruthy();
    const listed = await api<{ clients: { id: string; name: string; kind: string }[] }>(
      t,
      jar,
      'GET',
      '/api/v1/oauth-clients',
    );
    expect(listed.body.clients.find((c) => c.id === dcrId)).toMatchObject({ name: 'Self Reg', kind: 'dcr' });

    // Switch dynamic registration off for the organization: the next authorization is refused.
    expect(
      (await api(t, jar, 'PUT', '/api/v1/oauth-policy', { dcrEnabled: false, cimdMode: 'any' })).status,
    ).toBe(200);
    let refusal = '';
    const refused = await driveAuthorization(
      t.url,
      authorizeUrl(t.url, {
        clientId: dcrId,
        redirectUri: 'http://127.0.0.1:5000/cb',
        codeChallenge: pkcePair().challenge,
        codeChallengeMethod: 'S256',
      }),
      {
        email: admin.email,
        password: admin.password,
        jar,
        onConsent: (page) => (refusal = page),
        decision: 'deny',
        headers: { 'sec-fetch-site': 'cross-site' },
      },
    );
    expect(refusal).toContain('does not allow self-registered applications');
    expect(refused.location?.searchParams.get('error')).toBe('access_denied');
    await api(t, jar, 'PUT', '/api/v1/oauth-policy', { dcrEnabled: true, cimdMode: 'any' });
  });

  it('Connected apps lists the user\u2019s grants and Revoke ends access on the next request; another user cannot revoke them', async () => {
    const alice = await t.addUser({ email: 'alice@example.com', role: 'editor' });
    const dcr = await register(t, { client_name: 'Agent X', redirect_uris: ['http://127.0.0.1/cb'] });
    const { verifier, challenge } = pkcePair();
    const result = await driveAuthorization(
      t.url,
      authorizeUrl(t.url, {
        clientId: String(dcr.body.client_id),
        redirectUri: 'http://127.0.0.1:7000/cb',
        codeChallenge: challenge,
        codeChallengeMethod: 'S256',
      }),
      {
        email: alice.email,
        password: alice.password,
      },
    );
    const tokens = await tokenRequest(t.url, {
      grant_type: 'authorization_code',
      code: result.location!.searchParams.get('code')!,
      code_verifier: verifier,
      redirect_uri: 'http://127.0.0.1:7000/cb',
      client_id: String(dcr.body.client_id),
    });
    const access = String(tokens.body.access_token);
    expect((await mcpWhoami(t.mcpUrl, access)).status).toBe(200);

    const jar = await workspaceSignIn(t, alice);
    const mine = await api<{ grants: { id: string; clientName: string }[] }>(
      t,
      jar,
      'GET',
      '/api/v1/connected-apps',
    );
    const grantId = mine.body.grants.find((g) => g.clientName === 'Agent X')!.id;

    const viewerJar = await workspaceSignIn(t, viewer);
    expect(JSON.stringify((await api(t, viewerJar, 'GET', '/api/v1/connected-apps')).body)).not.toContain(
      'Agent X',
    );
    expect((await api(t, viewerJar, 'DELETE', `/api/v1/connected-apps/${grantId}`)).status).toBe(404);
    expect((await mcpWhoami(t.mcpUrl, access)).status).toBe(200);

    expect((await api(t, jar, 'DELETE', `/api/v1/connected-apps/${grantId}`)).status).toBe(204);
    expect((await mcpWhoami(t.mcpUrl, access)).status).toBe(401);
    expect(
      (
        await tokenRequest(t.url, {
          grant_type: 'refresh_token',
          refresh_token: String(tokens.body.refresh_token),
          client_id: String(dcr.body.client_id),
        })
      ).body.error,
    ).toBe('invalid_grant');
  });

  it('CLI: meridian client create prints an ID and a secret that complete the flow', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/main.ts',
        'client',
        'create',
        '--name',
        'ChatGPT',
        '--callback',
        'https://chatgpt.com/connector_platform_oauth_redirect',
      ],
      {
        env: {
          ...process.env,
          MERIDIAN_DATA_DIR: t.dataDir,
          PORT: String(new URL(t.url).port),
          MERIDIAN_LOG_LEVEL: 'silent',
        },
      },
    );
    const id = /client_id=(\S+)/.exec(stdout)![1]!;
    const secret = /client_secret=(\S+)/.exec(stdout)![1]!;
    const tokens = await signInAndGetTokens(t, admin, {
      id,
      secret,
      redirectUri: 'https://chatgpt.com/connector_platform_oauth_redirect',
    });
    expect((await mcpWhoami(t.mcpUrl, tokens.access_token)).status).toBe(200);
  });
});

describeWithPostgres('dynamic registration on PostgreSQL (SECURITY-TESTS D4)', () => {
  it('self-registered clients nobody completed a sign-in with expire; those holding live tokens stay', () =>
    expectUnusedSelfRegisteredClientsToExpire('postgres'));
});
