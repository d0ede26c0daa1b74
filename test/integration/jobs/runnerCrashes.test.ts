import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createStore, type Store } from '../../../src/store/createStore.ts';
import { migrateToLatest } from '../../../src/store/migrate.ts';
import { createUser } from '../../../src/store/repositories/users.ts';
import { addMembership, createOrganization } from '../../../src/store/repositories/organizations.ts';
import { getJob, readJobResult, submitJob } from '../../../src/jobs/index.ts';
import type { Caller } from '../../../src/store/Caller.ts';
import { hashPassword } from '../../../src/crypto/index.ts';

const runnerScript = fileURLToPath(new URL('./crashingRunner.ts', import.meta.url));

/** Starts the runner process; resolves with it once it takes jobs, and with its exit. */
function startRunner(
  dataDir: string,
): Promise<{ child: ChildProcess; exited: Promise<NodeJS.Signals | number | null> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', runnerScript, dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<NodeJS.Signals | number | null>((r) =>
      child.once('exit', (code, signal) => r(signal ?? code)),
    );
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('ready')) resolve({ child, exited });
    });
    child.stderr!.on('data', (d) => (out += d));
    void exited.then((how) => reject(new Error(`runner exited (${how}) before it was ready:\n${out}`)));
  });
}

/** A fresh SQLite store in `dataDir` holding one organization with one editor, who submits the jobs. */
async function storeWithEditor(dataDir: string, name: string): Promise<{ store: Store; caller: Caller }> {
  const store = createStore({ dataDir });
  await migrateToLatest(store.db as never);
  const org = await createOrganization(store.db, name, name);
  const user = await createUser(store.db, {
    email: `${name}@example.com`,
    passwordHash: await hashPassword('long-password-123'),
  });
  await addMembership(store.db, org.id, user.id, 'editor');
  return { store, caller: { orgId: org.id, userId: user.id, role: 'editor' } };
}

// R3: a poison job kills the process that runs it (as an OOM kill or a crashed native worker
// would). A supervisor restarts the process; the job is retried while it has attempts, then
// failed with the reason, and the restarted process stays up and serves other jobs: no crash loop.
describe('R3: a poison job', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'meridian-poison-'));
  let store: Store;
  let caller: Caller;
  let live: ChildProcess | undefined;

  beforeAll(async () => {
    ({ store, caller } = await storeWithEditor(dataDir, 'poison'));
  });
  afterAll(async () => {
    live?.kill('SIGKILL');
    await store?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'fails with "exceeded N attempts" after N crashes, and the restarted process keeps serving',
    { timeout: 120_000 },
    async () => {
      const poison = await submitJob(store.db, caller, {
        kind: 'poison',
        title: 'poison',
        input: {},
        clientId: 'test',
        maxAttempts: 2,
      });
      let crashes = 0;
      // The supervisor: restart the runner whenever it dies, a bounded number of times.
      for (let restarts = 0; restarts < 5; restarts++) {
        const { child, exited } = await startRunner(dataDir);
        live = child;
        const outcome = await Promise.race([
          exited.then((how) => ({ died: how })),
          (async () => {
            for (;;) {
              const job = await getJob(store.db, caller, poison.id);
              if (job && ['failed', 'succeeded'].includes(job.state)) return { settled: job.state };
              await new Promise((r) => setTimeout(r, 50));
            }
          })(),
        ]);
        if ('settled' in outcome) break;
        expect(outcome.died).toBe('SIGKILL');
        crashes++;
        live = undefined;
      }
      expect(crashes).toBe(2);
      const failed = await getJob(store.db, caller, poison.id);
      expect(failed).toMatchObject({ state: 'failed', attempt: 2 });
      expect(failed!.error).toMatch(/exceeded 2 attempts/);

      // The process that failed it is still up, and runs the next job.
      expect(live?.exitCode).toBeNull();
      const echo = await submitJob(store.db, caller, {
        kind: 'echo',
        title: 'echo',
        input: { text: 'still here' },
        clientId: 'test',
      });
      expect(await settled(store, caller, echo.id)).toMatchObject({ state: 'succeeded' });
      expect((await readJobResult(store.db, caller, echo.id, 0, 10))?.rows).toEqual([{ echo: 'still here' }]);
      expect(live?.exitCode).toBeNull();
    },
  );
});

async function settled(store: Store, caller: Caller, id: string) {
  for (let i = 0; i < 600; i++) {
    const job = await getJob(store.db, caller, id);
    if (job && ['succeeded', 'failed', 'cancelled'].includes(job.state)) return job;
    await new Promise((r) => setTimeout(r, 50));
  }
  return getJob(store.db, caller, id);
}

// R2: the process dies between committing a job and answering for it, and between writing a
// result and marking the job done. The job still runs, and is never `succeeded` without a
// readable result (the pages are written first; the state changes in one conditional update).
describe("R2: kill -9 around a job's commit points", () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'meridian-r2-'));
  let store: Store;
  let caller: Caller;
  let live: ChildProcess | undefined;

  beforeAll(async () => {
    ({ store, caller } = await storeWithEditor(dataDir, 'crash'));
  });
  afterAll(async () => {
    live?.kill('SIGKILL');
    await store?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'a job committed just before the process died exists and runs after a restart',
    { timeout: 120_000 },
    async () => {
      const died = await promisify(execFile)(process.execPath, [
        '--import',
        'tsx',
        runnerScript,
        dataDir,
        'submit-and-die',
        JSON.stringify(caller),
      ]).then(
        () => undefined,
        (error: { signal?: string; stdout?: string }) => error,
      );
      expect(died?.signal).toBe('SIGKILL');
      const jobId = died!.stdout!.trim();
      expect(await getJob(store.db, caller, jobId)).toMatchObject({ state: 'queued' });
      live = (await startRunner(dataDir)).child;
      expect(await settled(store, caller, jobId)).toMatchObject({ state: 'succeeded', attempt: 1 });
      expect((await readJobResult(store.db, caller, jobId, 0, 10))?.rows).toEqual([{ echo: 'submitted' }]);
      live.kill('SIGKILL');
      live = undefined;
    },
  );

  it(
    'a job whose process died after writing its result, before marking it done, is re-run to one readable result',
    { timeout: 120_000 },
    async () => {
      const job = await submitJob(store.db, caller, {
        kind: 'dies_after_write',
        title: 'dies',
        input: {},
        clientId: 'test',
        maxAttempts: 2,
      });
      const first = await startRunner(dataDir);
      expect(await first.exited).toBe('SIGKILL');
      // Written but not done: the job is not succeeded, and has no readable result.
      const between = await getJob(store.db, caller, job.id);
      expect(between).toMatchObject({ state: 'running', attempt: 1 });
      expect(await readJobResult(store.db, caller, job.id, 0, 10)).toBeUndefined();

      live = (await startRunner(dataDir)).child;
      expect(await settled(store, caller, job.id)).toMatchObject({
        state: 'succeeded',
        attempt: 2,
        rowCount: 1200,
      });
      const page = await readJobResult(store.db, caller, job.id, 0, 2000);
      expect(page?.rows.map((r) => r.n)).toEqual(Array.from({ length: 1200 }, (_, n) => n));
      const attempts = await store.db
        .selectFrom('job_result_pages')
        .select('attempt')
        .distinct()
        .where('job_id', '=', job.id)
        .execute();
      expect(attempts).toEqual([{ attempt: 2 }]);
    },
  );
});
