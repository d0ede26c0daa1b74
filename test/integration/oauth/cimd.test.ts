import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LookupAddress } from 'node:dns';
import { startTestServer, type TestServer, type TestUser } from '../../support/testServer.ts';
import { startCimdServer, type CimdServer } from '../../support/cimdServer.ts';
import {
  authorizeUrl,
  CookieJar,
  driveAuthorization,
  get,
  pkcePair,
  tokenRequest,
} from '../../support/oauthHttp.ts';
import { createCimdFetch } from '../../../src/auth/cimd/createCimdFetch.ts';
import { readFileSync } from 'node:fs';

const CALLBACK = 'https://agent.example/callback';

// SECURITY-TESTS group C: fetching client ID metadata documents. A stub resolver maps test
// host names to addresses; the https test server counts every TCP connection (the canary).
describe('client ID metadata documents (SECURITY-TESTS C)', () => {
  let t: TestServer;
  let cimd: CimdServer;
  let alice: TestUser;
  let rebindCalls = 0;
  const answers: Record<string, string[]> = {
    'internal.test': ['127.0.0.1'],
    'mapped.test': ['::ffff:127.0.0.1'],
    'nat64.test': ['64:ff9b::7f00:1'],
    'metadata.test': ['169.254.169.254'],
    'private.test': ['10.1.2.3'],
    'cgnat.test': ['100.64.0.1'],
    'mixed.test': ['8.8.8.8', '127.0.0.1'],
  };
  const resolve = async (hostname: string): Promise<LookupAddress[]> => {
    if (hostname === 'localhost') return [{ address: '127.0.0.1', family: 4 }];
    if (hostname === 'rebind.test') {
      rebindCalls++;
      // First answer public, every later one loopback (TTL 0): the fetch must use the first.
      return [{ address: rebindCalls === 1 ? '192.0.0.170' : '127.0.0.1', family: 4 }];
    }
    const list = answers[hostname];
    if (!list) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

  const doc = (path: string, extra: Record<string, unknown> = {}) => ({
    client_id: `${cimd.origin}${path}`,
    client_name: 'Agent',
    redirect_uris: [CALLBACK],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    ...extra,
  });

  async function authorize(clientId: string, redirectUri = CALLBACK) {
    const response = await get(
      authorizeUrl(t.url, {
        clientId,
        redirectUri,
        codeChallenge: pkcePair().challenge,
        codeChallengeMethod: 'S256',
        state: 's',
      }),
      new CookieJar(),
    );
    return {
      status: response.status,
      location: response.headers.get('location'),
      html: await response.text(),
    };
  }

  /** Refused with a page (no redirect), and how many connections the canary saw meanwhile. */
  async function refused(clientId: string, redirectUri = CALLBACK) {
    const before = cimd.connections();
    const result = await authorize(clientId, redirectUri);
    expect(result.status, clientId).toBe(400);
    expect(result.location).toBeNull();
    if (process.env.DEBUG_PAGES)
      console.log(
        clientId,
        /<p class="error">([\s\S]*?)<\/p>/.exec(result.html)?.[1] ?? /<h1>(.*?)<\/h1>/.exec(result.html)?.[1],
      );
    return { html: result.html, connections: cimd.connections() - before };
  }

  beforeAll(async () => {
    cimd = await startCimdServer();
    t = await startTestServer('sqlite', {
      env: {
        MERIDIAN_CIMD_ALLOW_HOSTS: 'localhost',
        MERIDIAN_CIMD_CA_FILE: cimd.caFile,
        MERIDIAN_CIMD_TIMEOUT: '2s',
        MERIDIAN_CIMD_MAX_BYTES: '8192',
        MERIDIAN_CIMD_FETCHES_PER_MINUTE: '1000',
        MERIDIAN_CIMD_CACHE_MIN: '1s',
      },
      oauth: { cimdResolve: resolve },
    });
    alice = await t.addUser({ email: 'alice@example.com', role: 'editor' });
    cimd.json('/good', doc('/good'));
  });
  afterAll(async () => {
    await t?.stop();
    await cimd?.close();
  });

  it('a well-formed document signs in, and the consent page shows the document host', async () => {
    let consent = '';
    const result = await driveAuthorization(
      t.url,
      authorizeUrl(t.url, {
        clientId: `${cimd.origin}/good`,
        redirectUri: CALLBACK,
        codeChallenge: pkcePair().challenge,
        codeChallengeMethod: 'S256',
      }),
      {
        email: alice.email,
        password: alice.password,
        onConsent: (html) => (consent = html),
      },
    );
    expect(result.location?.searchParams.get('code')).toBeTruthy();
    expect(consent).toContain(`localhost:${cimd.port}`);
    expect(consent).toContain('agent.example');
  });

  it('C14: an organization that blocks the document host, or allows only listed hosts, refuses the client at consent', async () => {
    const { setCimdHostRule, setOAuthOrgPolicy } =
      await import('../../../src/store/repositories/oauthOrgPolicies.ts');
    const caller = { orgId: alice.orgId, userId: alice.userId, role: 'admin' as const };
    const attempt = async () => {
      let page = '';
      const result = await driveAuthorization(
        t.url,
        authorizeUrl(t.url, {
          clientId: `${cimd.origin}/good`,
          redirectUri: CALLBACK,
          codeChallenge: pkcePair().challenge,
          codeChallengeMethod: 'S256',
        }),
        {
          email: alice.email,
          password: alice.password,
          onConsent: (html) => (page = html),
          decision: 'allow',
          headers: { 'sec-fetch-site': 'cross-site' },
        },
      );
      return { page, result };
    };
    await setCimdHostRule(t.server.store.db, caller, 'localhost', 'block');
    const blocked = await attempt();
    expect(blocked.page).toContain('blocks applications from localhost');
    expect(blocked.result.location?.searchParams.get('error')).toBe('access_denied');
    await setCimdHostRule(t.server.store.db, caller, 'localhost', 'none');
    await setOAuthOrgPolicy(t.server.store.db, caller, { dcrEnabled: true, cimdMode: 'listed' });
    expect((await attempt()).page).toContain('allows only listed application hosts');
    await setCimdHostRule(t.server.store.db, caller, 'localhost', 'allow');
    expect((await attempt()).result.location?.searchParams.get('code')).toBeTruthy();
    await setOAuthOrgPolicy(t.server.store.db, caller, { dcrEnabled: true, cimdMode: 'any' });
  });

  it('C1: http, no path, fragment, userinfo, dot segments, whitespace, backslash and over-long URLs are refused without any connection', async () => {
    const base = cimd.origin;
    for (const id of [
      `http://localhost:${cimd.port}/good`,
      base,
      `${base}/`,
      `${base}/good#x`,
      base.replace('https://', 'https://user@') + '/good',
      `${base}/a/../good`,
      `${base}/%2e%2e/good`,
      `${base}/go od`,
      `${base}\\good`,
      `${base}/${'a'.repeat(2100)}`,
    ]) {
      const { html, connections } = await refused(id);
      expect(connections, id).toBe(0);
      expect(html).toMatch(/Unknown application|could not be used/);
    }
    expect((await refused(base)).html).toContain('must contain a path');
  });

  it('C2: hosts resolving to loopback, private, link-local, shared, IPv4-mapped or NAT64 addresses are refused; the canary sees 0 connections', async () => {
    for (const host of [
      'internal.test',
      'mapped.test',
      'nat64.test',
      'metadata.test',
      'private.test',
      'cgnat.test',
      'mixed.test',
    ]) {
      const { html, connections } = await refused(`https://${host}:${cimd.port}/good`);
      expect(connections, host).toBe(0);
      expect(html, host).toContain('non-public address');
    }
    for (const literal of ['127.0.0.1', '[::1]', '2130706433', '0x7f.0.0.1', '0177.0.0.1']) {
      const { connections } = await refused(`https://${literal}:${cimd.port}/good`);
      expect(connections, literal).toBe(0);
    }
  });

  it('C3: DNS rebinding: the connection goes to the vetted first answer, never to the later loopback one', async () => {
    const { connections } = await refused(`https://rebind.test:${cimd.port}/good`);
    expect(connections).toBe(0);
  });

  it('C4: redirects are not followed', async () => {
    cimd.json('/target', doc('/target'));
    cimd.route('/moved', (_req, res) => res.writeHead(302, { location: '/target' }).end());
    const { html } = await refused(`${cimd.origin}/moved`);
    expect(html).toContain('302');
    expect(cimd.hits('/target')).toBe(0);
  });

  it('C5: documents over the size cap are refused, by Content-Length and while streaming', async () => {
    cimd.route('/declared', (_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '999999' }).end(),
    );
    cimd.route('/chunked', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ...doc('/chunked'), padding: 'x'.repeat(10_000) }));
    });
    expect((await refused(`${cimd.origin}/declared`)).html).toContain('larger than 8192 bytes');
    expect((await refused(`${cimd.origin}/chunked`)).html).toContain('larger than 8192 bytes');
  });

  it('C6: a server that trickles its answer is cut off at the deadline, and others are unaffected', async () => {
    cimd.route('/slow', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const timer = setInterval(() => res.write(' '), 500);
      res.on('close', () => clearInterval(timer));
    });
    const started = Date.now();
    const [slow, fast] = await Promise.all([
      refused(`${cimd.origin}/slow`),
      authorize(`${cimd.origin}/good`),
    ]);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(slow.html).toContain('did not arrive within 2000 ms');
    expect(fast.status).toBe(303);
  });

  it('C7: 404, 500, HTML, a JSON array and invalid JSON are refused and not cached', async () => {
    cimd.route('/fail500', (_req, res) => res.writeHead(500).end('oops'));
    cimd.route('/html', (_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>'),
    );
    cimd.route('/array', (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('[]'));
    cimd.route('/broken', (_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"client_id":'),
    );
    await Promise.all(
      ['/missing', '/fail500', '/html', '/array', '/broken'].map(async (path) => {
        await refused(`${cimd.origin}${path}`);
        expect(cimd.hits(path), path).toBeLessThanOrEqual(2);
        const first = cimd.hits(path);
        await new Promise((r) => setTimeout(r, 1100));
        await refused(`${cimd.origin}${path}`);
        expect(cimd.hits(path), path).toBeGreaterThan(first);
      }),
    );
  });

  it('C8: a document whose client_id is not exactly its URL is refused', async () => {
    cimd.json('/mismatch', { ...doc('/mismatch'), client_id: `${cimd.origin}/mismatch/` });
    cimd.json('/port', {
      ...doc('/port'),
      client_id: `${cimd.origin.replace('localhost', 'LOCALHOST')}/port`,
    });
    expect((await refused(`${cimd.origin}/mismatch`)).html).toContain('client_id does not match');
    expect((await refused(`${cimd.origin}/port`)).html).toContain('client_id does not match');
  });

  it('C9: shared-secret auth methods, a client_secret, or a private key in the document are refused', async () => {
    cimd.json('/basic', doc('/basic', { token_endpoint_auth_method: 'client_secret_basic' }));
    cimd.json('/secret', doc('/secret', { client_secret: 'shh' }));
    cimd.json(
      '/privjwk',
      doc('/privjwk', {
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd' }] },
      }),
    );
    expect((await refused(`${cimd.origin}/basic`)).html).toContain('shared-secret');
    expect((await refused(`${cimd.origin}/secret`)).html).toContain('client_secret');
    await refused(`${cimd.origin}/privjwk`);
  });

  it('C10: a callback not in the document, javascript:/non-loopback http callbacks in it, or a non-https logo_uri are refused with a page', async () => {
    const notListed = await refused(`${cimd.origin}/good`, 'https://agent.example/other');
    expect(notListed.html).toContain('Callback URL not registered');
    expect(notListed.html).toContain(CALLBACK);
    cimd.json('/js', doc('/js', { redirect_uris: ['JavaScript:alert(1)'] }));
    cimd.json('/plainhttp', doc('/plainhttp', { redirect_uris: ['http://agent.example/cb'] }));
    cimd.json('/logo', doc('/logo', { logo_uri: 'http://agent.example/logo.png' }));
    expect((await refused(`${cimd.origin}/js`, 'JavaScript:alert(1)')).html).toContain('redirect_uris');
    expect((await refused(`${cimd.origin}/plainhttp`, 'http://agent.example/cb')).html).toContain('loopback');
    expect((await refused(`${cimd.origin}/logo`)).html).toContain('logo_uri');
  });

  it('C12: a document that changes its redirect_uris is enforced after the cache expires: the removed callback is refused, its code is void, and the new list needs fresh consent', async () => {
    const path = '/changing';
    const moved = 'https://agent.example/moved';
    let redirectUris = [CALLBACK];
    // max-age=0 is clamped to the configured floor (MERIDIAN_CIMD_CACHE_MIN, 1 s here).
    cimd.route(path, (_req, res) =>
      res
        .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=0' })
        .end(JSON.stringify(doc(path, { redirect_uris: redirectUris }))),
    );
    const clientId = `${cimd.origin}${path}`;
    const jar = new CookieJar();
    const signIn = (redirectUri: string, verifier = pkcePair()) =>
      driveAuthorization(
        t.url,
        authorizeUrl(t.url, {
          clientId,
          redirectUri,
          codeChallenge: verifier.challenge,
          codeChallengeMethod: 'S256',
        }),
        {
          email: alice.email,
          password: alice.password,
          jar,
        },
      );

    const first = await signIn(CALLBACK);
    expect(first.consentShown).toBe(1);
    expect(first.location?.searchParams.get('code')).toBeTruthy();
    // Same document, same callback: the remembered consent is used.
    const pkce = pkcePair();
    const remembered = await signIn(CALLBACK, pkce);
    expect(remembered.consentShown).toBe(0);
    const pendingCode = remembered.location!.searchParams.get('code')!;

    redirectUris = [moved];
    const fetchesBefore = cimd.hits(path);
    await new Promise((r) => setTimeout(r, 1_300));

    // The removed callback: an error page listing the new callbacks, never a redirect.
    const removed = await refused(clientId, CALLBACK);
    expect(removed.html).toContain('Callback URL not registered');
    expect(removed.html).toContain(moved);
    expect(cimd.hits(path)).toBeGreaterThan(fetchesBefore);
    // A code issued to the removed callback before the change cannot be redeemed.
    const exchange = await tokenRequest(t.url, {
      grant_type: 'authorization_code',
      code: pendingCode,
      redirect_uri: CALLBACK,
      code_verifier: pkce.verifier,
      client_id: clientId,
    });
    expect(exchange.status).toBe(400);
    expect(exchange.body).toMatchObject({
      error: 'invalid_grant',
      error_description: expect.stringMatching(/no longer registered/),
    });
    // The new callback works, but only after the user consents again.
    const again = await signIn(moved);
    expect(again.consentShown).toBe(1);
    expect(again.location?.origin + again.location!.pathname).toBe(moved);
    expect(again.location?.searchParams.get('code')).toBeTruthy();
  });

  it('C13: fifty concurrent requests for one document coalesce into one fetch', async () => {
    cimd.route('/popular', (_req, res) => {
      setTimeout(
        () =>
          res
            .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=60' })
            .end(JSON.stringify(doc('/popular'))),
        200,
      );
    });
    const results = await Promise.all(Array.from({ length: 50 }, () => authorize(`${cimd.origin}/popular`)));
    expect(results.every((r) => r.status === 303)).toBe(true);
    expect(cimd.hits('/popular')).toBe(1);
  });
});

describe('CIMD fetcher unit behaviour', () => {
  let cimd: CimdServer;
  beforeAll(async () => {
    cimd = await startCimdServer();
  });
  afterAll(async () => cimd?.close());

  it('serves the last good document while refetches fail, and stops after the stale window', async () => {
    let healthy = true;
    cimd.route('/flaky', (_req, res) => {
      if (healthy) res.writeHead(200, { 'content-type': 'application/json' }).end('{"client_id":"x"}');
      else res.writeHead(503).end();
    });
    const fetcher = createCimdFetch({
      allowHosts: ['localhost'],
      maxBytes: 4096,
      timeoutMs: 2000,
      staleTtlMs: 300,
      ca: readFileSync(cimd.caFile, 'utf8'),
    });
    expect((await fetcher(`${cimd.origin}/flaky`)).status).toBe(200);
    healthy = false;
    const stale = await fetcher(`${cimd.origin}/flaky`);
    expect(stale.status).toBe(200);
    expect(stale.headers.get('x-meridian-stale')).toBe('1');
    expect(await stale.text()).toBe('{"client_id":"x"}');
    await new Promise((r) => setTimeout(r, 400));
    expect((await fetcher(`${cimd.origin}/flaky`)).status).toBe(503);
  });

  it('refuses our own origin as a client_id and allow-lists exact hosts only', async () => {
    const { ClientIdMetadataPolicy } = await import('../../../src/auth/cimd/ClientIdMetadataPolicy.ts');
    const policy = new ClientIdMetadataPolicy({ ownOrigin: 'https://meridian.example' });
    expect(() => policy.allowFetch('https://meridian.example/client.json', '1.2.3.4')).toThrow(
      expect.objectContaining({
        error: 'invalid_client',
        error_description: expect.stringMatching(/hosted on this server/),
      }),
    );
    const fetcher = createCimdFetch({
      allowHosts: ['localhost.example'],
      maxBytes: 4096,
      timeoutMs: 2000,
      staleTtlMs: 0,
      resolve: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    await expect(fetcher('https://evil-localhost.example/doc')).rejects.toThrow(/non-public address/);
  });

  it('C13: one address may make us fetch only a bounded number of documents per minute', async () => {
    const { ClientIdMetadataPolicy } = await import('../../../src/auth/cimd/ClientIdMetadataPolicy.ts');
    const policy = new ClientIdMetadataPolicy({
      ownOrigin: 'https://meridian.example',
      fetchesPerMinutePerAddress: 3,
    });
    for (let i = 0; i < 3; i++) policy.allowFetch(`https://a.example/c${i}`, '9.9.9.9');
    expect(() => policy.allowFetch('https://a.example/c4', '9.9.9.9')).toThrow(
      expect.objectContaining({
        error: 'invalid_client',
        error_description: expect.stringMatching(/too many client metadata documents/),
      }),
    );
    expect(policy.allowFetch('https://a.example/c4', '9.9.9.8')).toBe(true);
  });

  it('classifies special-use addresses, including IPv4 spelled as IPv6', async () => {
    const { isSpecialUseAddress } = await import('../../../src/net/index.ts');
    for (const address of [
      '127.0.0.1',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.1.1',
      '0.0.0.0',
      '::1',
      '::',
      'fc00::1',
      'fd12::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '64:ff9b::7f00:1',
      '2001:db8::1',
      '224.0.0.1',
      '255.255.255.255',
      'not-an-ip',
    ]) {
      expect(isSpecialUseAddress(address), address).toBe(true);
    }
    for (const address of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      expect(isSpecialUseAddress(address), address).toBe(false);
    }
  });
});
