import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { spawnServerProcess } from '../../support/serverProcess.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Client } from '@modelcontextprotocol/client';
import { createStore, type Store } from '../../../src/store/createStore.ts';
import { createUser, findUserByEmail } from '../../../src/store/repositories/users.ts';
import {
  addMembership,
  createOrganization,
  membershipsOf,
} from '../../../src/store/repositories/organizations.ts';
import { publishWorkflow, saveWorkflow } from '../../../src/workflowLibrary/workflowRepository.ts';
import { issueApiToken } from '../../../src/auth/issueApiToken.ts';
import { SecretBox, hashPassword } from '../../../src/crypto/index.ts';
import { createConnection } from '../../../src/connections/index.ts';
import type { Caller } from '../../../src/store/Caller.ts';
import { freePort } from '../../support/testServer.ts';
import { callTool } from '../../support/mcpCalls.ts';
import { connectModernClient } from '../../support/mcpClients.ts';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../../support/postgres.ts';
import { percentile, R5LoadClient, type JobKind } from './r5LoadClient.ts';

// SECURITY-TESTS R5's load: 50 clients × 20 jobs (about a minute in CI on 2 cores).
// MERIDIAN_R5_CLIENTS / MERIDIAN_R5_JOBS change it, e.g. for a quick local run.
const CLIENTS = Number(process.env.MERIDIAN_R5_CLIENTS ?? 50);
const JOBS_PER_CLIENT = Number(process.env.MERIDIAN_R5_JOBS ?? 20);
const POOL_MAX = 5;
// Client c asks for n = c × 1000 + 1 …, all inside the warehouse's 200 000 numbers.
if (CLIENTS * 1000 > 200_000 || JOBS_PER_CLIENT > 1000)
  throw new Error('R5: at most 200 clients × 1000 jobs');
const APP_NAMES = ['meridian-r5-a', 'meridian-r5-b'] as const;
const GATE = 5505;
const secretKey = Buffer.alloc(32, 5).toString('base64url');

function startServerProcess(
  dataDir: string,
  port: number,
  databaseUrl: string,
  applicationName: string,
): Promise<ChildProcess> {
  return spawnServerProcess({
    env: {
      MERIDIAN_DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      MERIDIAN_DB_POOL_MAX: String(POOL_MAX),
      // libpq's variable, honoured by node-postgres: tells the two processes' sessions apart.
      PGAPPNAME: applicationName,
      MERIDIAN_SECRET_KEY: secretKey,
      PORT: String(port),
      MERIDIAN_ADMIN_EMAIL: 'admin@r5.test',
      MERIDIAN_ADMIN_PASSWORD: 'r5-test-password',
    },
  });
}

/** The warehouse connection and three tools over it: a sync and an async lookup, and a slow async one to cancel. */
async function publishLoadTools(store: Store, caller: Caller, warehouseUrl: string): Promise<void> {
  const box = new SecretBox(Buffer.from(secretKey, 'base64url'), 'connections');
  await createConnection(store.db, box, caller, {
    name: 'warehouse',
    kind: 'postgis',
    config: { url: warehouseUrl },
  });
  const lookup = (name: string, sql: string) => ({
    name,
    description: 'The row for n.',
    connection: 'warehouse',
    parameters: [
      { name: 'n', type: 'integer', min: 1, max: 1_000_000, required: true, description: 'which row' },
    ],
    nodes: [
      { id: 'numbers', component: 'sql_query', config: { sql, columns: [{ name: 'n', type: 'integer' }] } },
      {
        id: 'one',
        component: 'filter',
        inputs: { input: 'numbers' },
        config: { conditions: [{ column: 'n', op: '=', value: { $param: 'n' } }] },
      },
      { id: 'result', component: 'result', inputs: { input: 'one' } },
    ],
    output: 'result',
  });
  await saveWorkflow(store.db, caller, lookup('r5_lookup', 'SELECT n FROM numbers'));
  await saveWorkflow(store.db, caller, lookup('r5_lookup_async', 'SELECT n FROM numbers'));
  // Waits at a gate (an advisory lock the test holds) until cancelled: a cancel always lands mid-run.
  await saveWorkflow(
    store.db,
    caller,
    lookup('r5_slow', `SELECT n FROM numbers, (SELECT pg_advisory_xact_lock_shared(${GATE})) AS gate`),
  );
  await publishWorkflow(store.db, caller, 'r5_lookup', { toolName: 'r5_lookup', mode: 'sync' });
  await publishWorkflow(store.db, caller, 'r5_lookup_async', { toolName: 'r5_lookup_async', mode: 'async' });
  await publishWorkflow(store.db, caller, 'r5_slow', { toolName: 'r5_slow', mode: 'async' });
}

