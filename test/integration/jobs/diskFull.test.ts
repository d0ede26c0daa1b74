import { afterAll, beforeAll, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
import pino from 'pino';
import Database from 'better-sqlite3';
import { createStore, type Store } from '../../../src/store/createStore.ts';
import { migrateToLatest } from '../../../src/store/migrate.ts';
import { createUser } from '../../../src/store/repositories/users.ts';
import { addMembership, createOrganization } from '../../../src/store/repositories/organizations.ts';
import {
  JobRunner,
  getJob,
  listJobs,
  readJobResult,
  submitJob,
  type JobHandler,
} from '../../../src/jobs/index.ts';
import type { Caller } from '../../../src/store/Caller.ts';
import { hashPassword } from '../../../src/crypto/index.ts';

/** A small tmpfs of our own for the store, when this machine lets us mount one (root, no seccomp block). */
function mountSmallTmpfs(): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}

const mountPoint = mountSmallTmpfs();
if (!mountPoint)
  console.warn('\n!!! cannot mount a tmpfs here (needs root): SKIPPING the disk-full test (R9)\n');

const handlers: Record<string, JobHandler> = {
  // Rows of ~1 kB each: `count` of them.
  fat: async ({ job, sink }) => {
    const { count } = job.input as { count: number };
    sink.setColumns([
      { name: 'n', type: 'integer' },
      { name: 'pad', type: 'text' },
    ]);
    for (let start = 0; start < count; start += 500) {
      const rows = Array.from({ length: Math.min(500, count - start) }, (_, i) => ({
        n: start + i,
        pad: 'x'.repeat(1000),
      }));
      if (!(await sink.write(rows))) break;
    }
  },
};

async function settled(store: Store, caller: Caller, id: string) {
  for (let i = 0; i < 400; i++) {
    const job = await getJob(store.db, caller, id);
    if (job && ['succeeded', 'failed', 'cancelled'].includes(job.state)) return job;
    await new Promise((r) => setTimeout(r, 50));
  }
  return getJob(store.db, caller, id);
}

// R9: the disk holding the SQLite store fills up while a job writes its result.
(mountPoint ? describe : describe.skip)(
  'R9: disk full while a job stores its result (SQLite store on a 4 MB tmpfs)',
  () => {
    const dir = mountPoint!;
    const filler = join(dir ?? '.', 'filler');
    let store: Store;
    let runner: JobRunner;
    let caller: Caller;

    beforeAll(async () => {
      store = createStore({ dataDir: dir });
      await migrateToLatest(store.db as never);
      const org = await createOrganization(store.db, 'Full', 'full');
      const user = await createUser(store.db, {
        email: 'full@example.com',
        passwordHash: await hashPassword('long-password-123'),
      });
      await addMembership(store.db, org.id, user.id, 'editor');
      caller = { orgId: org.id, userId: user.id, role: 'editor' };
      runner = new JobRunner({
        db: store.db,
        dialect: store.dialect,
        logger: pino({ level: 'silent' }),
        handlers,
        exclusiveStore: true,
        pollMs: 20,
        leaseMs: 1000,
        pageSize: 200,
      });
      await runner.start();
    });
    afterAll(async () => {
      await runner?.stop(1000);
      await store?.close();
      if (dir) {
        execFileSync('umount', [dir]);
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it(
      'fails the job with "no space left", marks no partial result completed, keeps reads working and the store intact, and recovers once space is freed',
      { timeout: 60_000 },
      async () => {
        // Leave about 300 kB free; the job wants about 2 MB.
        const fd = openSync(filler, 'w');
        const free = () => {
          const s = statfsSync(dir);
          return s.bavail * s.bsize;
        };
        const chunk = Buffer.alloc(64 * 1024);
        while (free() > 300 * 1024) writeSync(fd, chunk);
        closeSync(fd);

        const job = await submitJob(store.db, caller, {
          kind: 'fat',
          title: 'fat',
          input: { count: 2000 },
          clientId: 'test',
        });
        const failed = await settled(store, caller, job.id);
        expect(failed).toMatchObject({ state: 'failed' });
        expect(failed!.error).toMatch(/no space left/i);
        expect(await readJobResult(store.db, caller, job.id, 0, 10)).toBeUndefined();
        // Reads keep working while the disk is full.
        expect((await listJobs(store.db, caller)).map((j) => j.id)).toContain(job.id);
        const reader = new Database(join(dir, 'meridian.db'), { readonly: true });
        try {
          expect(reader.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
        } finally {
          reader.close();
        }

        rmSync(filler);
        const again = await submitJob(store.db, caller, {
          kind: 'fat',
          title: 'fat again',
          input: { count: 2000 },
          clientId: 'test',
        });
        expect(await settled(store, caller, again.id)).toMatchObject({ state: 'succeeded', rowCount: 2000 });
      },
    );
  },
);
