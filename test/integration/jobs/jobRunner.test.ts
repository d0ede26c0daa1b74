import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createStore, type Store } from '../../../src/store/createStore.ts';
import { migrateToLatest } from '../../../src/store/migrate.ts';
import { createUser } from '../../../src/store/repositories/users.ts';
import { addMembership, createOrganization } from '../../../src/store/repositories/organizations.ts';
import {
  JobFailure,
  JobRunner,
  QueueFullError,
  IdempotencyConflictError,
  getJob,
  listJobs,
  readJobResult,
  requestJobCancel,
  submitJob,
  type JobHandler,
} from '../../../src/jobs/index.ts';
import type { Caller } from '../../../src/store/Caller.ts';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../../support/postgres.ts';
import type { StoreKind } from '../../support/testServer.ts';
import { hashPassword } from '../../../src/crypto/index.ts';

const silent = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(check: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(25);
  }
}

const handlers: Record<string, JobHandler> = {
  // Writes `count` rows {n}, in batches of 1000.
  count: async ({ job, sink, progress }) => {
    const { count } = job.input as { count: number };
    sink.setColumns([{ name: 'n', type: 'integer' }]);
    for (let start = 0; start < count; start += 1000) {
      const rows = Array.from({ length: Math.min(1000, count - start) }, (_, i) => ({ n: start + i }));
      if (!(await sink.write(rows))) break;
      await progress((start + rows.length) / count, `${start + rows.length} rows`);
    }
  },
  // Runs until cancelled.
  forever: async ({ signal }) => {
    await new Promise<void>((_resolve, reject) =>
      signal.addEventListener('abort', () => reject(signal.reason)),
    );
  },
  // Ignores its abort altogether (a driver call that never returns).
  stuck: async () => {
    await new Promise<void>(() => undefined);
  },
  fail: async () => {
    throw new JobFailure('the table "nope" does not exist');
  },
  crash: async () => {
    throw new Error('secret internals: password=hunter2');
  },
};

