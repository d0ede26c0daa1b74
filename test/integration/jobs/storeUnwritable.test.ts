import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { spawnServerProcess } from '../../support/serverProcess.ts';
import { freePort, startTestServer, type TestServer } from '../../support/testServer.ts';
import { adminUrl, describeWithPostgres } from '../../support/postgres.ts';

/** A tmpfs of our own for the data dir, when this machine lets us mount one (root, no seccomp block). */
function mountTmpfs(size: string): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-unwritable-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(check: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(100);
  }
}

/** Fills the file system holding `file` until the OS says ENOSPC. */
function fillDisk(file: string): void {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  // The last partial block too.
  const small = openSync(`${file}.tail`, 'w');
  try {
    for (;;) writeSync(small, Buffer.alloc(512, 1));
  } catch {
    /* full */
  } finally {
    closeSync(small);
  }
}

/** Whether this machine lets us mount a tmpfs; the suite mounts its own in beforeAll, so a filtered run leaves none behind. */
function canMountTmpfs(): boolean {
  const probe = mountTmpfs('1m');
  if (!probe) return false;
  execFileSync('umount', [probe]);
  rmSync(probe, { recursive: true, force: true });
  return true;
}

const mountable = canMountTmpfs();
if (!mountable)
  console.warn(
    '\n!!! cannot mount a tmpfs here (needs root): SKIPPING the store-not-writable test (audit #7)\n',
  );

