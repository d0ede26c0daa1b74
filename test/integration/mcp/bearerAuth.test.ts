import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type StoreKind, type TestServer, type TestUser } from '../../support/testServer.ts';
import { describeWithPostgres } from '../../support/postgres.ts';
import { deleteUser, disableUser } from '../../../src/store/repositories/users.ts';
import { revokeApiToken } from '../../../src/store/repositories/apiTokens.ts';
import {
  STACK_TRACE,
  httpRequest,
  modernBody,
  modernHeaders,
  post,
  rawExchange,
  type RawResponse,
} from './rawMcp.ts';

// SECURITY-TESTS.md group E (E1, E2, E4–E6, E10, E12) and issue 2's token cases: missing,
// garbled, expired, revoked, of a deleted / disabled / removed user. RFC 6750 §3.1 governs the
// challenge: no credentials → no error code; a bad token → error="invalid_token".

const b64url = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

function challengeOf(response: { headers: Headers }): string {
  return response.headers.get('www-authenticate') ?? '';
}

// MCP authorization: a 401 SHOULD name the scopes to request (RFC 6750 §3); clients use it
// before the PRM's scopes_supported. Everything the endpoint offers, without offline_access.
const CHALLENGE_SCOPE = 'scope="workflows:read workflows:run connections:read maps:read"';

/** Asserts a 401 that names the PRM and the scopes, and, when `error` is given, carries exactly that error code. */
function expect401(response: RawResponse, resourceMetadataUrl: string, error?: string) {
  expect(response.status, response.text.slice(0, 300)).toBe(401);
  const challenge = challengeOf(response);
  expect(challenge).toMatch(/^Bearer /);
  expect(challenge).toContain(`resource_metadata="${resourceMetadataUrl}"`);
  expect(challenge).toContain(CHALLENGE_SCOPE);
  if (error) expect(challenge).toContain(`error="${error}"`);
  else expect(challenge).not.toContain('error=');
  expect(response.text).not.toMatch(STACK_TRACE);
}

