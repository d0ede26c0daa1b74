import { afterAll, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { spawnServerProcess } from '../../support/serverProcess.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createStore, type Store } from '../../../src/store/createStore.ts';
import { findUserByEmail } from '../../../src/store/repositories/users.ts';
import { membershipsOf } from '../../../src/store/repositories/organizations.ts';
import { publishWorkflow, saveWorkflow } from '../../../src/workflowLibrary/workflowRepository.ts';
import { issueApiToken } from '../../../src/auth/issueApiToken.ts';
import { SecretBox } from '../../../src/crypto/index.ts';
import { createConnection } from '../../../src/connections/index.ts';
import { freePort } from '../../support/testServer.ts';
import { connectModernClient } from '../../support/mcpClients.ts';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../../support/postgres.ts';
import { gatedWorkflowDocument } from '../../support/gatedWorkflow.ts';

const GATE = 4401;
const JOBS = 6;
const secretKey = Buffer.alloc(32, 9).toString('base64url');

function startServerProcess(
  dataDir: string,
  port: number,
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<ChildProcess> {
  return spawnServerProcess({
    env: {
      MERIDIAN_DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      MERIDIAN_SECRET_KEY: secretKey,
      PORT: String(port),
      MERIDIAN_ADMIN_EMAIL: 'admin@term.test',
      MERIDIAN_ADMIN_PASSWORD: 'term-test-password',
      MERIDIAN_LOG_LEVEL: 'info',
      ...env,
    },
  });
}

async function until<T>(check: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Databases {
  storeDb: TestDatabase;
  warehouse: TestDatabase;
  /** The test's session on the warehouse, holding the gate (advisory lock GATE) closed. */
  gate: pg.Client;
}

async function prepareDatabases(): Promise<Databases> {
  const storeDb = await createTestDatabase();
  const warehouse = await createTestDatabase(['postgis']);
  const gate = new pg.Client({ connectionString: warehouse.url });
  await gate.connect();
  await gate.query('CREATE TABLE gated_rows AS SELECT g AS n FROM generate_series(1, 5) g');
  await gate.query('SELECT pg_advisory_lock($1)', [GATE]);
  return { storeDb, warehouse, gate };
}

/** The admin's caller, the warehouse connection, and the async tool `gated` whose query waits at the gate. */
async function publishGatedTool(store: Store, warehouseUrl: string, adminEmail: string) {
  const admin = (await findUserByEmail(store.db, adminEmail))!;
  const [membership] = await membershipsOf(store.db, admin.id);
  const caller = { orgId: membership!.orgId, userId: admin.id, role: 'admin' as const };
  const box = new SecretBox(Buffer.from(secretKey, 'base64url'), 'connections');
  await createConnection(store.db, box, caller, {
    name: 'warehouse',
    kind: 'postgis',
    config: { url: warehouseUrl },
  });
  await saveWorkflow(store.db, caller, gatedWorkflowDocument(GATE));
  await publishWorkflow(store.db, caller, 'gated', { toolName: 'gated', mode: 'async' });
  return caller;
}

async function submitGated(port: number, token: string, count: number): Promise<string[]> {
  const client = await connectModernClient(`http://localhost:${port}/mcp`, token);
  const ids: string[] = [];
  for (let i = 0; i < count; i++)
    ids.push(
      ((await client.callTool({ name: 'gated', arguments: {} })).structuredContent as { jobId: string })
        .jobId,
    );
  await client.close();
  return ids;
}

// R4: SIGTERM while jobs run and more wait. The jobs' query waits on an advisory lock the test
// holds, so they are still running when the signal comes and stay so through the grace period.
describeWithPostgres('R4: SIGTERM under load', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'meridian-term-'));
  let child: ChildProcess | undefined;
  let storeDb: TestDatabase;
  let warehouse: TestDatabase;
  let store: Store | undefined;
  let gate: pg.Client | undefined;
  afterAll(async () => {
    child?.kill('SIGKILL');
    await gate?.end();
    await store?.close();
    await storeDb?.drop();
    await warehouse?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'stops taking jobs, releases the running ones after the grace period, leaves 0 leased; a restart runs each once',
    { timeout: 240_000 },
    async () => {
      ({ storeDb, warehouse, gate } = await prepareDatabases());
      const port = await freePort();
      child = await startServerProcess(dataDir, port, storeDb.url);
      store = createStore({ dataDir, databaseUrl: storeDb.url });
      const caller = await publishGatedTool(store, warehouse.url, 'admin@term.test');
      const token = (await issueApiToken(store.db, caller, { name: 'term test', actor: 'cli' })).token;

      const ids = await submitGated(port, token, JOBS);
      const jobs = () =>
        store!.db
          .selectFrom('jobs')
          .select(['id', 'state', 'attempt', 'lease_owner'])
          .where('id', 'in', ids)
          .execute();
      // The runner's concurrency (2) is busy at the gate; the rest wait in the queue.
      await until(async () => (await jobs()).filter((j) => j.state === 'running').length === 2);

      const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      child = undefined;
      const after = await jobs();
      expect(after.filter((j) => j.lease_owner !== null)).toEqual([]);
      expect(after.map((j) => j.state)).toEqual(Array(JOBS).fill('queued'));
      // Released, not failed: the interrupted attempt is given back.
      expect(after.map((j) => j.attempt)).toEqual(Array(JOBS).fill(0));

      await gate.query('SELECT pg_advisory_unlock($1)', [GATE]);
      child = await startServerProcess(dataDir, port, storeDb.url);
      const done = await until(async () => {
        const all = await jobs();
        return all.every((j) => j.state === 'succeeded') && all;
      });
      expect(done.map((j) => j.attempt)).toEqual(Array(JOBS).fill(1));
    },
  );
});

// R6: two server processes on one PostgreSQL store; the one running the jobs is killed with
// SIGKILL. Its leases run out (MERIDIAN_JOB_LEASE=2s here) and the survivor takes the jobs over.
describeWithPostgres('R6: kill -9 of one of two server processes', () => {
  const dirs = [0, 1].map((i) => mkdtempSync(join(tmpdir(), `meridian-survivor-${i}-`)));
  const children: (ChildProcess | undefined)[] = [];
  let dbs: Databases | undefined;
  let store: Store | undefined;
  afterAll(async () => {
    for (const child of children) child?.kill('SIGKILL');
    await dbs?.gate.end();
    await store?.close();
    await dbs?.storeDb.drop();
    await dbs?.warehouse.drop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it(
    'the survivor takes over the dead process’s leased jobs after the lease expires, and runs each to one result',
    { timeout: 240_000 },
    async () => {
      dbs = await prepareDatabases();
      const env = { MERIDIAN_JOB_LEASE: '2s' };
      const ports = [await freePort(), await freePort()];
      // Only the victim runs at first, so it holds every lease.
      children[0] = await startServerProcess(dirs[0]!, ports[0]!, dbs.storeDb.url, env);
      store = createStore({ dataDir: dirs[0]!, databaseUrl: dbs.storeDb.url });
      const caller = await publishGatedTool(store, dbs.warehouse.url, 'admin@term.test');
      const token = (await issueApiToken(store.db, caller, { name: 'survivor test', actor: 'cli' })).token;
      const ids = await submitGated(ports[0]!, token, 2);
      const jobs = () =>
        store!.db
          .selectFrom('jobs')
          .select(['id', 'state', 'attempt', 'lease_owner'])
          .where('id', 'in', ids)
          .orderBy('id')
          .execute();
      const held = await until(async () => {
        const all = await jobs();
        return all.every((j) => j.state === 'running') && all;
      });
      const victim = held[0]!.lease_owner;
      expect(held.map((j) => [j.attempt, j.lease_owner])).toEqual([
        [1, victim],
        [1, victim],
      ]);

      children[1] = await startServerProcess(dirs[1]!, ports[1]!, dbs.storeDb.url, env);
      const exited = new Promise((resolve) => children[0]!.once('exit', resolve));
      children[0]!.kill('SIGKILL');
      await exited;
      children[0] = undefined;

      // The survivor claims both once the victim's leases run out: a new attempt, a new owner.
      const taken = await until(async () => {
        const all = await jobs();
        return all.every((j) => j.state === 'running' && j.attempt === 2) && all;
      });
      expect(new Set(taken.map((j) => j.lease_owner)).size).toBe(1);
      expect(taken[0]!.lease_owner).not.toBe(victim);

      await dbs.gate.query('SELECT pg_advisory_unlock($1)', [GATE]);
      const done = await until(async () => {
        const all = await jobs();
        return all.every((j) => j.state === 'succeeded') && all;
      });
      expect(done.map((j) => j.attempt)).toEqual([2, 2]);
      const pages = await store.db
        .selectFrom('job_result_pages')
        .select(['job_id', 'attempt'])
        .distinct()
        .where('job_id', 'in', ids)
        .orderBy('job_id')
        .execute();
      expect(pages.map((p) => p.attempt)).toEqual([2, 2]);
      // The survivor answers for the jobs too.
      const client = await connectModernClient(`http://localhost:${ports[1]}/mcp`, token);
      const status = await client.callTool({ name: 'get_job_status', arguments: { job_id: ids[0] } });
      expect(status.structuredContent).toMatchObject({ state: 'succeeded', rowCount: 5, attempt: 2 });
      await client.close();
    },
  );
});
