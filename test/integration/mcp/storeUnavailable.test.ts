import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../support/testServer.ts';
import { adminUrl, describeWithPostgres } from '../../support/postgres.ts';
import {
  STACK_TRACE,
  legacyBody,
  legacyHeaders,
  modernBody,
  modernHeaders,
  openLegacySession,
  post,
} from './rawMcp.ts';

// Issue 2: when the store is unreachable /mcp answers 503, never 401, so clients keep tokens that
// are perfectly valid. The store goes away for real: the server's PostgreSQL database stops
// accepting connections and every backend it had is terminated; then it comes back.
describeWithPostgres('/mcp while the store is unreachable (PostgreSQL; R7, S6)', () => {
  let t: TestServer;
  let token: string;
  let sessionId: string;
  let database: string;

  async function admin(sql: string) {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }
  const cutOff = () =>
    admin(`alter database "${database}" allow_connections false`).then(() =>
      admin(
        `select pg_terminate_backend(pid) from pg_stat_activity where datname = '${database}' and pid <> pg_backend_pid()`,
      ),
    );
  const restore = () => admin(`alter database "${database}" allow_connections true`);

  beforeAll(async () => {
    t = await startTestServer('postgres');
    database = new URL(t.config.databaseUrl!).pathname.slice(1);
    const alice = await t.addUser({ email: 'alice@example.com', role: 'editor' });
    token = await t.createToken(alice);
    sessionId = await openLegacySession(t.mcpUrl, token);
    expect((await post(t.mcpUrl, modernHeaders(token, 'tools/list'), modernBody('tools/list'))).status).toBe(
      200,
    );
    await cutOff();
  });
  afterAll(async () => {
    await restore().catch(() => undefined);
    await t?.stop();
  });

  it('a valid API token → 503 with Retry-After, not 401', async () => {
    const response = await post(t.mcpUrl, modernHeaders(token, 'tools/list'), modernBody('tools/list'));
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(response.headers.get('www-authenticate')).toBeNull();
    expect(response.json).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 }, id: null });
    expect(response.text).not.toMatch(STACK_TRACE);
    expect(response.text).not.toMatch(/postgres|ECONNREFUSED|allow_connections|does not allow/i);
  });

  it('a 2025 session request → 503, not 401 or 404', async () => {
    const response = await post(t.mcpUrl, legacyHeaders(token, sessionId), legacyBody('tools/list', {}, 2));
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(response.text).not.toMatch(STACK_TRACE);
  });

  it('what needs no store is still answered exactly: no token → 401, PRM → 200, /healthz → 200, /readyz → 503', async () => {
    const noToken = await post(t.mcpUrl, modernHeaders(undefined, 'tools/list'), modernBody('tools/list'));
    expect(noToken.status).toBe(401);
    expect((await fetch(`${t.url}/.well-known/oauth-protected-resource/mcp`)).status).toBe(200);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${t.url}/readyz`)).status).toBe(503);
  });

  it('the logs say the store was unavailable and never hold the token', () => {
    const logs = t.logs.join('\n');
    expect(logs).toMatch(/store unavailable|temporarily unavailable|mcp request failed/);
    expect(logs).not.toContain(token.slice(29));
  });

  it('once the store is back, the same token and session work again', async () => {
    await restore();
    const response = await post(t.mcpUrl, modernHeaders(token, 'tools/list'), modernBody('tools/list'));
    expect(response.status).toBe(200);
    expect(
      (await post(t.mcpUrl, legacyHeaders(token, sessionId), legacyBody('tools/list', {}, 3))).status,
    ).toBe(200);
  });
});
