import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../../support/testServer.ts';
import {
  authorizeUrl,
  CookieJar,
  driveAuthorization,
  get,
  pkcePair,
  postForm,
} from '../../support/oauthHttp.ts';
import { CALLBACK, preregisteredClient } from '../../support/oauthFixtures.ts';

// SECURITY-TESTS group A: the authorization endpoint and the consent page.
describe('authorization endpoint (SECURITY-TESTS A)', () => {
  let t: TestServer;
  let admin: TestUser;
  let alice: TestUser;
  let client: { id: string; secret: string };
  let publicClientId: string;
  const { challenge } = pkcePair();

  const request = (overrides: Partial<Parameters<typeof authorizeUrl>[1]> = {}) =>
    authorizeUrl(t.url, {
      clientId: client.id,
      redirectUri: CALLBACK,
      state: 'xyz',
      codeChallenge: challenge,
      codeChallengeMethod: 'S256',
      ...overrides,
    });

  /** A redirect to the client's callback, with its query parameters. */
  async function redirectParams(url: string): Promise<URLSearchParams> {
    const response = await get(url, new CookieJar());
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(CALLBACK);
    // Error responses for implicit-style response types come in the fragment.
    return location.hash ? new URLSearchParams(location.hash.slice(1)) : location.searchParams;
  }

  /** An error page: 400, HTML, and no redirect anywhere. */
  async function errorPage(url: string): Promise<string> {
    const response = await get(url, new CookieJar());
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    return response.text();
  }

  beforeAll(async () => {
    t = await startTestServer('sqlite');
    admin = await t.addUser({ email: 'boss@example.com', role: 'admin' });
    alice = await t.addUser({ email: 'alice@example.com', role: 'editor' });
    client = await preregisteredClient(t, admin);
    const registered = await fetch(`${t.url}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'CLI <b>agent</b>',
        redirect_uris: ['http://127.0.0.1/cb'],
        grant_types: ['authorization_code', 'refresh_token'],
      }),
    });
    publicClientId = ((await registered.json()) as { client_id: string }).client_id;
  });
  afterAll(async () => t?.stop());

  it('A1: an unknown or malformed client_id gets an error page naming the problem, never a redirect', async () => {
    expect(await errorPage(request({ clientId: 'mcl_doesnotexist' }))).toContain(
      'No OAuth client with the ID',
    );
    expect(await errorPage(request({ clientId: 'bad id\u0000' }))).toContain('Unknown application');
  });

  it('A2: callback variants that are not an exact registered match get a page listing the registered callbacks', async () => {
    const variants = [
      `${CALLBACK}/`,
      CALLBACK.replace('/callback', '/Callback'),
      `${CALLBACK}?extra=1`,
      CALLBACK.replace('platform.example', 'platform.example:8443'),
      CALLBACK.replace('platform.example', 'platform.example.evil'),
      CALLBACK.replace('https://', 'https://platform.example@evil.example'),
      `${CALLBACK}/../x`,
      CALLBACK.replace('callback', '%2e%2e/callback'),
      `${CALLBACK}#frag`,
      'JavaScript:alert(1)',
      ' data:text/html,x',
      CALLBACK.replace('https:', 'http:'),
    ];
    for (const redirectUri of variants) {
      const html = await errorPage(request({ redirectUri }));
      expect(html, redirectUri).toContain('Callback URL not registered');
      expect(html).toContain(CALLBACK);
      expect(html).toContain('Test Platform');
    }
  });

  it('A2: a loopback callback matches on any port for a public client; localhost is not 127.0.0.1', async () => {
    const ok = await get(
      request({ clientId: publicClientId, redirectUri: 'http://127.0.0.1:51234/cb' }),
      new CookieJar(),
    );
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toMatch(/^\/oauth\/interaction\//);
    expect(
      await errorPage(request({ clientId: publicClientId, redirectUri: 'http://localhost:51234/cb' })),
    ).toContain('Callback URL not registered');
    expect(
      await errorPage(request({ clientId: publicClientId, redirectUri: 'http://127.0.0.1:51234/cb/other' })),
    ).toContain('Callback URL not registered');
  });

  it('A3: an omitted redirect_uri is an error page even with one registered callback', async () => {
    await errorPage(request({ redirectUri: undefined }));
  });

  it('A4: no code_challenge, from a confidential client too, is invalid_request with state and iss, and no code', async () => {
    const params = await redirectParams(
      request({ codeChallenge: undefined, codeChallengeMethod: undefined }),
    );
    expect(params.get('error')).toBe('invalid_request');
    expect(params.get('state')).toBe('xyz');
    expect(params.get('iss')).toBe(t.url);
    expect(params.has('code')).toBe(false);
  });

  it('A5: code_challenge_method plain, or a challenge without a method, is invalid_request', async () => {
    expect((await redirectParams(request({ codeChallengeMethod: 'plain' }))).get('error')).toBe(
      'invalid_request',
    );
    expect((await redirectParams(request({ codeChallengeMethod: undefined }))).get('error')).toBe(
      'invalid_request',
    );
  });

  it('A6: a challenge of 42 or 129 characters, or outside base64url, is invalid_request', async () => {
    for (const bad of ['a'.repeat(42), 'a'.repeat(129), `${'a'.repeat(42)}+`]) {
      expect((await redirectParams(request({ codeChallenge: bad }))).get('error'), bad).toBe(
        'invalid_request',
      );
    }
  });

  it('A7: response types other than code are unsupported_response_type; metadata lists only code', async () => {
    for (const responseType of ['token', 'id_token', 'code token', 'code id_token', 'none']) {
      const params = await redirectParams(request({ responseType }));
      expect(params.get('error'), responseType).toBe('unsupported_response_type');
    }
    const metadata = (await (
      await fetch(`${t.url}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    expect(metadata.response_types_supported).toEqual(['code']);
  });

  it('A8: a duplicated state is invalid_request; a duplicated client_id or redirect_uri is never redirected to', async () => {
    expect((await redirectParams(request({ extra: [['state', 'other']] }))).get('error')).toBe(
      'invalid_request',
    );
    await errorPage(request({ extra: [['client_id', client.id]] }));
    await errorPage(request({ extra: [['redirect_uri', CALLBACK]] }));
  });

  it('A9: a resource other than our MCP URL is invalid_target', async () => {
    for (const resource of ['https://other.example/mcp', '/mcp', `${t.mcpUrl}#frag`, `${t.url}/mcp2`]) {
      expect((await redirectParams(request({ resource }))).get('error'), resource).toBe('invalid_target');
    }
  });

  it('A11 + A12: Deny returns access_denied with the state byte-equal and iss; Allow returns exactly one code, state and iss', async () => {
    const state = 'a b+c/%=' + 'é';
    const denied = await driveAuthorization(t.url, request({ state }), {
      email: alice.email,
      password: alice.password,
      decision: 'deny',
    });
    expect(denied.location!.searchParams.get('error')).toBe('access_denied');
    expect(denied.location!.searchParams.getAll('state')).toEqual([state]);
    expect(denied.location!.searchParams.get('iss')).toBe(t.url);
    expect(denied.location!.searchParams.has('code')).toBe(false);

    const allowed = await driveAuthorization(t.url, request({ state }), {
      email: alice.email,
      password: alice.password,
    });
    const p = allowed.location!.searchParams;
    expect(p.getAll('code')).toHaveLength(1);
    expect(p.getAll('state')).toEqual([state]);
    expect(p.getAll('iss')).toEqual([t.url]);
    expect(p.has('code_challenge')).toBe(false);
    expect(p.has('error')).toBe(false);
  });

  it('A13: the consent page cannot be framed or cached, approves only by POST with the interaction CSRF token, and redirects with 303', async () => {
    const jar = new CookieJar();
    let response = await get(request(), jar);
    expect(response.status).toBe(303);
    response = await get(new URL(response.headers.get('location')!, t.url).href, jar);
    const signIn = await response.text();
    const loginAction = /action="(\/oauth\/interaction\/[^"]+\/login)"/.exec(signIn)![1]!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(signIn)![1]!;
    const beforeCookie = jar.header();

    // No CSRF token, or a cross-site Origin: refused.
    expect(
      (await postForm(`${t.url}${loginAction}`, jar, { email: alice.email, password: alice.password }))
        .status,
    ).toBe(403);
    expect(
      (
        await postForm(
          `${t.url}${loginAction}`,
          jar,
          { _csrf: csrf, email: alice.email, password: alice.password },
          { origin: 'https://evil.example' },
        )
      ).status,
    ).toBe(403);

    const login = await postForm(`${t.url}${loginAction}`, jar, {
      _csrf: csrf,
      email: alice.email,
      password: alice.password,
    });
    expect(login.status).toBe(303);
    expect(jar.header()).not.toBe(beforeCookie); // a new session cookie on sign-in (no fixation)
    const consentUrl = new URL(
      (await get(new URL(login.headers.get('location')!, t.url).href, jar)).headers.get('location')!,
      t.url,
    ).href;
    const consent = await get(consentUrl, jar);
    expect(consent.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(consent.headers.get('x-frame-options')).toBe('DENY');
    expect(consent.headers.get('referrer-policy')).toBe('no-referrer');
    expect(consent.headers.get('cache-control')).toBe('no-store');
    const consentHtml = await consent.text();
    const confirmAction = /action="(\/oauth\/interaction\/[^"]+\/confirm)"/.exec(consentHtml)![1]!;
    const consentCsrf = /name="_csrf" value="([^"]+)"/.exec(consentHtml)![1]!;

    // Approving by GET does nothing (no such route); without the token: 403.
    expect((await get(`${t.url}${confirmAction}?decision=allow`, jar)).status).toBe(404);
    expect((await postForm(`${t.url}${confirmAction}`, jar, { decision: 'allow' })).status).toBe(403);
    const approved = await postForm(`${t.url}${confirmAction}`, jar, {
      _csrf: consentCsrf,
      decision: 'allow',
    });
    expect(approved.status).toBe(303);
    // Replaying the approval: the interaction is finished; nothing is issued twice.
    const replay = await postForm(`${t.url}${confirmAction}`, jar, { _csrf: consentCsrf, decision: 'allow' });
    expect([303, 400]).toContain(replay.status);
    if (replay.status === 303) expect(replay.headers.get('location')).not.toContain('code=');
  });

  it('A14: a remembered consent is silent for a pre-registered client, but not on a cross-site navigation for a self-registered one', async () => {
    const jar = new CookieJar();
    const first = await driveAuthorization(t.url, request({ scope: 'workflows:read' }), {
      email: alice.email,
      password: alice.password,
      jar,
    });
    expect(first.consentShown).toBe(1);
    const again = await driveAuthorization(t.url, request({ scope: 'workflows:read' }), {
      email: alice.email,
      password: alice.password,
      jar,
    });
    expect(again.consentShown).toBe(0);
    expect(again.location!.searchParams.get('code')).toBeTruthy();
    // Asking for more than was granted shows the page again.
    const wider = await driveAuthorization(
      t.url,
      request({ scope: 'workflows:read workflows:run connections:read maps:read' }),
      {
        email: alice.email,
        password: alice.password,
        jar,
      },
    );
    expect(wider.consentShown).toBe(1);

    const dcr = (jarFor: CookieJar, headers?: Record<string, string>) =>
      driveAuthorization(
        t.url,
        request({ clientId: publicClientId, redirectUri: 'http://127.0.0.1:40000/cb' }),
        {
          email: alice.email,
          password: alice.password,
          jar: jarFor,
          headers,
        },
      );
    const jar2 = new CookieJar();
    expect((await dcr(jar2)).consentShown).toBe(1);
    expect((await dcr(jar2)).consentShown).toBe(0);
    expect((await dcr(jar2, { 'sec-fetch-site': 'cross-site' })).consentShown).toBe(1);
  });

  it('D5: the consent page escapes a hostile client name and labels self-registered clients as unverified, with a localhost warning', async () => {
    let seen = '';
    await driveAuthorization(
      t.url,
      request({ clientId: publicClientId, redirectUri: 'http://127.0.0.1:40001/cb' }),
      {
        email: alice.email,
        password: alice.password,
        onConsent: (html) => (seen = html),
        decision: 'deny',
        headers: { 'sec-fetch-site': 'cross-site' },
      },
    );
    expect(seen).toContain('CLI &lt;b&gt;agent&lt;/b&gt;');
    expect(seen).not.toContain('<b>agent</b>');
    expect(seen).toContain('Unverified app');
    expect(seen).toContain('only returns to addresses on your own computer');
    expect(seen).toContain('127.0.0.1:40001');
  });

  it('open redirects on sign-in: next=//evil and absolute URLs stay on Meridian', async () => {
    for (const next of ['//evil.example', 'https://evil.example', '/\\evil.example']) {
      const page = await (await fetch(`${t.url}/signin?next=${encodeURIComponent(next)}`)).text();
      expect(page).not.toContain('evil.example');
    }
  });
});
