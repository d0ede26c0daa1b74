/**
 * Child process for runnerCrashes.test.ts, run as `node --import tsx <this file> <dataDir>`: a job
 * runner on the SQLite store in <dataDir>, as a Meridian server runs it (exclusive store). Its
 * `poison` jobs kill the process outright, as an out-of-memory kill or a crashed native worker
 * would; its `echo` jobs write one row; its `dies_after_write` jobs write and flush their rows,
 * then kill the process on their first attempt (before the job is marked done). Prints "ready"
 * once it takes jobs. With a third argument `submit-and-die`, it instead submits an echo job for
 * the user in that argument's fourth position and is killed right after the insert commits, as
 * if between the insert and the HTTP reply.
 */
import pino from 'pino';
import { createStore } from '../../../src/store/createStore.ts';
import { migrateToLatest } from '../../../src/store/migrate.ts';
import { JobRunner, submitJob } from '../../../src/jobs/index.ts';

const dataDir = process.argv[2]!;
const store = createStore({ dataDir });
await migrateToLatest(store.db as never);
if (process.argv[3] === 'submit-and-die') {
  const caller = JSON.parse(process.argv[4]!) as { orgId: string; userId: string; role: 'editor' };
  const job = await submitJob(store.db, caller, {
    kind: 'echo',
    title: 'orphaned submission',
    input: { text: 'submitted' },
    clientId: 'test',
  });
  console.log(job.id);
  process.kill(process.pid, 'SIGKILL');
}
const runner = new JobRunner({
  db: store.db,
  dialect: store.dialect,
  logger: pino({ level: process.env.POISON_LOG ?? 'silent' }, pino.destination(2)),
  exclusiveStore: true,
  pollMs: 50,
  handlers: {
    poison: async () => {
      process.kill(process.pid, 'SIGKILL');
      await new Promise(() => undefined);
    },
    dies_after_write: async ({ job, sink }) => {
      sink.setColumns([{ name: 'n', type: 'integer' }]);
      await sink.write(Array.from({ length: 1200 }, (_, n) => ({ n })));
      await sink.flush();
      if (job.attempt === 1) process.kill(process.pid, 'SIGKILL');
    },
    echo: async ({ job, sink }) => {
      sink.setColumns([{ name: 'echo', type: 'text' }]);
      await sink.write([{ echo: String((job.input as { text: string }).text) }]);
    },
  },
});
await runner.start();
// The runner's timers are unref'd (a server's HTTP listener keeps its process up): this one does here.
setInterval(() => undefined, 1 << 30);
console.log('ready');