function bearerSuite(kind: StoreKind) {
  let t: TestServer;
  let alice: TestUser;
  let prmUrl: string;

  beforeAll(async () => {
    t = await startTestServer(kind);
    alice = await t.addUser({ email: 'alice@example.com', role: 'editor' });
    prmUrl = `${t.url}/.well-known/oauth-protected-resource/mcp`;
  });
  afterAll(async () => t?.stop());

  const call = (authorization: string | undefined) =>
    post(
      t.mcpUrl,
      { ...modernHeaders(undefined, 'tools/list'), ...(authorization !== undefined && { authorization }) },
      modernBody('tools/list'),
    );

  it('E1 no Authorization → 401 naming the PRM, without an error code', async () => {
    expect401(await call(undefined), prmUrl);
  });

  it('E1 the PRM names the exact endpoint URL and our issuer, at both well-known paths', async () => {
    for (const path of [
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
    ]) {
      const response = await fetch(t.url + path);
      expect(response.status).toBe(200);
      const metadata = (await response.json()) as {
        resource: string;
        authorization_servers: string[];
        bearer_methods_supported: string[];
      };
      expect(metadata.resource).toBe(t.mcpUrl);
      expect(metadata.authorization_servers).toEqual([t.url]);
      expect(metadata.bearer_methods_supported).toEqual(['header']);
    }
  });

  it.each([
    ['garbage', 'Bearer garbage'],
    ['a JWT-looking string', 'Bearer eyJhbGciOi.eyJzdWIiOi.c2ln'],
    ['a token of the right shape that was never issued', `Bearer mrd_${'0'.repeat(24)}_${'A'.repeat(43)}`],
  ])('E2 %s → 401 invalid_token', async (_label, authorization) => {
    expect401(await call(authorization), prmUrl, 'invalid_token');
  });

  it('E2 a truncated token, or one with a flipped secret character → 401 invalid_token', async () => {
    const token = await t.createToken(alice);
    expect401(await call(`Bearer ${token.slice(0, -1)}`), prmUrl, 'invalid_token');
    const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    expect401(await call(`Bearer ${flipped}`), prmUrl, 'invalid_token');
  });

  it('E2/E10 an expired token → 401 invalid_token, and it worked before it expired', async () => {
    const token = await t.createToken(alice, { expiresIn: '1h' });
    expect((await call(`Bearer ${token}`)).status).toBe(200);
    await t.server.store.db
      .updateTable('api_tokens')
      .set({ expires_at: Date.now() - 1000 })
      .where('id', '=', token.slice(4, 28))
      .execute();
    const response = await call(`Bearer ${token}`);
    expect401(response, prmUrl, 'invalid_token');
    expect(challengeOf(response)).toMatch(/expired/);
  });

  it('E2 a token created with a 1 ms expiry is refused at once', async () => {
    const token = await t.createToken(alice, { expiresIn: '1ms' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect401(await call(`Bearer ${token}`), prmUrl, 'invalid_token');
  });

  it('a revoked token → 401 invalid_token on the very next request', async () => {
    const token = await t.createToken(alice);
    expect((await call(`Bearer ${token}`)).status).toBe(200);
    expect(await revokeApiToken(t.server.store.db, alice, token.slice(4, 28))).toBe(true);
    expect401(await call(`Bearer ${token}`), prmUrl, 'invalid_token');
  });

  it('a token of a deleted user → 401 invalid_token', async () => {
    const dora = await t.addUser({ email: `dora-${kind}@example.com` });
    const token = await t.createToken(dora);
    expect((await call(`Bearer ${token}`)).status).toBe(200);
    await deleteUser(t.server.store.db, dora.userId);
    expect401(await call(`Bearer ${token}`), prmUrl, 'invalid_token');
  });

  it('a token of a disabled user, or of one removed from the organization → 401 invalid_token', async () => {
    const dan = await t.addUser({ email: `dan-${kind}@example.com` });
    const erin = await t.addUser({ email: `erin-${kind}@example.com` });
    const danToken = await t.createToken(dan);
    const erinToken = await t.createToken(erin);
    await disableUser(t.server.store.db, dan.userId);
    await t.server.store.db.deleteFrom('memberships').where('user_id', '=', erin.userId).execute();
    expect401(await call(`Bearer ${danToken}`), prmUrl, 'invalid_token');
    expect401(await call(`Bearer ${erinToken}`), prmUrl, 'invalid_token');
  });

  it('E4 JWTs with alg:none, HS256 with a guessable key, or a refresh-token type → 401 invalid_token', async () => {
    const claims = {
      iss: t.url,
      aud: t.mcpUrl,
      sub: alice.userId,
      scope: 'workflows:read',
      exp: Math.floor(Date.now() / 1000) + 600,
    };
    const algNone = `${b64url({ alg: 'none', typ: 'at+jwt' })}.${b64url(claims)}.`;
    const { createHmac } = await import('node:crypto');
    const hsInput = `${b64url({ alg: 'HS256', typ: 'at+jwt', kid: 'unknown' })}.${b64url(claims)}`;
    const hs256 = `${hsInput}.${createHmac('sha256', 'secret').update(hsInput).digest('base64url')}`;
    const refreshLike = `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url({ ...claims, token_use: 'refresh' })}.${b64url('sig')}`;
    for (const token of [algNone, hs256, refreshLike]) {
      expect401(await call(`Bearer ${token}`), prmUrl, 'invalid_token');
    }
  });

  it('E5 a token only in ?access_token= or the form body is ignored → 401 without an error code, and not logged', async () => {
    const token = await t.createToken(alice);
    const inQuery = await post(
      `${t.mcpUrl}?access_token=${token}`,
      modernHeaders(undefined, 'tools/list'),
      modernBody('tools/list'),
    );
    expect401(inQuery, prmUrl);
    const inForm = await post(
      t.mcpUrl,
      { ...modernHeaders(undefined, 'tools/list'), 'content-type': 'application/x-www-form-urlencoded' },
      `access_token=${encodeURIComponent(token)}`,
    );
    expect401(inForm, prmUrl);
    const secret = token.slice(29);
    expect(t.logs.join('\n')).not.toContain(secret);
  });

  it('E6 the scheme is case-insensitive: bearer and BEARER are accepted', async () => {
    const token = await t.createToken(alice);
    expect((await call(`bearer ${token}`)).status).toBe(200);
    expect((await call(`BEARER ${token}`)).status).toBe(200);
  });

  it('E6 `Bearer` with no token → 401', async () => {
    for (const authorization of ['Bearer', 'Bearer ']) {
      const response = await call(authorization);
      expect(response.status).toBe(401);
      expect(challengeOf(response)).toContain(`resource_metadata="${prmUrl}"`);
    }
  });

  it('E6 another scheme (Basic) is no Bearer credential → 401 without an error code (RFC 6750 §3.1)', async () => {
    expect401(await call(`Basic ${Buffer.from('alice@example.com:pw').toString('base64')}`), prmUrl);
  });

  it('E6 two Authorization headers → 400 invalid_request, even when both are valid', async () => {
    const first = await t.createToken(alice);
    const second = await t.createToken(alice);
    const body = modernBody('tools/list');
    const headers = Object.entries(modernHeaders(undefined, 'tools/list'))
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    const port = new URL(t.url).port;
    const answer = await rawExchange(
      t.mcpUrl,
      `POST /mcp HTTP/1.1\r\nHost: localhost:${port}\r\n${headers}Authorization: Bearer ${first}\r\nAuthorization: Bearer ${second}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toMatch(/WWW-Authenticate: Bearer error="invalid_request", resource_metadata="[^"]+"/i);
    expect(answer).toContain('"error":"invalid_request"');
    expect(answer).not.toContain(first.slice(29));
  });

  it('E10 a token with the wrong prefix → 401 invalid_token', async () => {
    const token = await t.createToken(alice);
    expect401(await call(`Bearer mrx_${token.slice(4)}`), prmUrl, 'invalid_token');
    expect401(await call(`Bearer ${token.slice(4)}`), prmUrl, 'invalid_token');
  });

  it('E10 an API token does not sign anyone in to the workspace pages', async () => {
    const token = await t.createToken(alice);
    const response = await fetch(`${t.url}/app/developers/credentials`, {
      headers: { authorization: `Bearer ${token}` },
      redirect: 'manual',
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toMatch(/^\/signin/);
    expect(
      (await fetch(`${t.url}/api/v1/session`, { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(401);
  });

  it('E10 tokens are stored hashed, scoped, and their last use is recorded', async () => {
    const token = await t.createToken(alice, { scopes: 'workflows:read' });
    const [, id, secret] = /^mrd_([0-9a-f]{24})_(.+)$/.exec(token)!;
    const before = await t.server.store.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('id', '=', id!)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(before)).not.toContain(secret!);
    expect(before.scopes).toBe('workflows:read');
    expect(before.last_used_at).toBeNull();
    expect((await call(`Bearer ${token}`)).status).toBe(200);
    const after = await t.server.store.db
      .selectFrom('api_tokens')
      .select('last_used_at')
      .where('id', '=', id!)
      .executeTakeFirstOrThrow();
    expect(after.last_used_at).toBeGreaterThan(0);
  });

  it('no 401 body or log line carries a presented token', async () => {
    const token = await t.createToken(alice);
    const revokedSecret = token.slice(29); // the secret after mrd_<24 hex>_ (it may itself contain '_')
    await revokeApiToken(t.server.store.db, alice, token.slice(4, 28));
    const response = await call(`Bearer ${token}`);
    expect(response.text).not.toContain(revokedSecret);
    expect(challengeOf(response)).not.toContain(revokedSecret);
    expect(t.logs.join('\n')).not.toContain(revokedSecret);
  });
}

describe('bearer validation on /mcp (SQLite store)', () => bearerSuite('sqlite'));
describeWithPostgres('bearer validation on /mcp (PostgreSQL store)', () => bearerSuite('postgres'));

// E12: every advertised URL comes from MERIDIAN_PUBLIC_URL, never from Host or X-Forwarded-*,
// even when a trusted proxy is configured (trust covers the client address, not our name).
describe('E12 advertised URLs come from the configured public URL only', () => {
  let t: TestServer;
  const publicUrl = 'https://meridian.example.test';
  const prm = `${publicUrl}/.well-known/oauth-protected-resource/mcp`;

  beforeAll(async () => {
    t = await startTestServer('sqlite', {
      env: { MERIDIAN_PUBLIC_URL: publicUrl, MERIDIAN_TRUST_PROXY: '127.0.0.1' },
    });
  });
  afterAll(async () => t?.stop());

  const local = () => t.server.url;
  const spoofed = {
    host: 'evil.example',
    'x-forwarded-host': 'evil.example',
    'x-forwarded-proto': 'http',
    'x-forwarded-port': '8080',
    forwarded: 'host=evil.example;proto=http',
  };

  it.each(['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource'])(
    'PRM at %s is unchanged by spoofed headers',
    async (path) => {
      const response = await httpRequest(local() + path, { method: 'GET', headers: spoofed });
      expect(response.status).toBe(200);
      const metadata = JSON.parse(response.text) as { resource: string; authorization_servers: string[] };
      expect(metadata.resource).toBe(`${publicUrl}/mcp`);
      expect(metadata.authorization_servers).toEqual([publicUrl]);
      expect(response.text).not.toContain('evil.example');
      expect(response.text).not.toContain('http://');
    },
  );

  it('the 401 challenge is unchanged by spoofed headers and is https', async () => {
    const response = await httpRequest(local() + '/mcp', {
      headers: { ...modernHeaders(undefined, 'tools/list'), ...spoofed, host: 'meridian.example.test' },
      body: modernBody('tools/list'),
    });
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe(
      `Bearer ${CHALLENGE_SCOPE}, resource_metadata="${prm}"`,
    );
  });

  it('the challenge for a bad token is unchanged too', async () => {
    const response = await httpRequest(local() + '/mcp', {
      headers: {
        ...modernHeaders('garbage', 'tools/list'),
        'x-forwarded-host': 'evil.example',
        host: 'meridian.example.test',
      },
      body: modernBody('tools/list'),
    });
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toContain(`resource_metadata="${prm}"`);
    expect(response.headers['www-authenticate']).not.toContain('evil');
  });
});
