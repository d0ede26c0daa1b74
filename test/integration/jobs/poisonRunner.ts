/**
 * Child process for poisonJob.test.ts, run as `node --import tsx <this file> <dataDir>`: a job
 * runner on the SQLite store in <dataDir>, as a Meridian server runs it (exclusive store). Its
 * `poison` jobs kill the process outright, as an out-of-memory kill or a crashed native worker
 * would; its `echo` jobs write one row. Prints "ready" once it takes jobs.
 */
import pino from 'pino';
import { createStore } from '../../../src/store/createStore.ts';
import { migrateToLatest } from '../../../src/store/migrate.ts';
import { JobRunner } from '../../../src/jobs/index.ts';

const dataDir = process.argv[2]!;
const store = createStore({ dataDir });
await migrateToLatest(store.db as never);
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