function runnerSuite(kind: StoreKind) {
  let store: Store;
  let dir: string;
  let database: TestDatabase | undefined;
  let runner: JobRunner;
  let alice: Caller;
  let bob: Caller;
  let mallory: Caller;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meridian-jobs-'));
    if (kind === 'postgres') database = await createTestDatabase();
    store = createStore({ dataDir: dir, databaseUrl: database?.url });
    await migrateToLatest(store.db as never);
    const org = await createOrganization(store.db, 'Acme', 'acme');
    const other = await createOrganization(store.db, 'Other', 'other');
    const users = await Promise.all(
      ['alice', 'bob', 'mallory'].map(async (n) =>
        createUser(store.db, {
          email: `${n}@example.com`,
          passwordHash: await hashPassword('long-password-123'),
        }),
      ),
    );
    await addMembership(store.db, org.id, users[0]!.id, 'editor');
    await addMembership(store.db, org.id, users[1]!.id, 'viewer');
    await addMembership(store.db, other.id, users[2]!.id, 'admin');
    alice = { orgId: org.id, userId: users[0]!.id, role: 'editor' };
    bob = { orgId: org.id, userId: users[1]!.id, role: 'viewer' };
    mallory = { orgId: other.id, userId: users[2]!.id, role: 'admin' };
  });
  afterEach(async () => runner?.stop(1000));
  afterAll(async () => {
    await store.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const newRunner = (extra: Partial<ConstructorParameters<typeof JobRunner>[0]> = {}) =>
    new JobRunner({
      db: store.db,
      dialect: store.dialect,
      logger: silent,
      handlers,
      pollMs: 20,
      leaseMs: 600,
      pageSize: 250,
      ...extra,
    });

  it('runs a job and pages through its result, bounded by the page size', async () => {
    runner = newRunner();
    await runner.start();
    const job = await submitJob(store.db, alice, {
      kind: 'count',
      title: 'count 1234',
      input: { count: 1234 },
      clientId: 'test',
    });
    expect(job.state).toBe('queued');
    const done = await waitFor(async () => {
      const j = await getJob(store.db, alice, job.id);
      return j?.state === 'succeeded' && j;
    });
    expect(done).toMatchObject({
      rowCount: 1234,
      truncated: false,
      progress: 1,
      attempt: 1,
      columns: [{ name: 'n', type: 'integer' }],
    });
    const page = await readJobResult(store.db, alice, job.id, 240, 20);
    expect(page).toMatchObject({ offset: 240, total: 1234, nextOffset: 260 });
    expect(page!.rows.map((r) => r.n)).toEqual(Array.from({ length: 20 }, (_, i) => 240 + i));
    const last = await readJobResult(store.db, alice, job.id, 1230, 100);
    expect(last!.rows.map((r) => r.n)).toEqual([1230, 1231, 1232, 1233]);
    expect(last!.nextOffset).toBeNull();
  });

  it('caps a result and flags it truncated', async () => {
    runner = newRunner({ maxResultRows: 500 });
    await runner.start();
    const job = await submitJob(store.db, alice, {
      kind: 'count',
      title: 'big',
      input: { count: 5000 },
      clientId: 'test',
    });
    const done = await waitFor(async () => {
      const j = await getJob(store.db, alice, job.id);
      return j?.state === 'succeeded' && j;
    });
    expect(done.rowCount).toBe(500);
    expect(done.truncated).toBe(true);
  });

  it('binds jobs to their submitter: other users and other organizations see nothing', async () => {
    const job = await submitJob(store.db, alice, {
      kind: 'count',
      title: 'mine',
      input: { count: 1 },
      clientId: 'test',
    });
    for (const stranger of [bob, mallory]) {
      expect(await getJob(store.db, stranger, job.id)).toBeUndefined();
      expect(await readJobResult(store.db, stranger, job.id, 0, 10)).toBeUndefined();
      expect(await requestJobCancel(store.db, stranger, job.id)).toBe('not_found');
      expect((await listJobs(store.db, stranger)).map((j) => j.id)).not.toContain(job.id);
    }
    expect(await getJob(store.db, alice, job.id)).toBeDefined();
    expect(await requestJobCancel(store.db, alice, 'no-such-job')).toBe('not_found');
  });

  it('cancels a queued job at once and a running one within a heartbeat', async () => {
    const queued = await submitJob(store.db, alice, {
      kind: 'count',
      title: 'q',
      input: { count: 1 },
      clientId: 'test',
    });
    expect(await requestJobCancel(store.db, alice, queued.id)).toBe('cancelled');
    expect((await getJob(store.db, alice, queued.id))!.state).toBe('cancelled');
    expect(await requestJobCancel(store.db, alice, queued.id)).toBe('already_finished');

    runner = newRunner();
    await runner.start();
    const running = await submitJob(store.db, alice, {
      kind: 'forever',
      title: 'f',
      input: {},
      clientId: 'test',
    });
    await waitFor(async () => (await getJob(store.db, alice, running.id))?.state === 'running');
    const asked = Date.now();
    expect(await requestJobCancel(store.db, alice, running.id)).toBe('cancelling');
    const cancelled = await waitFor(async () => {
      const j = await getJob(store.db, alice, running.id);
      return j?.state === 'cancelled' && j;
    });
    expect(cancelled.finishedAt! - asked).toBeLessThan(5000);
  });

  it('audit #3: a job past its wall-clock limit fails with the reason, and one that ignores the abort is left behind so its slot frees up', async () => {
    runner = newRunner({ concurrency: 1, wallTimeoutMs: 1000, abandonGraceMs: 500 });
    await runner.start();
    const stuck = await submitJob(store.db, alice, {
      kind: 'stuck',
      title: 's',
      input: {},
      clientId: 'test',
    });
    const forever = await submitJob(store.db, alice, {
      kind: 'forever',
      title: 'f',
      input: {},
      clientId: 'test',
    });
    const after = await submitJob(store.db, alice, {
      kind: 'count',
      title: 'after',
      input: { count: 3 },
      clientId: 'test',
    });
    for (const job of [stuck, forever]) {
      const failed = await waitFor(async () => {
        const j = await getJob(store.db, alice, job.id);
        return j?.state === 'failed' && j;
      });
      expect(failed.error).toMatch(
        /ran longer than its wall-clock limit of 1 s \(MERIDIAN_JOB_WALL_TIMEOUT\)/,
      );
      expect(failed.finishedAt! - failed.startedAt!).toBeGreaterThanOrEqual(1000);
    }
    // The handler that stops when aborted is not held for the grace; the stuck one is, then dropped.
    const [s, f] = await Promise.all([
      getJob(store.db, alice, stuck.id),
      getJob(store.db, alice, forever.id),
    ]);
    expect(s!.finishedAt! - s!.startedAt!).toBeGreaterThanOrEqual(1500);
    expect(f!.finishedAt! - f!.startedAt!).toBeLessThan(1500);
    const done = await waitFor(async () => {
      const j = await getJob(store.db, alice, after.id);
      return j?.state === 'succeeded' && j;
    });
    expect(done.rowCount).toBe(3);
  });

  it('reports a safe failure message, and hides internal errors', async () => {
    runner = newRunner();
    await runner.start();
    const failing = await submitJob(store.db, alice, {
      kind: 'fail',
      title: 'f',
      input: {},
      clientId: 'test',
    });
    const crashing = await submitJob(store.db, alice, {
      kind: 'crash',
      title: 'c',
      input: {},
      clientId: 'test',
    });
    const failed = await waitFor(async () => {
      const j = await getJob(store.db, alice, failing.id);
      return j?.state === 'failed' && j;
    });
    expect(failed.error).toBe('the table "nope" does not exist');
    const crashed = await waitFor(async () => {
      const j = await getJob(store.db, alice, crashing.id);
      return j?.state === 'failed' && j;
    });
    expect(crashed.error).not.toContain('hunter2');
    expect(crashed.error).toMatch(/internal error/);
  });

  it('R1/R3: re-runs a job whose worker died, then fails it with the reason once out of attempts', async () => {
    const job = await submitJob(store.db, alice, {
      kind: 'count',
      title: 'orphan',
      input: { count: 10 },
      clientId: 'test',
      maxAttempts: 2,
    });
    // A worker of another (dead) process claimed it and its lease ran out.
    await store.db
      .updateTable('jobs')
      .set({ state: 'running', attempt: 1, lease_owner: 'dead', lease_expires_at: Date.now() - 1 })
      .where('id', '=', job.id)
      .execute();
    runner = newRunner();
    await runner.start();
    const rerun = await waitFor(async () => {
      const j = await getJob(store.db, alice, job.id);
      return j?.state === 'succeeded' && j;
    });
    expect(rerun.attempt).toBe(2);
    expect(rerun.rowCount).toBe(10);

    const doomed = await submitJob(store.db, alice, {
      kind: 'count',
      title: 'doomed',
      input: { count: 10 },
      clientId: 'test',
      maxAttempts: 2,
    });
    await store.db
      .updateTable('jobs')
      .set({ state: 'running', attempt: 2, lease_owner: 'dead', lease_expires_at: Date.now() - 1 })
      .where('id', '=', doomed.id)
      .execute();
    const failed = await waitFor(async () => {
      const j = await getJob(store.db, alice, doomed.id);
      return j?.state === 'failed' && j;
    });
    expect(failed.error).toBe(
      'The worker running this job was lost (attempt 2/2): the job exceeded 2 attempts and was not retried again.',
    );
  });

  it('R1/R6: never lets a stale attempt publish its result', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    runner = newRunner({
      leaseMs: 300,
      handlers: {
        slow: async ({ sink }) => {
          sink.setColumns([{ name: 'x', type: 'integer' }]);
          await sink.write([{ x: 1 }]);
          await gate;
        },
      },
    });
    await runner.start();
    const job = await submitJob(store.db, alice, { kind: 'slow', title: 's', input: {}, clientId: 'test' });
    await waitFor(async () => (await getJob(store.db, alice, job.id))?.state === 'running');
    // Another process takes the job over (as after a lease expiry): this attempt is now stale.
    await store.db
      .updateTable('jobs')
      .set({ attempt: 5, lease_owner: 'someone-else', lease_expires_at: Date.now() + 60_000 })
      .where('id', '=', job.id)
      .execute();
    release();
    await sleep(500);
    const after = await getJob(store.db, alice, job.id);
    expect(after).toMatchObject({ state: 'running', attempt: 5 });
    const pages = await store.db
      .selectFrom('job_result_pages')
      .selectAll()
      .where('job_id', '=', job.id)
      .execute();
    expect(pages).toEqual([]);
  });

  it('refuses submissions beyond the per-user limit with a clear error, not a hang', async () => {
    const limits = { maxActivePerOrg: 100, maxActivePerUser: 2 };
    await submitJob(store.db, bob, { kind: 'count', title: '1', input: { count: 1 }, clientId: 't' }, limits);
    await submitJob(store.db, bob, { kind: 'count', title: '2', input: { count: 1 }, clientId: 't' }, limits);
    await expect(
      submitJob(store.db, bob, { kind: 'count', title: '3', input: { count: 1 }, clientId: 't' }, limits),
    ).rejects.toThrow(QueueFullError);
    // Other users are unaffected.
    await expect(
      submitJob(store.db, mallory, { kind: 'count', title: 'x', input: { count: 1 }, clientId: 't' }, limits),
    ).resolves.toBeDefined();
  });

  it('collapses a repeated idempotency key into one job, and refuses it for a different input', async () => {
    const a = await submitJob(store.db, alice, {
      kind: 'count',
      title: 'i',
      input: { count: 3 },
      clientId: 't',
      idempotencyKey: 'k1',
    });
    const b = await submitJob(store.db, alice, {
      kind: 'count',
      title: 'i',
      input: { count: 3 },
      clientId: 't',
      idempotencyKey: 'k1',
    });
    expect(b.id).toBe(a.id);
    await expect(
      submitJob(store.db, alice, {
        kind: 'count',
        title: 'i',
        input: { count: 4 },
        clientId: 't',
        idempotencyKey: 'k1',
      }),
    ).rejects.toThrow(IdempotencyConflictError);
  });

  it('R10: purges results after retention, and never touches queued or running jobs', async () => {
    runner = newRunner({ retentionMs: 60_000 });
    await runner.start();
    const done = await submitJob(store.db, alice, {
      kind: 'count',
      title: 'r',
      input: { count: 3 },
      clientId: 't',
    });
    await waitFor(async () => (await getJob(store.db, alice, done.id))?.state === 'succeeded');
    await runner.stop(1000);
    const queued = await submitJob(store.db, alice, {
      kind: 'count',
      title: 'q2',
      input: { count: 3 },
      clientId: 't',
    });
    const purged = await runner.purgeExpiredResults(Date.now() + 120_000);
    expect(purged).toBeGreaterThanOrEqual(1);
    expect((await getJob(store.db, alice, done.id))!.state).toBe('expired');
    expect(await readJobResult(store.db, alice, done.id, 0, 10)).toBeUndefined();
    expect((await getJob(store.db, alice, queued.id))!.state).toBe('queued');
  });
}

describe('durable jobs (SQLite store)', () => runnerSuite('sqlite'));
describeWithPostgres('durable jobs (PostgreSQL store)', () => runnerSuite('postgres'));