/** Every tenth job is cancelled mid-way; the others alternate sync and async. */
function kindsFor(jobs: number): JobKind[] {
  return Array.from({ length: jobs }, (_, j) => (j % 10 === 9 ? 'cancel' : j % 2 === 0 ? 'sync' : 'async'));
}

/** Samples, until stopped, how many store sessions each server process holds. */
function sampleConnections(databaseUrl: string, databaseName: string) {
  const peak: Record<string, number> = Object.fromEntries(APP_NAMES.map((name) => [name, 0]));
  let samples = 0;
  let stopped = false;
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'meridian-r5-sampler' });
  const done = (async () => {
    await client.connect();
    while (!stopped) {
      const { rows } = await client.query<{ application_name: string; n: number }>(
        'SELECT application_name, count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = ANY($2) GROUP BY application_name',
        [databaseName, [...APP_NAMES]],
      );
      for (const row of rows) peak[row.application_name] = Math.max(peak[row.application_name]!, row.n);
      samples++;
      await new Promise((r) => setTimeout(r, 50));
    }
    await client.end();
  })();
  return {
    async stop() {
      stopped = true;
      await done.catch(() => client.end().catch(() => undefined));
      return { peak, samples };
    },
  };
}

// R5: many clients, two server processes on one PostgreSQL store, mixed sync / async / cancelled
// jobs, users of two organizations. Real HTTP, real SDK clients, a real PostGIS warehouse.
describeWithPostgres(
  `R5: ${CLIENTS} clients × ${JOBS_PER_CLIENT} jobs on two server processes sharing one PostgreSQL store`,
  () => {
    const dirs = [0, 1].map((i) => mkdtempSync(join(tmpdir(), `meridian-r5-${i}-`)));
    const children: ChildProcess[] = [];
    const sdkClients: Client[] = [];
    const loadClients: R5LoadClient[] = [];
    const taskGetLatencies: number[] = [];
    let storeDb: TestDatabase;
    let warehouse: TestDatabase;
    let store: Store;
    let mcpUrls: [string, string];
    let gate: pg.Client | undefined;

    beforeAll(async () => {
      storeDb = await createTestDatabase();
      warehouse = await createTestDatabase(['postgis']);
      const setup = new pg.Client({ connectionString: warehouse.url });
      await setup.connect();
      await setup.query(
        'CREATE TABLE numbers AS SELECT g AS n FROM generate_series(1, 200000) g; CREATE INDEX numbers_n ON numbers (n); ANALYZE numbers',
      );
      await setup.end();
      gate = new pg.Client({ connectionString: warehouse.url });
      await gate.connect();
      await gate.query('SELECT pg_advisory_lock($1)', [GATE]);

      const ports = [await freePort(), await freePort()];
      // One after the other: the first runs the migrations and creates the first admin.
      for (const i of [0, 1])
        children.push(await startServerProcess(dirs[i]!, ports[i]!, storeDb.url, APP_NAMES[i]!));
      mcpUrls = [`http://localhost:${ports[0]}/mcp`, `http://localhost:${ports[1]}/mcp`];

      store = createStore({ dataDir: dirs[0]!, databaseUrl: storeDb.url, poolMax: 2 });
      const admin = (await findUserByEmail(store.db, 'admin@r5.test'))!;
      const [membership] = await membershipsOf(store.db, admin.id);
      const orgs: Caller[] = [{ orgId: membership!.orgId, userId: admin.id, role: 'admin' }];
      const other = await createOrganization(store.db, 'R5 other', 'r5-other');
      const otherAdmin = await createUser(store.db, {
        email: 'admin@r5-other.test',
        passwordHash: await hashPassword('r5-other-password'),
      });
      await addMembership(store.db, other.id, otherAdmin.id, 'admin');
      orgs.push({ orgId: other.id, userId: otherAdmin.id, role: 'admin' });
      for (const caller of orgs) await publishLoadTools(store, caller, warehouse.url);

      for (let c = 0; c < CLIENTS; c++) {
        // Even clients in the first organization, odd ones in the second.
        const org = orgs[c % 2]!;
        const user = await createUser(store.db, {
          email: `r5-user${c}@example.com`,
          passwordHash: await hashPassword('r5-user-password'),
        });
        // Editors: the tools' SQL step (sql_query) is theirs to run.
        await addMembership(store.db, org.orgId, user.id, 'editor');
        const { token } = await issueApiToken(
          store.db,
          { orgId: org.orgId, userId: user.id, role: 'editor' },
          { name: 'r5', actor: 'cli' },
        );
        const pair: [Client, Client] = [
          await connectModernClient(mcpUrls[0], token),
          await connectModernClient(mcpUrls[1], token),
        ];
        sdkClients.push(...pair);
        loadClients.push(new R5LoadClient({ mcpUrls, clients: pair, token, taskGetLatencies }));
      }
    }, 180_000);

    afterAll(async () => {
      for (const client of sdkClients) await client.close().catch(() => undefined);
      for (const child of children) child.kill('SIGKILL');
      await store?.close();
      await gate?.end();
      await storeDb?.drop();
      await warehouse?.drop();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });

    it(
      'every job ends terminal, counts reconcile, no job runs twice at once, no user sees another’s job, pools stay within their max',
      { timeout: 300_000 },
      async () => {
        const sampler = sampleConnections(storeDb.url, storeDb.name);
        const started = performance.now();
        try {
          await Promise.all(
            loadClients.map((client, c) =>
              client.run(kindsFor(JOBS_PER_CLIENT), c * 1000 + 1, (c % 2) as 0 | 1),
            ),
          );
        } finally {
          await sampler.stop();
        }
        const wallMs = performance.now() - started;
        const { peak, samples } = await sampler.stop();

        const seen = loadClients.flatMap((client) => client.jobs);
        expect(seen).toHaveLength(CLIENTS * JOBS_PER_CLIENT);
        expect(new Set(seen.map((job) => job.jobId)).size).toBe(seen.length);

        // All terminal, and the store's states are exactly what the clients were told.
        const rows = await store.db.selectFrom('jobs').select(['id', 'state', 'attempt']).execute();
        expect(rows).toHaveLength(seen.length);
        const stored = new Map(rows.map((row) => [row.id, row]));
        for (const job of seen)
          expect(stored.get(job.jobId)?.state, `${job.kind} job ${job.jobId} (${job.detail})`).toBe(
            job.state,
          );
        const count = (states: string[]) =>
          Object.fromEntries(
            ['succeeded', 'failed', 'cancelled', 'queued', 'running'].map((s) => [
              s,
              states.filter((x) => x === s).length,
            ]),
          );
        const expected = {
          succeeded: seen.filter((j) => j.kind !== 'cancel').length,
          failed: 0,
          cancelled: seen.filter((j) => j.kind === 'cancel').length,
          queued: 0,
          running: 0,
        };
        expect(count(seen.map((j) => j.state))).toEqual(expected);
        expect(count(rows.map((r) => r.state))).toEqual(expected);

        // Each job ran once, by one process, never overlapping another run of itself.
        const runs = await store.db
          .selectFrom('job_runs')
          .selectAll()
          .orderBy('job_id')
          .orderBy('started_at')
          .execute();
        const runsByJob = new Map<string, typeof runs>();
        for (const run of runs) runsByJob.set(run.job_id, [...(runsByJob.get(run.job_id) ?? []), run]);
        for (const job of seen) {
          const jobRuns = runsByJob.get(job.jobId) ?? [];
          expect(jobRuns.length, `runs of ${job.jobId}`).toBe(1);
          expect(jobRuns[0]!.ended_at, `end of ${job.jobId}`).not.toBeNull();
          expect(jobRuns[0]!.outcome).toBe(job.state);
          for (let i = 1; i < jobRuns.length; i++)
            expect(jobRuns[i]!.started_at).toBeGreaterThanOrEqual(jobRuns[i - 1]!.ended_at!);
        }
        expect(rows.every((row) => row.attempt === 1)).toBe(true);
        expect(new Set(runs.map((run) => run.owner)).size, 'both processes ran jobs').toBe(2);

        // Store sessions per process never above the configured pool size (and the sampler saw them).
        expect(samples).toBeGreaterThan(10);
        for (const name of APP_NAMES) {
          expect(peak[name], name).toBeGreaterThan(0);
          expect(peak[name], name).toBeLessThanOrEqual(POOL_MAX);
        }

        const p50 = percentile(taskGetLatencies, 50);
        const p99 = percentile(taskGetLatencies, 99);
        console.log(
          `R5: ${seen.length} jobs (${CLIENTS} clients × ${JOBS_PER_CLIENT}) in ${(wallMs / 1000).toFixed(1)} s; ` +
            `tasks/get p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms over ${taskGetLatencies.length} calls; ` +
            `peak store sessions ${APP_NAMES.map((n) => `${n}=${peak[n]}`).join(', ')} (pool max ${POOL_MAX}, ${samples} samples)`,
        );
        expect(taskGetLatencies.length).toBeGreaterThan(0);
      },
    );

    it(
      'no user sees, polls or cancels another user’s jobs, in the same organization or another: each answers as unknown',
      { timeout: 120_000 },
      async () => {
        for (const [c, client] of loadClients.entries()) {
          // The next client is in the other organization, the one after in the same one.
          for (const neighbour of [loadClients[(c + 1) % CLIENTS]!, loadClients[(c + 2) % CLIENTS]!]) {
            const foreign = neighbour.jobs.slice(0, 3);
            for (const job of foreign) {
              const on = (c % 2) as 0 | 1;
              const unknownId = `${job.jobId.slice(0, -1)}${job.jobId.endsWith('x') ? 'y' : 'x'}`;
              const asTask = await client.raw(on, 'tasks/get', { taskId: job.jobId });
              const unknownTask = await client.raw(on, 'tasks/get', { taskId: unknownId });
              expect(asTask.result).toBeUndefined();
              expect(asTask.error?.message).toBe(unknownTask.error?.message.replace(unknownId, job.jobId));
              const sdk = client.sdk(on);
              const status = await callTool(sdk, 'get_job_status', { job_id: job.jobId });
              const unknownStatus = await callTool(sdk, 'get_job_status', { job_id: unknownId });
              expect(status.isError).toBe(true);
              expect(status.text).toBe(unknownStatus.text.replace(unknownId, job.jobId));
              const results = await callTool(sdk, 'get_job_results', { job_id: job.jobId });
              expect(results.isError).toBe(true);
              expect(JSON.stringify(results)).not.toContain(`"n":${job.n}`);
              expect((await client.raw(on, 'tasks/cancel', { taskId: job.jobId })).error?.code).toBe(-32602);
            }
          }
        }
        // Nothing any of that did changed a job.
        const states = await store.db.selectFrom('jobs').select(['id', 'state']).execute();
        const seen = new Map(
          loadClients.flatMap((client) => client.jobs).map((job) => [job.jobId, job.state]),
        );
        for (const row of states) expect(row.state).toBe(seen.get(row.id));
      },
    );
  },
);
