import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { startTestServer, type StoreKind, type TestServer, type TestUser } from '../../support/testServer.ts';
import { describeWithPostgres } from '../../support/postgres.ts';
import { CALLBACK, preregisteredClient } from '../../support/oauthFixtures.ts';
import {
  authorizeUrl,
  basicAuth,
  CookieJar,
  driveAuthorization,
  get,
  pkcePair,
  tokenRequest,
} from '../../support/oauthHttp.ts';
import { up as hashOidcPayloadIds } from '../../../src/store/migrations/0009_hash_oidc_payload_ids.ts';

// Audit #5 (issue 11): refresh tokens, codes and sessions were the primary key of oidc_payloads,
// in clear. A copy of the table must hold none of them, and rows written before must survive.
function hashedPayloadsSuite(kind: StoreKind) {
  let t: TestServer;
  let alice: TestUser;
  let client: { id: string; secret: string };

  async function everyColumn(): Promise<string> {
    const rows = await sql<Record<string, unknown>>`select * from oidc_payloads`.execute(t.server.store.db);
    const dump = [JSON.stringify(rows.rows)];
    if (kind === 'sqlite') {
      for (const file of readdirSync(t.dataDir).filter((f) => f.startsWith('meridian.db')))
        dump.push(readFileSync(join(t.dataDir, file)).toString('latin1'));
    }
    return dump.join('\n');
  }

  const refresh = (refreshToken: string) =>
    tokenRequest(
      t.url,
      { grant_type: 'refresh_token', refresh_token: refreshToken },
      { authorization: basicAuth(client.id, client.secret) },
    );

  beforeAll(async () => {
    t = await startTestServer(kind);
    alice = await t.addUser({ email: 'alice@example.com', role: 'editor' });
    const created = await preregisteredClient(t, alice);
    client = { id: created.id, secret: created.secret };
  });
  afterAll(async () => t?.stop());

  it('audit #5: after a full flow no refresh token, code, session id or interaction id is stored in any column', async () => {
    const jar = new CookieJar();
    const { verifier, challenge } = pkcePair();
    const start = await get(
      authorizeUrl(t.url, {
        clientId: client.id,
        redirectUri: CALLBACK,
        codeChallenge: challenge,
        codeChallengeMethod: 'S256',
        resource: t.mcpUrl,
      }),
      jar,
    );
    const interactionPath = start.headers.get('location')!;
    const interactionUid = interactionPath.split('/').pop()!;
    expect(interactionUid).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    const result = await driveAuthorization(t.url, new URL(interactionPath, t.url).href, {
      email: alice.email,
      password: alice.password,
      jar,
    });
    const code = result.location!.searchParams.get('code')!;
    expect(code).toBeTruthy();
    const sessionId = /meridian_oauth_session=([^;]+)/.exec(jar.header())?.[1];
    expect(sessionId).toBeTruthy();
    // Taken while the code is outstanding, then after it was redeemed (and so consumed).
    const beforeRedeem = await everyColumn();
    const tokens = await tokenRequest(
      t.url,
      { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: CALLBACK },
      { authorization: basicAuth(client.id, client.secret) },
    );
    expect(tokens.status).toBe(200);
    const refreshToken = String(tokens.body.refresh_token);
    const rotated = await refresh(refreshToken);
    expect(rotated.status).toBe(200);
    const next = String(rotated.body.refresh_token);

    const after = await everyColumn();
    expect(after).toContain(alice.userId); // the dump is real: the account is there
    for (const secret of [code, sessionId!, interactionUid]) expect(beforeRedeem).not.toContain(secret);
    for (const secret of [code, sessionId!, interactionUid, refreshToken, next])
      expect(after).not.toContain(secret);

    // The hashed rows are the live ones: the newest refresh token works, the rotated one is reuse.
    const again = await refresh(next);
    expect(again.status).toBe(200);
    expect((await refresh(refreshToken)).body.error).toBe('invalid_grant');
  });

  it('audit #5: a refresh token stored before the migration still refreshes after it', async () => {
    const tokens = await signIn();
    const refreshToken = String(tokens.refresh_token);
    const db = t.server.store.db;
    // Put the row back the way the adapter wrote it before: keyed by the clear token, with the
    // token in the payload too. Then run the migration on the live store (its up() directly:
    // the store is already past it, and later migrations may follow it).
    const row = await db
      .selectFrom('oidc_payloads')
      .selectAll()
      .where('model', '=', 'RefreshToken')
      .where('grant_id', 'is not', null)
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow();
    await db
      .updateTable('oidc_payloads')
      .set({ id: refreshToken, payload: JSON.stringify({ ...JSON.parse(row.payload), jti: refreshToken }) })
      .where('model', '=', 'RefreshToken')
      .where('id', '=', row.id)
      .execute();
    await hashOidcPayloadIds(db as never);
    const migrated = await db
      .selectFrom('oidc_payloads')
      .select(['id', 'payload'])
      .where('model', '=', 'RefreshToken')
      .where('grant_id', '=', row.grant_id)
      .execute();
    expect(JSON.stringify(migrated)).not.toContain(refreshToken);
    const refreshed = await refresh(refreshToken);
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
    expect((await refresh(refreshToken)).body.error).toBe('invalid_grant');
  });

  async function signIn() {
    const { verifier, challenge } = pkcePair();
    const result = await driveAuthorization(
      t.url,
      authorizeUrl(t.url, {
        clientId: client.id,
        redirectUri: CALLBACK,
        codeChallenge: challenge,
        codeChallengeMethod: 'S256',
        resource: t.mcpUrl,
      }),
      { email: alice.email, password: alice.password },
    );
    const response = await tokenRequest(
      t.url,
      {
        grant_type: 'authorization_code',
        code: result.location!.searchParams.get('code')!,
        code_verifier: verifier,
        redirect_uri: CALLBACK,
      },
      { authorization: basicAuth(client.id, client.secret) },
    );
    expect(response.status).toBe(200);
    return response.body;
  }
}

describe('oidc_payloads keyed by hashes (SQLite)', () => hashedPayloadsSuite('sqlite'));
describeWithPostgres('oidc_payloads keyed by hashes (PostgreSQL)', () => hashedPayloadsSuite('postgres'));
