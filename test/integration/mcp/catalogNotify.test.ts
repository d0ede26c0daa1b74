import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { loadConfig } from '../../../src/config.ts';
import { startServer, type RunningServer } from '../../../src/server.ts';
import { createUser, findUserByEmail } from '../../../src/store/repositories/users.ts';
import { addMembership, membershipsOf } from '../../../src/store/repositories/organizations.ts';
import {
  publishWorkflow,
  saveWorkflow,
  unpublishWorkflow,
} from '../../../src/workflowLibrary/workflowRepository.ts';
import { issueApiToken } from '../../../src/auth/issueApiToken.ts';
import { createConnection } from '../../../src/connections/index.ts';
import { CATALOG_LISTENER_APPLICATION_NAME } from '../../../src/mcp/registerMcpRoutes.ts';
import type { Caller } from '../../../src/store/Caller.ts';
import { freePort } from '../../support/testServer.ts';
import {
  adminUrl,
  createTestDatabase,
  describeWithPostgres,
  type TestDatabase,
} from '../../support/postgres.ts';
import { hashPassword } from '../../../src/crypto/index.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await sleep(50);
  }
}

const TOOL = 'notify_lookup';

// Issue 5, "synced": a publish committed through one process reaches clients listening on
// another at once, through PostgreSQL LISTEN/NOTIFY. The catalog poll is set to an hour here,
// so nothing but the notification can deliver it within the test's seconds.
describeWithPostgres(
  'tool catalog changes across two processes on one PostgreSQL store (LISTEN/NOTIFY)',
  () => {
    const dirs = [0, 1].map((i) => mkdtempSync(join(tmpdir(), `meridian-notify-${i}-`)));
    const servers: RunningServer[] = [];
    let storeDb: TestDatabase;
    let warehouse: TestDatabase;
    let editor: Caller;
    let modern: Client;
    let legacy: V1Client;
    const modernLists: string[][] = [];
    const legacyLists: string[][] = [];

    beforeAll(async () => {
      storeDb = await createTestDatabase();
      warehouse = await createTestDatabase(['postgis']);
      const setup = new pg.Client({ connectionString: warehouse.url });
      await setup.connect();
      await setup.query('CREATE TABLE numbers AS SELECT g AS n FROM generate_series(1, 100) g');
      await setup.end();
      const secret = Buffer.alloc(32, 3).toString('base64url');
      for (const dir of dirs) {
        const config = loadConfig({
          PORT: String(await freePort()),
          MERIDIAN_DATA_DIR: dir,
          DATABASE_URL: storeDb.url,
          MERIDIAN_SECRET_KEY: secret,
          MERIDIAN_ADMIN_EMAIL: 'admin@notify.test',
          MERIDIAN_ADMIN_PASSWORD: 'notify-test-password',
          MERIDIAN_CATALOG_POLL: '1h',
        });
        servers.push(await startServer(config, { logger: pino({ level: 'silent' }) }));
      }
      const db = servers[0]!.store.db;
      const admin = (await findUserByEmail(db, 'admin@notify.test'))!;
      const [membership] = await membershipsOf(db, admin.id);
      const adminCaller: Caller = { orgId: membership!.orgId, userId: admin.id, role: 'admin' };
      await createConnection(db, servers[0]!.connectionBox, adminCaller, {
        name: 'warehouse',
        kind: 'postgis',
        config: { url: warehouse.url },
      });
      await saveWorkflow(db, adminCaller, {
        name: TOOL,
        description: 'Every number.',
        connection: 'warehouse',
        parameters: [],
        nodes: [
          {
            id: 'numbers',
            component: 'sql_query',
            config: { sql: 'SELECT n FROM numbers', columns: [{ name: 'n', type: 'integer' }] },
          },
          { id: 'result', component: 'result', inputs: { input: 'numbers' } },
        ],
        output: 'result',
      });
      const user = await createUser(db, {
        email: 'listener@notify.test',
        passwordHash: await hashPassword('notify-user-password'),
      });
      await addMembership(db, adminCaller.orgId, user.id, 'editor');
      editor = { orgId: adminCaller.orgId, userId: user.id, role: 'editor' };
      const { token } = await issueApiToken(db, editor, { name: 'listener', actor: 'cli' });

      // Both protocol generations listen on process B.
      const mcpUrl = new URL(`${servers[1]!.url.replace('127.0.0.1', 'localhost')}/mcp`);
      const headers = { Authorization: `Bearer ${token}` };
      modern = new Client(
        { name: 'notify-v2', version: '1' },
        {
          versionNegotiation: { mode: { pin: '2026-07-28' } },
          listChanged: {
            tools: {
              debounceMs: 0,
              onChanged: (_error, tools) => modernLists.push((tools ?? []).map((t) => t.name)),
            },
          },
        },
      );
      await modern.connect(new StreamableHTTPClientTransport(mcpUrl, { requestInit: { headers } }));
      legacy = new V1Client(
        { name: 'notify-v1', version: '1' },
        {
          listChanged: {
            tools: {
              debounceMs: 0,
              onChanged: (_error, tools) => legacyLists.push((tools ?? []).map((t) => t.name)),
            },
          },
        },
      );
      await legacy.connect(new V1Transport(mcpUrl, { requestInit: { headers } }));
      expect((await modern.listTools()).tools.map((t) => t.name)).not.toContain(TOOL);
      await sleep(500); // let both listeners' streams open
    }, 120_000);

    afterAll(async () => {
      await modern?.close().catch(() => undefined);
      await legacy?.close().catch(() => undefined);
      for (const server of servers) await server.close();
      await storeDb?.drop();
      await warehouse?.drop();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });

    /** Waits until both listeners were last told a tool list that does (or does not) name the tool. */
    async function bothTold(published: boolean, since: [number, number]): Promise<void> {
      const told = (lists: string[][], from: number) =>
        lists.slice(from).some((names) => names.includes(TOOL) === published);
      await until(`the 2026-07-28 listener hears of ${published ? 'publish' : 'unpublish'}`, () =>
        told(modernLists, since[0]),
      );
      await until(`the 2025-11-25 listener hears of ${published ? 'publish' : 'unpublish'}`, () =>
        told(legacyLists, since[1]),
      );
    }
    const mark = (): [number, number] => [modernLists.length, legacyLists.length];

    async function listenerSessions(): Promise<number[]> {
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      try {
        const { rows } = await admin.query<{ pid: number }>(
          'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2 ORDER BY pid',
          [storeDb.name, CATALOG_LISTENER_APPLICATION_NAME],
        );
        return rows.map((row) => row.pid);
      } finally {
        await admin.end();
      }
    }

    it('a publish and an unpublish through process A reach both protocol generations listening on process B at once', async () => {
      const db = servers[0]!.store.db;
      let since = mark();
      await publishWorkflow(db, editor, TOOL, { toolName: TOOL, mode: 'sync' });
      await bothTold(true, since);
      expect((await modern.listTools()).tools.map((t) => t.name)).toContain(TOOL);

      since = mark();
      await unpublishWorkflow(db, editor, TOOL);
      await bothTold(false, since);
      expect((await legacy.listTools()).tools.map((t) => t.name)).not.toContain(TOOL);
    });

    it('each process’s listener recovers after pg_terminate_backend, and a change made while it was down is not lost', async () => {
      const before = await listenerSessions();
      expect(before).toHaveLength(2);
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      const { rows } = await admin.query<{ ok: boolean }>(
        'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE pid = ANY($1)',
        [before],
      );
      await admin.end();
      expect(rows.map((row) => row.ok)).toEqual([true, true]);

      // At once, before the listeners are likely back: their resync on reconnection must catch it.
      let since = mark();
      await publishWorkflow(servers[0]!.store.db, editor, TOOL, { toolName: TOOL, mode: 'sync' });
      await bothTold(true, since);

      const after = await until('both listeners reconnect', async () => {
        const pids = await listenerSessions();
        return pids.length === 2 && pids;
      });
      expect(after.filter((pid) => before.includes(pid))).toEqual([]);

      since = mark();
      await unpublishWorkflow(servers[0]!.store.db, editor, TOOL);
      await bothTold(false, since);
    });
  },
);
