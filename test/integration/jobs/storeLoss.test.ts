import { afterAll, beforeAll, expect, it } from 'vitest';
import pg from 'pg';
import type { Client } from '@modelcontextprotocol/client';
import { callTool } from '../../support/mcpCalls.ts';
import { startTestServer, type TestServer, type TestUser } from '../../support/testServer.ts';
import { connectModernClient } from '../../support/mcpClients.ts';
import {
  adminUrl,
  createTestDatabase,
  describeWithPostgres,
  type TestDatabase,
} from '../../support/postgres.ts';
import { modernBody, modernHeaders, post } from '../mcp/rawMcp.ts';
import { publishWorkflow, saveWorkflow } from '../../../src/workflowLibrary/workflowRepository.ts';
import { createConnection } from '../../../src/connections/index.ts';
import { gatedWorkflowDocument } from '../../support/gatedWorkflow.ts';

const GATE = 7701;

async function until<T>(check: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function admin(sql: string, url = adminUrl) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

// R7: the store's PostgreSQL connections are all terminated (pg_terminate_backend) while a job
// runs, and the database refuses new ones for a while. The job's query (on the warehouse, held at
// an advisory-lock gate) finishes while the store is down, so the runner cannot record it.
describeWithPostgres('R7: store connections lost mid-job (PostgreSQL store)', () => {
  let t: TestServer;
  let warehouse: TestDatabase;
  let gate: pg.Client;
  let user: TestUser;
  let token: string;
  let client: Client;
  let database: string;
  const cutOff = async () => {
    await admin(`alter database "${database}" allow_connections false`);
    await admin(
      `select pg_terminate_backend(pid) from pg_stat_activity where datname = '${database}' and pid <> pg_backend_pid()`,
    );
  };
  const restore = () => admin(`alter database "${database}" allow_connections true`);

  beforeAll(async () => {
    t = await startTestServer('postgres', { env: { MERIDIAN_JOB_LEASE: '2s' } });
    database = new URL(t.config.databaseUrl!).pathname.slice(1);
    warehouse = await createTestDatabase(['postgis']);
    gate = new pg.Client({ connectionString: warehouse.url });
    await gate.connect();
    await gate.query('CREATE TABLE gated_rows AS SELECT g AS n FROM generate_series(1, 5) g');
    user = await t.addUser({ email: 'r7@example.com', role: 'admin' });
    await createConnection(t.server.store.db, t.server.connectionBox, user, {
      name: 'warehouse',
      kind: 'postgis',
      config: { url: warehouse.url },
    });
    await saveWorkflow(t.server.store.db, user, gatedWorkflowDocument(GATE));
    await publishWorkflow(t.server.store.db, user, 'gated', { toolName: 'gated', mode: 'async' });
    token = await t.createToken(user);
    client = await connectModernClient(t.mcpUrl, token);
  }, 180_000);
  afterAll(async () => {
    await restore().catch(() => undefined);
    await client?.close().catch(() => undefined);
    await gate?.end();
    await t?.stop();
    await warehouse?.drop();
  });

  it(
    'the job is retried or failed with a reason, /mcp answers 503 while the store is down, and all recovers without a restart',
    { timeout: 120_000 },
    async () => {
      await gate.query('SELECT pg_advisory_lock($1)', [GATE]);
      const started = await callTool(client, 'gated', {});
      const jobId = started.s.jobId as string;
      const gated = async () =>
        (
          await gate.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%pg_advisory_xact_lock_shared(${GATE})%' AND state <> 'idle' AND pid <> pg_backend_pid()`,
          )
        ).rows[0].n as number;
      await until(async () => (await gated()) === 1);

      await cutOff();
      try {
        // The query ends while the store is gone: its result cannot be recorded now.
        await gate.query('SELECT pg_advisory_unlock($1)', [GATE]);
        await until(async () => (await gated()) === 0);
        const down = await post(t.mcpUrl, modernHeaders(token, 'tools/list'), modernBody('tools/list'));
        expect(down.status).toBe(503);
        // Long enough for the lease to run out while the store is down.
        await new Promise((r) => setTimeout(r, 2500));
      } finally {
        await restore();
      }

      const final = await until(async () => {
        const s = await callTool(client, 'get_job_status', { job_id: jobId });
        return ['succeeded', 'failed', 'cancelled'].includes(s.s.state) && s.s;
      });
      // The attempt that could not record its end is retried once its lease ran out.
      expect(final).toMatchObject({ state: 'succeeded', attempt: 2, rowCount: 5, error: null });
      const rows = await admin(
        `select state, lease_owner from jobs where id = '${jobId}'`,
        t.config.databaseUrl!,
      );
      expect(rows.rows[0].lease_owner).toBeNull();
      // Recovered without a restart: a new job runs start to finish.
      const again = await callTool(client, 'gated', {});
      const second = await until(async () => {
        const s = await callTool(client, 'get_job_status', { job_id: again.s.jobId });
        return s.s.state === 'succeeded' && s.s;
      });
      expect(second.rowCount).toBe(5);
    },
  );
});
