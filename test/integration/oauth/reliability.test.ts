import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort, startTestServer, type TestServer, type TestUser } from '../../support/testServer.ts';
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
import { CALLBACK, preregisteredClient, signInAndGetTokens } from '../../support/oauthFixtures.ts';
import { loadConfig } from '../../../src/config.ts';
import { startServer } from '../../../src/server.ts';
import { createLogger } from '../../../src/http/createLogger.ts';
import { createStore } from '../../../src/store/createStore.ts';
import { createPreregisteredClient } from '../../../src/store/repositories/oauthClients.ts';
import { loadPrincipal, findUserByEmail } from '../../../src/store/repositories/users.ts';
import { membershipsOf } from '../../../src/store/repositories/organizations.ts';
import { StoreAdapter } from '../../../src/auth/oauth/StoreAdapter.ts';
import { sweepExpiredOidcPayloads } from '../../../src/store/repositories/oidcPayloads.ts';

const ADMIN = { email: 'admin@crash.test', password: 'admin-password-123' };

/** A real `meridian serve` child process, so it can be killed with SIGKILL. */
async function serveProcess(dataDir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], {
    env: {
      ...process.env,
      PORT: String(port),
      MERIDIAN_DATA_DIR: dataDir,
      MERIDIAN_ADMIN_EMAIL: ADMIN.email,
      MERIDIAN_ADMIN_PASSWORD: ADMIN.password,
      MERIDIAN_LOG_LEVEL: 'warn',
    },
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://localhost:${port}/readyz`)).ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('meridian serve did not start');
}

async function killHard(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

describe('OAuth store reliability (SECURITY-TESTS S1, S4, S5)', () => {
  it('S1 + S4 + S5: after kill -9 and a restart, keys, tokens, refresh and revocations survive, and a redeemed code stays redeemed', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'meridian-crash-'));
    const port = await freePort();
    const base = `http://localhost:${port}`;
    const t = { url: base, mcpUrl: `${base}/mcp` } as TestServer;
    let child = await serveProcess(dataDir, port);
    try {
      const store = createStore({ dataDir });
      const user = (await findUserByEmail(store.db, ADMIN.email))!;
      const membership = (await membershipsOf(store.db, user.id))[0]!;
      const admin = { ...ADMIN, userId: user.id, orgId: membership.orgId, role: 'admin' } as TestUser;
      expect(await loadPrincipal(store.db, user.id, membership.orgId)).toBeTruthy();
      const client = await createPreregisteredClient(store.db, admin, {
        name: 'Crash',
        redirectUris: [CALLBACK],
        allowedOrigins: [],
      });
      await store.close();

      const jwksBefore = await (await fetch(`${base}/oauth/jwks`)).text();
      // Two browsers, so two grants: revoking one must leave the other alone.
      const kept = await signInAndGetTokens(
        t,
        admin,
        { id: client.id, secret: client.secret, redirectUri: CALLBACK },
        { jar: new CookieJar() },
      );
      const revoked = await signInAndGetTokens(
        t,
        admin,
        { id: client.id, secret: client.secret, redirectUri: CALLBACK },
        { jar: new CookieJar() },
      );
      await fetch(`${base}/oauth/revoke`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basicAuth(client.id, client.secret),
        },
        body: new URLSearchParams({ token: revoked.refresh_token! }).toString(),
      });
      // A code redeemed just before the crash.
      const { verifier, challenge } = pkcePair();
      const flow = await driveAuthorization(
        base,
        authorizeUrl(base, {
          clientId: client.id,
          redirectUri: CALLBACK,
          codeChallenge: challenge,
          codeChallengeMethod: 'S256',
        }),
        {
          email: ADMIN.email,
          password: ADMIN.password,
        },
      );
      const code = flow.location!.searchParams.get('code')!;
      const redeem = () =>
        tokenRequest(
          base,
          { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: CALLBACK },
          { authorization: basicAuth(client.id, client.secret) },
        );
      expect((await redeem()).status).toBe(200);

      await killHard(child);
      child = await serveProcess(dataDir, port);

      expect(await (await fetch(`${base}/oauth/jwks`)).text()).toBe(jwksBefore);
      expect((await mcpWhoami(t.mcpUrl, kept.access_token)).status).toBe(200);
      const refreshed = await tokenRequest(
        base,
        { grant_type: 'refresh_token', refresh_token: kept.refresh_token! },
        { authorization: basicAuth(client.id, client.secret) },
      );
      expect(refreshed.status).toBe(200);
      expect((await mcpWhoami(t.mcpUrl, String(refreshed.body.access_token))).status).toBe(200);
      expect((await mcpWhoami(t.mcpUrl, revoked.access_token)).status).toBe(401);
      const replay = await redeem();
      expect(replay.status).toBe(400);
      expect(replay.body.error).toBe('invalid_grant');
    } finally {
      await killHard(child).catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe('OAuth store failures and upkeep (SECURITY-TESTS S6, S7, S8)', () => {
  let t: TestServer;
  let admin: TestUser;

  beforeAll(async () => {
    t = await startTestServer('sqlite');
    admin = await t.addUser({ email: 'boss@example.com', role: 'admin' });
  });
  afterAll(async () => t?.stop().catch(() => undefined));

  it('S7: a restart while the user is on the consent page: the interaction resumes after it', async () => {
    const client = await preregisteredClient(t, admin);
    const jar = new CookieJar();
    let response = await get(
      authorizeUrl(t.url, {
        clientId: client.id,
        redirectUri: CALLBACK,
        codeChallenge: pkcePair().challenge,
        codeChallengeMethod: 'S256',
      }),
      jar,
    );
    response = await get(new URL(response.headers.get('location')!, t.url).href, jar);
    const signIn = await response.text();
    const login = await postForm(`${t.url}${/action="([^"]+\/login)"/.exec(signIn)![1]}`, jar, {
      _csrf: /name="_csrf" value="([^"]+)"/.exec(signIn)![1]!,
      email: admin.email,
      password: admin.password,
    });
    const consentUrl = new URL(
      (await get(new URL(login.headers.get('location')!, t.url).href, jar)).headers.get('location')!,
      t.url,
    ).href;
    const consent = await (await get(consentUrl, jar)).text();

    await t.server.close();
    t.server = await startServer(t.config, { logger: createLogger('silent') });

    const approved = await postForm(`${t.url}${/action="([^"]+\/confirm)"/.exec(consent)![1]}`, jar, {
      _csrf: /name="_csrf" value="([^"]+)"/.exec(consent)![1]!,
      decision: 'allow',
    });
    expect(approved.status).toBe(303);
    const resumed = await get(new URL(approved.headers.get('location')!, t.url).href, jar);
    expect(new URL(resumed.headers.get('location')!).searchParams.get('code')).toBeTruthy();
  });

  it('S8: the sweeper removes expired artifacts only; live grants and consumed-but-live refresh tokens stay', async () => {
    const db = t.server.store.db;
    const grants = new StoreAdapter('Grant', db);
    const tokens = new StoreAdapter('RefreshToken', db);
    await grants.upsert('live-grant', { accountId: 'o.u', clientId: 'c' }, 3600);
    await grants.upsert('dead-grant', { accountId: 'o.u', clientId: 'c' }, 1);
    await tokens.upsert('live-rt', { grantId: 'live-grant' }, 3600);
    await tokens.consume('live-rt');
    await tokens.upsert('dead-rt', { grantId: 'dead-grant' }, 1);
    await new Promise((r) => setTimeout(r, 1100));
    const count = async () =>
      Number(
        (await db.selectFrom('oidc_payloads').select(db.fn.countAll().as('n')).executeTakeFirstOrThrow()).n,
      );
    const before = await count();
    expect(await sweepExpiredOidcPayloads(db)).toBe(2);
    expect(await count()).toBe(before - 2);
    expect(await grants.find('live-grant')).toBeTruthy();
    expect((await tokens.find('live-rt'))?.consumed).toBeTypeOf('number');
    expect(await grants.find('dead-grant')).toBeUndefined();
  });

  it('S6: with the store down, /oauth/token answers 503 temporarily_unavailable and /mcp 503 (never 401, never a token)', async () => {
    const client = await preregisteredClient(t, admin);
    const tokens = await signInAndGetTokens(t, admin, {
      id: client.id,
      secret: client.secret,
      redirectUri: CALLBACK,
    });
    await t.server.store.db.destroy();
    const refresh = await tokenRequest(
      t.url,
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! },
      { authorization: basicAuth(client.id, client.secret) },
    );
    expect(refresh.status).toBe(503);
    expect(refresh.body.error).toBe('temporarily_unavailable');
    expect(refresh.body.access_token).toBeUndefined();
    expect(refresh.headers.get('retry-after')).toBe('5');
    expect((await mcpWhoami(t.mcpUrl, tokens.access_token)).status).toBe(503);
  });
});

