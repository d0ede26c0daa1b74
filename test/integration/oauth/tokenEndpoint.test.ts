import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, importJWK, generateKeyPair, decodeJwt } from 'jose';
import { startTestServer, type TestServer, type TestUser } from '../../support/testServer.ts';
import {
  authorizeUrl,
  basicAuth,
  CookieJar,
  driveAuthorization,
  mcpCallTool,
  mcpWhoami,
  pkcePair,
  tokenRequest,
} from '../../support/oauthHttp.ts';
import {
  browserFor,
  CALLBACK,
  preregisteredClient,
  signInAndGetTokens,
} from '../../support/oauthFixtures.ts';
import { loadSigningKeys } from '../../../src/auth/oauth/signingKeys.ts';
import { loadOrCreateServerKey } from '../../../src/auth/serverKey.ts';
import { disableUser } from '../../../src/store/repositories/users.ts';

// SECURITY-TESTS groups B (token endpoint) and E (bearer validation at /mcp).
describe('token endpoint and bearer validation (SECURITY-TESTS B, E)', () => {
  let t: TestServer;
  let admin: TestUser;
  let alice: TestUser;
  let client: { id: string; secret: string };
  let other: { id: string; secret: string };

  /** A fresh code for `client` (or another), with its verifier. */
  async function code(forClient = client, options: { jar?: CookieJar; scope?: string } = {}) {
    const { verifier, challenge } = pkcePair();
    const result = await driveAuthorization(
      t.url,
      authorizeUrl(t.url, {
        clientId: forClient.id,
        redirectUri: CALLBACK,
        codeChallenge: challenge,
        codeChallengeMethod: 'S256',
        scope: options.scope,
      }),
      { email: alice.email, password: alice.password, jar: options.jar ?? browserFor(t, alice) },
    );
    return { code: result.location!.searchParams.get('code')!, verifier };
  }

  const redeem = (c: { code: string; verifier?: string }, as = client, extra: Record<string, string> = {}) =>
    tokenRequest(
      t.url,
      {
        grant_type: 'authorization_code',
        code: c.code,
        redirect_uri: CALLBACK,
        ...(c.verifier !== undefined && { code_verifier: c.verifier }),
        ...extra,
      },
      { authorization: basicAuth(as.id, as.secret) },
    );

  beforeAll(async () => {
    t = await startTestServer('sqlite', { env: { MERIDIAN_OAUTH_CODE_TTL: '5s' } });
    admin = await t.addUser({ email: 'boss@example.com', role: 'admin' });
    alice = await t.addUser({ email: 'alice@example.com', role: 'editor' });
    client = await preregisteredClient(t, admin);
    other = await preregisteredClient(t, admin);
  });
  afterAll(async () => t?.stop());

  it('B1: a code redeemed twice is invalid_grant and the first redemption\u2019s tokens stop working', async () => {
    const c = await code();
    const first = await redeem(c);
    expect(first.status).toBe(200);
    expect((await mcpWhoami(t.mcpUrl, String(first.body.access_token))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1000));
    const second = await redeem(c);
    expect(second.status).toBe(400);
    expect(second.body.error).toBe('invalid_grant');
    expect((await mcpWhoami(t.mcpUrl, String(first.body.access_token))).status).toBe(401);
  });

  it('B2 + B3: a code redeemed by another client, or with another redirect_uri, is invalid_grant', async () => {
    expect((await redeem(await code(), other)).body.error).toBe('invalid_grant');
    expect((await redeem(await code(), client, { redirect_uri: `${CALLBACK}/x` })).body.error).toBe(
      'invalid_grant',
    );
  });

  it('B4: a wrong verifier consumes the code: the right one afterwards is invalid_grant too', async () => {
    const c = await code();
    const wrong = await redeem({ code: c.code, verifier: pkcePair().verifier });
    expect(wrong.body.error).toBe('invalid_grant');
    const right = await redeem(c);
    expect(right.status).toBe(400);
    expect(right.body.error).toBe('invalid_grant');
  });

  it('B5: a missing or malformed verifier never yields tokens', async () => {
    for (const verifier of [undefined, 'short', 'a'.repeat(129), `${'a'.repeat(43)}!`]) {
      const response = await redeem({ code: (await code()).code, verifier });
      expect(response.status, String(verifier)).toBe(400);
      expect(['invalid_grant', 'invalid_request']).toContain(response.body.error);
    }
  });

  it('B6: a code used after its lifetime is invalid_grant', async () => {
    const c = await code();
    await new Promise((r) => setTimeout(r, 5500));
    expect((await redeem(c)).body.error).toBe('invalid_grant');
  });

  it('B7: wrong, missing or another client\u2019s secret is 401 invalid_client; two methods at once is invalid_request', async () => {
    const c = await code();
    const wrong = await tokenRequest(
      t.url,
      { grant_type: 'authorization_code', code: c.code, code_verifier: c.verifier, redirect_uri: CALLBACK },
      { authorization: basicAuth(client.id, 'mcs_wrong') },
    );
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic/i);
    const theirs = await tokenRequest(
      t.url,
      { grant_type: 'authorization_code', code: c.code, code_verifier: c.verifier, redirect_uri: CALLBACK },
      { authorization: basicAuth(client.id, other.secret) },
    );
    expect(theirs.body.error).toBe('invalid_client');
    const missing = await tokenRequest(t.url, {
      grant_type: 'authorization_code',
      code: c.code,
      code_verifier: c.verifier,
      redirect_uri: CALLBACK,
      client_id: client.id,
    });
    expect(missing.status).toBe(401);
    expect(missing.body.error).toBe('invalid_client');
    const both = await tokenRequest(
      t.url,
      {
        grant_type: 'authorization_code',
        code: c.code,
        code_verifier: c.verifier,
        redirect_uri: CALLBACK,
        client_id: client.id,
        client_secret: client.secret,
      },
      { authorization: basicAuth(client.id, client.secret) },
    );
    expect(both.status).toBe(400);
    expect(both.body.error).toBe('invalid_request');
    // client_secret_post works too (the platform picks), and the secret is only ever compared as a hash.
    const c2 = await code();
    const post = await tokenRequest(t.url, {
      grant_type: 'authorization_code',
      code: c2.code,
      code_verifier: c2.verifier,
      redirect_uri: CALLBACK,
      client_id: client.id,
      client_secret: client.secret,
    });
    expect(post.status).toBe(200);
    const row = await t.server.store.db
      .selectFrom('oauth_clients')
      .select(['secret_hash', 'metadata'])
      .where('id', '=', client.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(client.secret);
  });

  it('B8: password, implicit, device_code and unknown grants are unsupported_grant_type; client_credentials is refused', async () => {
    for (const grant of ['password', 'implicit', 'urn:ietf:params:oauth:grant-type:device_code', 'magic']) {
      const response = await tokenRequest(
        t.url,
        { grant_type: grant, username: 'a', password: 'b' },
        { authorization: basicAuth(client.id, client.secret) },
      );
      expect(response.body.error, grant).toBe('unsupported_grant_type');
    }
    const cc = await tokenRequest(
      t.url,
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(client.id, client.secret) },
    );
    expect(['unsupported_grant_type', 'unauthorized_client']).toContain(cc.body.error);
  });

  it('B9: a JSON body or a GET is refused; responses are JSON and no-store', async () => {
    const json = await fetch(`${t.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basicAuth(client.id, client.secret) },
      body: JSON.stringify({ grant_type: 'authorization_code', code: 'x' }),
    });
    expect(json.status).toBe(400);
    expect(((await json.json()) as { error: string }).error).toBe('invalid_request');
    const getResponse = await fetch(`${t.url}/oauth/token`);
    expect([404, 405]).toContain(getResponse.status);
    const ok = await redeem(await code());
    expect(ok.headers.get('content-type')).toMatch(/application\/json/);
    expect(ok.headers.get('cache-control')).toContain('no-store');
  });

  it('B10 + B11: refresh cannot widen scope (narrower works), and another client cannot use the refresh token', async () => {
    const tokens = await signInAndGetTokens(
      t,
      alice,
      { id: client.id, secret: client.secret, redirectUri: CALLBACK },
      { scope: 'workflows:read connections:read' },
    );
    const wider = await tokenRequest(
      t.url,
      {
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token!,
        scope: 'workflows:read maps:read',
      },
      { authorization: basicAuth(client.id, client.secret) },
    );
    expect(wider.body.error).toBe('invalid_scope');
    const stolen = await tokenRequest(
      t.url,
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! },
      { authorization: basicAuth(other.id, other.secret) },
    );
    expect(stolen.body.error).toBe('invalid_grant');
    const narrower = await tokenRequest(
      t.url,
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, scope: 'workflows:read' },
      { authorization: basicAuth(client.id, client.secret) },
    );
    expect(narrower.status).toBe(200);
    expect(decodeJwt(String(narrower.body.access_token)).scope).toBe('workflows:read');
  });

  it('B12 / S2: reusing a rotated refresh token is invalid_grant and revokes the new one and every access token', async () => {
    const tokens = await signInAndGetTokens(t, alice, {
      id: client.id,
      secret: client.secret,
      redirectUri: CALLBACK,
    });
    const auth = { authorization: basicAuth(client.id, client.secret) };
    const rotated = await tokenRequest(
      t.url,
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! },
      auth,
    );
    expect(rotated.status).toBe(200);
    const reuse = await tokenRequest(
      t.url,
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! },
      auth,
    );
    expect(reuse.body.error).toBe('invalid_grant');
    expect(
      (
        await tokenRequest(
          t.url,
          { grant_type: 'refresh_token', refresh_token: String(rotated.body.refresh_token) },
          auth,
        )
      ).body.error,
    ).toBe('invalid_grant');
    expect((await mcpWhoami(t.mcpUrl, String(rotated.body.access_token))).status).toBe(401);
    expect((await mcpWhoami(t.mcpUrl, tokens.access_token)).status).toBe(401);
  });

  it('S3: two parallel refreshes with one token: exactly one succeeds, the other is invalid_grant and the grant is revoked', async () => {
    const tokens = await signInAndGetTokens(t, alice, {
      id: client.id,
      secret: client.secret,
      redirectUri: CALLBACK,
    });
    const auth = { authorization: basicAuth(client.id, client.secret) };
    const results = await Promise.all(
      [1, 2].map(() =>
        tokenRequest(t.url, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }, auth),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 400]);
    expect(results.find((r) => r.status === 400)!.body.error).toBe('invalid_grant');
    const winner = results.find((r) => r.status === 200)!;
    expect((await mcpWhoami(t.mcpUrl, String(winner.body.access_token))).status).toBe(401);
  });

  it('B13: refresh past the absolute lifetime (even with rotation), or after the user is disabled, is invalid_grant', async () => {
    const short = await startTestServer('sqlite', { env: { MERIDIAN_OAUTH_REFRESH_ABSOLUTE_TTL: '3s' } });
    try {
      const boss = await short.addUser({ email: 'boss@example.com', role: 'admin' });
      const c = await preregisteredClient(short, boss);
      const auth = { authorization: basicAuth(c.id, c.secret) };
      const tokens = await signInAndGetTokens(short, boss, {
        id: c.id,
        secret: c.secret,
        redirectUri: CALLBACK,
      });
      const issuedAt = Date.now();
      const rotated = await tokenRequest(
        short.url,
        { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! },
        auth,
      );
      expect(rotated.status).toBe(200);
      await new Promise((r) => setTimeout(r, Math.max(0, issuedAt + 3500 - Date.now())));
      expect(
        (
          await tokenRequest(
            short.url,
            { grant_type: 'refresh_token', refresh_token: String(rotated.body.refresh_token) },
            auth,
          )
        ).body.error,
      ).toBe('invalid_grant');
    } finally {
      await short.stop();
    }

    const bob = await t.addUser({ email: 'bob@example.com', role: 'viewer' });
    const bobs = await signInAndGetTokens(t, bob, {
      id: client.id,
      secret: client.secret,
      redirectUri: CALLBACK,
    });
    await disableUser(t.server.store.db, bob.userId);
    const auth = { authorization: basicAuth(client.id, client.secret) };
    expect(
      (await tokenRequest(t.url, { grant_type: 'refresh_token', refresh_token: bobs.refresh_token! }, auth))
        .body.error,
    ).toBe('invalid_grant');
    expect((await mcpWhoami(t.mcpUrl, bobs.access_token)).status).toBe(401);
  });

  it('B14: a resource at /token that was not granted is invalid_target; the granted one gives aud = that resource', async () => {
    const c = await code();
    const foreign = await redeem(c, client, { resource: 'https://other.example/mcp' });
    expect(foreign.body.error).toBe('invalid_target');
    const c2 = await code();
    const granted = await redeem(c2, client, { resource: t.mcpUrl });
    expect(granted.status).toBe(200);
    expect(decodeJwt(String(granted.body.access_token)).aud).toBe(t.mcpUrl);
  });

  describe('bearer validation at /mcp', () => {
    let signingJwk: NonNullable<Awaited<ReturnType<typeof loadSigningKeys>>[number]>;
    let good: string;
    const forge = async (claims: Record<string, unknown>, header: Record<string, unknown> = {}) => {
      const key = await importJWK(signingJwk, 'ES256');
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: signingJwk.kid, typ: 'at+jwt', ...header })
        .sign(key);
    };
    let goodClaims: Record<string, unknown>;

    beforeAll(async () => {
      signingJwk = (await loadSigningKeys(t.server.store.db, loadOrCreateServerKey(t.dataDir)))[0]!;
      good = (
        await signInAndGetTokens(t, alice, { id: client.id, secret: client.secret, redirectUri: CALLBACK })
      ).access_token;
      goodClaims = decodeJwt(good) as Record<string, unknown>;
    });

    it('E1: no Authorization header: 401 with the scopes to request, resource_metadata and no error code; PRM names our issuer', async () => {
      const response = await fetch(t.mcpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(response.status).toBe(401);
      const challenge = response.headers.get('www-authenticate')!;
      expect(challenge).toBe(
        `Bearer scope="workflows:read workflows:run connections:read maps:read", resource_metadata="${t.url}/.well-known/oauth-protected-resource/mcp"`,
      );
      const prm = (await (await fetch(`${t.url}/.well-known/oauth-protected-resource/mcp`)).json()) as Record<
        string,
        unknown
      >;
      expect(prm.resource).toBe(t.mcpUrl);
      expect(prm.authorization_servers).toEqual([t.url]);
    });

    it('E2: garbage, truncated and expired tokens are 401 invalid_token', async () => {
      const now = Math.floor(Date.now() / 1000);
      for (const token of [
        'garbage',
        good.slice(0, -5),
        await forge({ ...goodClaims, iat: now - 7200, exp: now - 3600 }),
      ]) {
        const r = await mcpWhoami(t.mcpUrl, token);
        expect(r.status).toBe(401);
        expect(r.wwwAuthenticate).toContain('error="invalid_token"');
      }
    });

    it('E3: a valid signature with another or no audience, or a token signed by an untrusted key, is 401', async () => {
      const { privateKey } = await generateKeyPair('ES256');
      const untrusted = await new SignJWT(goodClaims)
        .setProtectedHeader({ alg: 'ES256', kid: signingJwk.kid, typ: 'at+jwt' })
        .sign(privateKey);
      const noAud = { ...goodClaims };
      delete noAud.aud;
      for (const token of [
        await forge({ ...goodClaims, aud: 'https://other.example/mcp' }),
        await forge({ ...goodClaims, aud: `${t.url}/mcp/other` }),
        await forge(noAud),
        untrusted,
      ]) {
        expect((await mcpWhoami(t.mcpUrl, token)).status).toBe(401);
      }
    });

    it('E4: alg none, HS256 keyed with the public JWK, an unknown kid, typ JWT, and a refresh token are all 401', async () => {
      const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const none = `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(goodClaims)}.`;
      const { d: _d, ...publicJwk } = signingJwk;
      const hs = await new SignJWT(goodClaims)
        .setProtectedHeader({ alg: 'HS256', kid: signingJwk.kid, typ: 'at+jwt' })
        .sign(new TextEncoder().encode(JSON.stringify(publicJwk)));
      const tokens = await signInAndGetTokens(t, alice, {
        id: client.id,
        secret: client.secret,
        redirectUri: CALLBACK,
      });
      for (const token of [
        none,
        hs,
        await forge(goodClaims, { kid: 'nope' }),
        await forge(goodClaims, { typ: 'JWT' }),
        tokens.refresh_token!,
      ]) {
        const r = await mcpWhoami(t.mcpUrl, token);
        expect(r.status).toBe(401);
      }
    });

    it('E5 + E6: a token in the query string is ignored; the scheme is case-insensitive; two Authorization headers are refused', async () => {
      const query = await fetch(`${t.mcpUrl}?access_token=${good}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(query.status).toBe(401);
      const lower = await fetch(t.mcpUrl, {
        method: 'POST',
        headers: {
          authorization: `bearer ${good}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: '{}',
      });
      expect(lower.status).not.toBe(401);
      const raw = await new Promise<number>((resolve, reject) => {
        import('node:http').then(({ request }) => {
          const req = request(t.mcpUrl, {
            method: 'POST',
            headers: [
              ['authorization', `Bearer ${good}`],
              ['authorization', `Bearer ${good}`],
              ['content-type', 'application/json'],
            ] as never,
          });
          req.on('response', (res) => resolve(res.statusCode ?? 0));
          req.on('error', reject);
          req.end('{}');
        });
      });
      expect(raw).toBe(400);
    });

    it('E7: revoking from Connected apps ends access on the very next request; so does deleting the client', async () => {
      const tokens = await signInAndGetTokens(t, alice, {
        id: client.id,
        secret: client.secret,
        redirectUri: CALLBACK,
      });
      expect((await mcpWhoami(t.mcpUrl, tokens.access_token)).status).toBe(200);
      const { listGrants, revokeGrant } = await import('../../../src/store/repositories/oauthGrants.ts');
      const grantId = String(decodeJwt(tokens.access_token).gid);
      expect((await listGrants(t.server.store.db, alice)).map((g) => g.id)).toContain(grantId);
      expect(await revokeGrant(t.server.store.db, alice, grantId)).toBe(true);
      expect((await mcpWhoami(t.mcpUrl, tokens.access_token)).status).toBe(401);

      const doomed = await preregisteredClient(t, admin);
      const t2 = await signInAndGetTokens(t, alice, {
        id: doomed.id,
        secret: doomed.secret,
        redirectUri: CALLBACK,
      });
      const { deleteOrgClient } = await import('../../../src/store/repositories/oauthClients.ts');
      expect(await deleteOrgClient(t.server.store.db, admin, doomed.id)).toBe(true);
      expect((await mcpWhoami(t.mcpUrl, t2.access_token)).status).toBe(401);
      const refresh = await tokenRequest(
        t.url,
        { grant_type: 'refresh_token', refresh_token: t2.refresh_token! },
        { authorization: basicAuth(doomed.id, doomed.secret) },
      );
      expect(refresh.body.error).toBe('invalid_client');
    });

    it('E8: a token without the tool\u2019s scope gets 403 insufficient_scope naming the scope and the metadata', async () => {
      const narrow = await signInAndGetTokens(
        t,
        alice,
        { id: other.id, secret: other.secret, redirectUri: CALLBACK },
        { scope: 'workflows:read', jar: new CookieJar() },
      );
      expect(decodeJwt(narrow.access_token).scope).toBe('workflows:read');
      const r = await mcpCallTool(t.mcpUrl, narrow.access_token, 'list_connections');
      expect(r.status).toBe(403);
      expect(r.wwwAuthenticate).toContain('error="insufficient_scope"');
      expect(r.wwwAuthenticate).toContain('scope="connections:read"');
      expect(r.wwwAuthenticate).toContain(
        `resource_metadata="${t.url}/.well-known/oauth-protected-resource/mcp"`,
      );
    });

    it('E9: a user removed from the organization gets 401 at once', async () => {
      const carol = await t.addUser({ email: 'carol@example.com', role: 'viewer' });
      const tokens = await signInAndGetTokens(t, carol, {
        id: client.id,
        secret: client.secret,
        redirectUri: CALLBACK,
      });
      expect((await mcpWhoami(t.mcpUrl, tokens.access_token)).status).toBe(200);
      await t.server.store.db.deleteFrom('memberships').where('user_id', '=', carol.userId).execute();
      expect((await mcpWhoami(t.mcpUrl, tokens.access_token)).status).toBe(401);
    });

    it('E12: Host and X-Forwarded-* cannot change any advertised URL', async () => {
      for (const path of [
        '/.well-known/oauth-authorization-server',
        '/.well-known/openid-configuration',
        '/.well-known/oauth-protected-resource/mcp',
      ]) {
        const text = await (
          await fetch(`${t.url}${path}`, {
            headers: {
              'x-forwarded-host': 'evil.example',
              'x-forwarded-proto': 'https',
              forwarded: 'host=evil.example',
            },
          })
        ).text();
        expect(text, path).not.toContain('evil.example');
        expect(text).toContain(t.url);
      }
      const challenge = await fetch(t.mcpUrl, {
        method: 'POST',
        headers: { 'x-forwarded-host': 'evil.example' },
        body: '{}',
      });
      expect(challenge.headers.get('www-authenticate')).not.toContain('evil');
    });
  });
});
