import { afterAll, beforeAll, expect, it } from 'vitest';
import pg from 'pg';
import type { Client } from '@modelcontextprotocol/client';
import { callTool, type Structured } from '../../support/mcpCalls.ts';
import { freePort, startTestServer, type TestServer, type TestUser } from '../../support/testServer.ts';
import { connectModernClient } from '../../support/mcpClients.ts';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../../support/postgres.ts';
import { publishWorkflow, saveWorkflow } from '../../../src/workflowLibrary/workflowRepository.ts';
import { createConnection } from '../../../src/connections/index.ts';
import { gatedWorkflowDocument } from '../../support/gatedWorkflow.ts';

const call = callTool;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(check: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(50);
  }
}

/** A session of the test's own on the warehouse, holding advisory locks (the gates). */
async function gateKeeper(url: string) {
  const session = new pg.Client({ connectionString: url });
  await session.connect();
  return {
    close: (gate: number) => session.query('SELECT pg_advisory_lock($1)', [gate]),
    open: (gate: number) => session.query('SELECT pg_advisory_unlock($1)', [gate]),
    end: () => session.end(),
    /** Backends (other than ours) running a gated query. */
    async running(gate: number): Promise<number> {
      const r = await session.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE query LIKE $1 AND state <> 'idle' AND pid <> pg_backend_pid()`,
        [`%pg_advisory_xact_lock_shared(${gate})%`],
      );
      return r.rows[0].n as number;
    },
  };
}

async function prepareWarehouse(): Promise<TestDatabase> {
  const warehouse = await createTestDatabase(['postgis']);
  const c = new pg.Client({ connectionString: warehouse.url });
  await c.connect();
  await c.query('CREATE TABLE gated_rows AS SELECT g AS n FROM generate_series(1, 25) g');
  await c.end();
  return warehouse;
}

describeWithPostgres('workflow jobs on a PostGIS warehouse (reliability R8, R10, R11, R12)', () => {
  let t: TestServer;
  let warehouse: TestDatabase;
  let admin: TestUser;
  let client: Client;
  let gates: Awaited<ReturnType<typeof gateKeeper>>;

  beforeAll(async () => {
    t = await startTestServer('sqlite');
    warehouse = await prepareWarehouse();
    gates = await gateKeeper(warehouse.url);
    admin = await t.addUser({ email: 'wh-admin@example.com', role: 'admin' });
    await createConnection(t.server.store.db, t.server.connectionBox, admin, {
      name: 'warehouse',
      kind: 'postgis',
      config: { url: warehouse.url },
    });
    client = await connectModernClient(t.mcpUrl, await t.createToken(admin));
  }, 180_000);
  afterAll(async () => {
    await client?.close();
    await gates?.end();
    await t?.stop();
    await warehouse?.drop();
  });

  async function publishGated(tool: string, gate: number, mode: 'sync' | 'async', syncDeadlineMs?: number) {
    await saveWorkflow(t.server.store.db, admin, gatedWorkflowDocument(gate, { name: tool }));
    await publishWorkflow(t.server.store.db, admin, tool, {
      toolName: tool,
      mode,
      ...(syncDeadlineMs && { syncDeadlineMs }),
    });
  }
  const jobsTitled = (title: string) =>
    t.server.store.db
      .selectFrom('jobs')
      .select(['id', 'state', 'attempt'])
      .where('title', '=', title)
      .execute();

  it('R12: a sync call past its deadline falls back to a job exactly once; the client gets the job id, and the query runs once', async () => {
    const gate = 1201;
    await publishGated('gated_sync', gate, 'sync', 500);
    await gates.close(gate);
    const r = await call(client, 'gated_sync', {});
    expect(r.isError).toBeFalsy();
    expect(r.s.state).toBe('running');
    expect(r.text).toMatch(/continues as job .*Poll get_job_status/);
    const jobId = r.s.jobId as string;
    expect(await jobsTitled('gated_sync')).toEqual([{ id: jobId, state: 'running', attempt: 1 }]);
    // One backend runs the query: the fallback did not start a second execution.
    await until(async () => (await gates.running(gate)) === 1);
    await gates.open(gate);
    const done = await until(async () => {
      const s = await call(client, 'get_job_status', { job_id: jobId });
      return s.s.state === 'succeeded' && s;
    });
    expect(done.s).toMatchObject({ attempt: 1, rowCount: 25 });
    expect(await jobsTitled('gated_sync')).toEqual([{ id: jobId, state: 'succeeded', attempt: 1 }]);
    const rows = await call(client, 'get_job_results', { job_id: jobId, page_size: 100 });
    expect(rows.s.rows.map((row: Structured) => row.n)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  it('R11: cancelling mid-query stops the backend query within 5 s, and the job is cancelled', async () => {
    const gate = 1101;
    await publishGated('gated_async', gate, 'async');
    await gates.close(gate);
    try {
      const started = await call(client, 'gated_async', {});
      const jobId = started.s.jobId as string;
      await until(async () => (await gates.running(gate)) === 1);
      const asked = Date.now();
      const cancelled = await call(client, 'cancel_job', { job_id: jobId });
      expect(cancelled.s.outcome).toBe('cancelling');
      await until(async () => (await gates.running(gate)) === 0, 5000);
      expect(Date.now() - asked).toBeLessThan(5000);
      const final = await until(async () => {
        const s = await call(client, 'get_job_status', { job_id: jobId });
        return s.s.state !== 'running' && s;
      });
      expect(final.s.state).toBe('cancelled');
    } finally {
      await gates.open(gate);
    }
  });

  it('R10: results stay readable until the advertised expiry, then answer "expired"; the sweeper never touches queued or running jobs', async () => {
    const gate = 1001;
    await publishGated('retained', 1000, 'async');
    const finished = await call(client, 'retained', {});
    const doneId = finished.s.jobId as string;
    const status = await until(async () => {
      const s = await call(client, 'get_job_status', { job_id: doneId });
      return s.s.state === 'succeeded' && s;
    });
    const expiresAt = Date.parse(status.s.resultsExpireAt as string);
    expect(expiresAt).toBeGreaterThan(Date.now());

    // Two running jobs held at their gate fill the organization's concurrency (2), so a third
    // stays queued: the sweeper must leave all three alone.
    await publishGated('held', gate, 'async');
    await gates.close(gate);
    try {
      const held = [await call(client, 'held', {}), await call(client, 'held', {})].map(
        (r) => r.s.jobId as string,
      );
      await until(async () => (await gates.running(gate)) === 2);
      const queued = (await call(client, 'retained', {})).s.jobId as string;
      const live = [...held, queued].sort();
      const liveJobs = () =>
        t.server.store.db
          .selectFrom('jobs')
          .select(['id', 'state'])
          .where('id', 'in', live)
          .orderBy('id')
          .execute();
      expect((await liveJobs()).map((j) => j.state).sort()).toEqual(['queued', 'running', 'running']);

      // Clock travel: the sweep at one millisecond before the expiry keeps the result.
      await t.server.jobs.purgeExpiredResults(expiresAt - 1);
      const before = await call(client, 'get_job_results', { job_id: doneId });
      expect(before.isError).toBeFalsy();
      expect(before.s.total).toBe(25);

      // A day past it: the result is gone, and the answer says so.
      const liveBefore = await liveJobs();
      await t.server.jobs.purgeExpiredResults(expiresAt + 86_400_000);
      const after = await call(client, 'get_job_results', { job_id: doneId });
      expect(after.isError).toBe(true);
      expect(after.text).toMatch(/expired/);
      expect((await call(client, 'get_job_status', { job_id: doneId })).s.state).toBe('expired');
      const pages = await t.server.store.db
        .selectFrom('job_result_pages')
        .select('job_id')
        .where('job_id', '=', doneId)
        .execute();
      expect(pages).toEqual([]);
      expect(await liveJobs()).toEqual(liveBefore);
    } finally {
      await gates.open(gate);
    }
  });
});

describeWithPostgres('workflow job failures on a PostGIS warehouse (reliability R8)', () => {
  let t: TestServer;
  let warehouse: TestDatabase;
  let admin: TestUser;
  let client: Client;
  let gates: Awaited<ReturnType<typeof gateKeeper>>;
  const password = 'wh-Secret-Passw0rd';
  let offlineUrl: string;

  beforeAll(async () => {
    t = await startTestServer('sqlite', { env: { MERIDIAN_JOB_QUERY_TIMEOUT: '1s' } });
    warehouse = await prepareWarehouse();
    gates = await gateKeeper(warehouse.url);
    admin = await t.addUser({ email: 'wh-admin@example.com', role: 'admin' });
    // Nothing listens on this port: connecting is refused.
    offlineUrl = `postgres://warehouse_reader:${password}@127.0.0.1:${await freePort()}/warehouse_db`;
    await createConnection(t.server.store.db, t.server.connectionBox, admin, {
      name: 'warehouse',
      kind: 'postgis',
      config: { url: warehouse.url },
    });
    await createConnection(t.server.store.db, t.server.connectionBox, admin, {
      name: 'offline',
      kind: 'postgis',
      config: { url: offlineUrl },
    });
    for (const [tool, connection, gate] of [
      ['slow_query', 'warehouse', 801],
      ['offline_query', 'offline', 802],
    ] as const) {
      await saveWorkflow(t.server.store.db, admin, gatedWorkflowDocument(gate, { name: tool, connection }));
      await publishWorkflow(t.server.store.db, admin, tool, { toolName: tool, mode: 'async' });
    }
    client = await connectModernClient(t.mcpUrl, await t.createToken(admin));
  }, 180_000);
  afterAll(async () => {
    await client?.close();
    await gates?.end();
    await t?.stop();
    await warehouse?.drop();
  });

  async function failedJob(tool: string): Promise<Structured> {
    const started = await call(client, tool, {});
    expect(started.isError).toBeFalsy();
    return until(async () => {
      const s = await call(client, 'get_job_status', { job_id: started.s.jobId });
      return ['failed', 'succeeded', 'cancelled'].includes(s.s.state) && s.s;
    });
  }

  it('R8: an unreachable warehouse and a statement timeout fail with distinct reasons, and no secret in either', async () => {
    const refused = await failedJob('offline_query');
    expect(refused.state).toBe('failed');
    expect(refused.error).toMatch(/could not reach the database server/);
    expect(refused.error).not.toMatch(/ECONNREFUSED/);

    await gates.close(801);
    let timedOut: Structured;
    try {
      timedOut = await failedJob('slow_query');
    } finally {
      await gates.open(801);
    }
    expect(timedOut.state).toBe('failed');
    expect(timedOut.error).toMatch(/statement timeout/);
    expect(timedOut.error).not.toMatch(/could not reach/);

    const port = new URL(offlineUrl).port;
    for (const message of [refused.error as string, timedOut.error as string]) {
      for (const secret of [
        password,
        'warehouse_reader',
        'warehouse_db',
        `:${port}`,
        warehouse.name,
        'postgres://',
      ])
        expect(message).not.toContain(secret);
    }
    // Nor in what the server logged about them.
    expect(t.logs.join('\n')).not.toContain(password);
  });
});