describeWithPostgres('two processes on one PostgreSQL store (SECURITY-TESTS S5)', () => {
  it('a grant revoked through process 1 is refused by process 2 on the very next request', async () => {
    const secret = randomBytes(32).toString('base64url');
    const p1 = await startTestServer('postgres', { env: { MERIDIAN_SECRET_KEY: secret } });
    const dataDir = mkdtempSync(join(tmpdir(), 'meridian-p2-'));
    const port = await freePort();
    const p2 = await startServer(
      loadConfig({
        PORT: String(port),
        HOST: '127.0.0.1',
        MERIDIAN_DATA_DIR: dataDir,
        DATABASE_URL: p1.config.databaseUrl,
        MERIDIAN_SECRET_KEY: secret,
        MERIDIAN_PUBLIC_URL: p1.url,
      }),
      { logger: createLogger('silent') },
    );
    try {
      const admin = await p1.addUser({ email: 'boss@example.com', role: 'admin' });
      const client = await preregisteredClient(p1, admin);
      const tokens = await signInAndGetTokens(p1, admin, {
        id: client.id,
        secret: client.secret,
        redirectUri: CALLBACK,
      });
      const p2Mcp = `http://localhost:${port}/mcp`;
      expect((await mcpWhoami(p2Mcp, tokens.access_token)).status).toBe(200);
      // Process 2 refreshes (shared keys and store), process 1 revokes.
      const refreshed = await fetch(`http://localhost:${port}/oauth/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basicAuth(client.id, client.secret),
        },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: tokens.refresh_token!,
        }).toString(),
      });
      const body = (await refreshed.json()) as { access_token: string; refresh_token: string };
      expect(refreshed.status).toBe(200);
      await fetch(`${p1.url}/oauth/revoke`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basicAuth(client.id, client.secret),
        },
        body: new URLSearchParams({ token: body.refresh_token }).toString(),
      });
      expect((await mcpWhoami(p2Mcp, body.access_token)).status).toBe(401);
      expect((await mcpWhoami(p1.mcpUrl, tokens.access_token)).status).toBe(401);
    } finally {
      await p2.close();
      await p1.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
