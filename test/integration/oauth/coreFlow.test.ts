import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { startTestServer, type StoreKind, type TestServer, type TestUser } from '../../support/testServer.ts';
import { describeWithPostgres } from '../../support/postgres.ts';
import { basicAuth, mcpWhoami, tokenRequest } from '../../support/oauthHttp.ts';
import { CALLBACK, preregisteredClient, signInAndGetTokens } from '../../support/oauthFixtures.ts';

// The core flow on both stores: a pre-registered client with a secret signs a user in, gets a
// JWT for /mcp, calls whoami, refreshes (rotation), and loses access on revocation.
function coreFlow(kind: StoreKind) {
  let t: TestServer;
  let admin: TestUser;
  let alice: TestUser;

  beforeAll(async () => {
    t = await startTestServer(kind);
    admin = await t.addUser({ email: 'boss@example.com', role: 'admin' });
    alice = await t.addUser({ email: 'alice@example.com', role: 'editor' });
  });
  afterAll(async () => t?.stop());

  it('issues an audience-bound JWT that /mcp accepts, refreshes with rotation, and revocation ends access', async () => {
    const client = await preregisteredClient(t, admin);
    const tokens = await signInAndGetTokens(t, alice, {
      id: client.id,
      secret: client.secret,
      redirectUri: CALLBACK,
    });
    expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ typ: 'at+jwt', alg: 'ES256' });
    const claims = decodeJwt(tokens.access_token);
    expect(claims.aud).toBe(t.mcpUrl);
    expect(claims.iss).toBe(t.url);
    expect(claims.client_id).toBe(client.id);
    expect(tokens.refresh_token).toBeTruthy();

    const who = await mcpWhoami(t.mcpUrl, tokens.access_token);
    expect(who.status).toBe(200);
    expect(JSON.stringify(who.body)).toContain('alice@example.com');
    expect(JSON.stringify(who.body)).toContain('"method":"oauth"');

    const refreshed = await tokenRequest(
      t.url,
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! },
      { authorization: basicAuth(client.id, client.secret) },
    );
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).not.toBe(tokens.refresh_token);
    expect((await mcpWhoami(t.mcpUrl, String(refreshed.body.access_token))).status).toBe(200);

    const revoke = await fetch(`${t.url}/oauth/revoke`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuth(client.id, client.secret),
      },
      body: new URLSearchParams({
        token: String(refreshed.body.refresh_token),
        token_type_hint: 'refresh_token',
      }).toString(),
    });
    expect(revoke.status).toBe(200);
    const after = await mcpWhoami(t.mcpUrl, String(refreshed.body.access_token));
    expect(after.status).toBe(401);
    expect(after.wwwAuthenticate).toContain('invalid_token');
  });
}

describe('OAuth core flow (SQLite store)', () => coreFlow('sqlite'));
describeWithPostgres('OAuth core flow (PostgreSQL store)', () => coreFlow('postgres'));