// Audit #7: a full disk under a SQLite store. The disk is really full (a tmpfs filled to ENOSPC);
// the server is paused (SIGSTOP) while the test queues a job and checkpoints the WAL away
// (wal_checkpoint(TRUNCATE)), so that every write the server tries afterwards must grow a file
// and fails with SQLITE_FULL, as on a disk that filled up with no WAL slack left.
(mountable ? describe : describe.skip)(
  'audit #7: a store that cannot be written (SQLite on a full tmpfs)',
  () => {
    let dir: string;
    let filler: string;
    let child: ChildProcess;
    let url: string;
    const logLines: string[] = [];

    beforeAll(async () => {
      dir = mountTmpfs('32m')!;
      filler = join(dir, 'filler');
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      child = await spawnServerProcess({
        env: {
          PORT: String(port),
          MERIDIAN_DATA_DIR: dir,
          MERIDIAN_LOG_LEVEL: 'info',
          MERIDIAN_ADMIN_EMAIL: 'admin@full.example.com',
          MERIDIAN_ADMIN_PASSWORD: 'admin-password-123',
        },
      });
      let partial = '';
      child.stdout!.on('data', (d: Buffer) => {
        const lines = (partial + String(d)).split('\n');
        partial = lines.pop() ?? '';
        logLines.push(...lines);
      });
    }, 90_000);
    afterAll(async () => {
      if (child && child.exitCode === null) {
        child.kill('SIGCONT');
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      if (dir) {
        execFileSync('umount', [dir]);
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it(
      '/readyz answers 503 "store not writable" while the disk is full, the claim loop backs off with one line per step and the stack once, and both recover when space is freed',
      { timeout: 120_000 },
      async () => {
        expect((await fetch(`${url}/readyz`)).status).toBe(200);

        child.kill('SIGSTOP');
        const jobId = 'queued-on-a-full-disk';
        const db = new Database(join(dir, 'meridian.db'));
        try {
          const { org_id, user_id } = db.prepare('select org_id, user_id from memberships limit 1').get() as {
            org_id: string;
            user_id: string;
          };
          db.prepare(
            `insert into jobs (id, org_id, user_id, client_id, kind, title, input, state, attempt, max_attempts, created_at)
         values (?, ?, ?, 'test', 'workflow', 'waits for space', '{}', 'queued', 0, 1, ?)`,
          ).run(jobId, org_id, user_id, Date.now());
          expect(db.pragma('wal_checkpoint(TRUNCATE)')).toEqual([{ busy: 0, log: 0, checkpointed: 0 }]);
        } finally {
          db.close();
        }
        fillDisk(filler);
        const failuresFrom = logLines.length;
        const resumedAt = Date.now();
        child.kill('SIGCONT');

        // Readiness: a problem document naming the cause, not "ready".
        const notReady = await until(async () => {
          const r = await fetch(`${url}/readyz`);
          return r.status === 503 && r;
        }, 10_000);
        expect(notReady.headers.get('content-type')).toContain('application/problem+json');
        const problem = (await notReady.json()) as Record<string, unknown>;
        expect(problem).toMatchObject({ status: 503, title: 'Service Unavailable' });
        expect(String(problem.detail)).toMatch(/^store not writable: /);
        expect(String(problem.detail)).not.toContain(dir);

        // The claim loop, watched for 6 s after it resumed: 250 ms doubling, so at most 5 attempts (0, .25, .75, 1.75,
        // 3.75 s; the next at 7.75 s), where polling every 250 ms made 24, each with a stack trace.
        // Counted by the log's own clock, so a slow machine cannot stretch the window.
        await sleep(resumedAt + 6500 - Date.now());
        const claimLines = logLines
          .slice(failuresFrom)
          .filter((line) => line.includes('job claim failed'))
          .map((line) => JSON.parse(line) as { time: number; retryInMs?: number; err?: { stack?: string } })
          .filter((line) => line.time <= resumedAt + 6000);
        expect(claimLines.length).toBeGreaterThanOrEqual(3);
        expect(claimLines.length).toBeLessThanOrEqual(5);
        expect(claimLines.map((l) => l.retryInMs)).toEqual(
          [250, 500, 1000, 2000, 4000].slice(0, claimLines.length),
        );
        expect(claimLines.filter((l) => JSON.stringify(l).includes('"stack"'))).toHaveLength(1);
        // (SQLite rolls the transaction back itself on SQLITE_FULL, so Kysely's ROLLBACK reports
        // "no transaction is active": the store error, whatever its wording, is what got logged.)
        expect(claimLines[0]!.err?.stack).toMatch(/SqliteError/);

        // Space freed: ready again, and the waiting job is claimed at the next back-off step.
        rmSync(filler);
        rmSync(`${filler}.tail`);
        await until(async () => (await fetch(`${url}/readyz`)).status === 200, 10_000);
        await until(async () => logLines.some((line) => line.includes('job claims work again')), 40_000);
        const reader = new Database(join(dir, 'meridian.db'), { readonly: true });
        try {
          await until(async () => {
            const row = reader.prepare('select state from jobs where id = ?').get(jobId) as { state: string };
            return row.state !== 'queued';
          }, 10_000);
        } finally {
          reader.close();
        }
      },
    );
  },
);

async function onAdmin(statement: string) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

// The same on a PostgreSQL store that answers reads but refuses writes: the database is made
// read-only for new sessions (default_transaction_read_only, as on a standby) and the server's
// sessions are ended so its pool reconnects into it.
describeWithPostgres('audit #7: a PostgreSQL store that refuses writes', () => {
  let t: TestServer;
  let database: string;
  const reconnectAll = () =>
    onAdmin(
      `select pg_terminate_backend(pid) from pg_stat_activity where datname = '${database}' and pid <> pg_backend_pid()`,
    );

  beforeAll(async () => {
    t = await startTestServer('postgres');
    database = new URL(t.config.databaseUrl!).pathname.slice(1);
  }, 60_000);
  afterAll(async () => {
    await onAdmin(`alter database "${database}" reset default_transaction_read_only`).catch(() => undefined);
    await t?.stop();
  });

  it('/readyz answers 503 "store not writable: the store is read-only" while reads still work, and 200 again once writes are', async () => {
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
    await onAdmin(`alter database "${database}" set default_transaction_read_only = on`);
    await reconnectAll();
    const problem = await until(async () => {
      const r = await fetch(`${t.url}/readyz`);
      const body = (await r.json()) as Record<string, unknown>;
      return r.status === 503 && body.detail === 'store not writable: the store is read-only' && body;
    }, 15_000);
    expect(problem).toMatchObject({ type: 'about:blank', title: 'Service Unavailable', status: 503 });
    // Reads work: the store is reachable, just not writable.
    await expect(t.server.store.ping()).resolves.toBeUndefined();

    await onAdmin(`alter database "${database}" reset default_transaction_read_only`);
    await reconnectAll();
    await until(async () => (await fetch(`${t.url}/readyz`)).status === 200, 15_000);
  });
});
