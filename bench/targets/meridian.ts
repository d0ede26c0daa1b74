import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config.ts';
import { startServer } from '../../src/server.ts';
import { createLogger } from '../../src/http/createLogger.ts';
import { findUserByEmail } from '../../src/store/repositories/users.ts';
import { membershipsOf } from '../../src/store/repositories/organizations.ts';
import { issueApiToken } from '../../src/auth/issueApiToken.ts';

// Meridian as deployed by `npm start`: embedded SQLite store (or DATABASE_URL), bearer tokens on.
const port = await new Promise<number>((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const p = (probe.address() as { port: number }).port;
    probe.close(() => resolve(p));
  });
});
const dataDir = mkdtempSync(join(tmpdir(), 'meridian-bench-'));
const config = loadConfig({
  ...process.env,
  PORT: String(port),
  MERIDIAN_DATA_DIR: dataDir,
  MERIDIAN_LOG_LEVEL: 'warn',
  MERIDIAN_ADMIN_EMAIL: 'bench@example.com',
  MERIDIAN_ADMIN_PASSWORD: 'bench-password-123',
});
const demo = process.env.BENCH_DEMO === '1';
// BENCH_PHASES=1: each job's phase times (the runner's debug line) on stdout as `PHASES {…}`.
const logger =
  process.env.BENCH_PHASES === '1'
    ? createLogger(
        'debug',
        new Writable({
          write(chunk, _encoding, callback) {
            for (const line of String(chunk).split('\n')) {
              if (!line.includes('"job phases (ms)"')) continue;
              const { rows, phases } = JSON.parse(line) as { rows: number; phases: unknown };
              process.stdout.write(`PHASES ${JSON.stringify({ rows, phases })}\n`);
            }
            callback();
          },
        }),
      )
    : createLogger('warn');
const server = await startServer(config, { logger, demo });
await server.demoReady;
const { db } = server.store;
const user = (await findUserByEmail(db, 'bench@example.com'))!;
const [membership] = await membershipsOf(db, user.id);
if (demo) {
  const { publishWorkflow, saveWorkflow, getWorkflow } =
    await import('../../src/workflowLibrary/workflowRepository.ts');
  const caller = { orgId: membership!.orgId, userId: user.id, role: membership!.role };
  const nearest = (await getWorkflow(db, caller, 'nearest_cities'))!;
  await saveWorkflow(db, caller, { ...nearest.document, name: 'nearest_cities_async' });
  await publishWorkflow(db, caller, 'nearest_cities_async', {
    toolName: 'nearest_cities_async',
    mode: 'async',
  });
}
// BENCH_SETUP=<file>: PostGIS connections and published workflows the bench needs, as JSON
// { connections: [{ name, url }], workflows: [{ document, toolName, mode, syncDeadlineMs? }] }.
if (process.env.BENCH_SETUP) {
  const { publishWorkflow, saveWorkflow } = await import('../../src/workflowLibrary/workflowRepository.ts');
  const { createConnection } = await import('../../src/connections/index.ts');
  const setup = JSON.parse(readFileSync(process.env.BENCH_SETUP, 'utf8')) as {
    connections: { name: string; url: string }[];
    workflows: {
      document: { name: string };
      toolName: string;
      mode: 'sync' | 'async';
      syncDeadlineMs?: number;
    }[];
  };
  const caller = { orgId: membership!.orgId, userId: user.id, role: membership!.role };
  for (const c of setup.connections)
    await createConnection(db, server.connectionBox, caller, {
      name: c.name,
      kind: 'postgis',
      config: { url: c.url },
    });
  for (const w of setup.workflows) {
    await saveWorkflow(db, caller, w.document as never);
    await publishWorkflow(db, caller, w.document.name, {
      toolName: w.toolName,
      mode: w.mode,
      ...(w.syncDeadlineMs && { syncDeadlineMs: w.syncDeadlineMs }),
    });
  }
}
// BENCH_MAP=1: a saved map of the demo cities, coloured by population (render_map's bench).
let mapId: string | undefined;
if (demo && process.env.BENCH_MAP === '1') {
  const { createMap } = await import('../../src/maps/mapRepository.ts');
  const { mapDefinitionSchema } = await import('../../src/maps/mapDefinition.ts');
  const caller = { orgId: membership!.orgId, userId: user.id, role: membership!.role };
  const definition = mapDefinitionSchema.parse({
    title: 'Demo cities',
    layers: [
      {
        id: 'cities',
        title: 'Cities',
        source: { kind: 'table', connection: 'demo', table: 'cities' },
        style: { colorBy: { kind: 'ramp', column: 'population' }, tooltipColumns: ['name'] },
      },
    ],
  });
  mapId = (await createMap(db, caller, definition)).id;
}
const token = await issueApiToken(
  db,
  { orgId: membership!.orgId, userId: user.id, role: membership!.role },
  { name: 'bench', actor: 'cli' },
);
process.stdout.write(
  `READY ${JSON.stringify({ url: `http://localhost:${port}/mcp`, token: token.token, ...(mapId && { mapId }) })}\n`,
);
process.on('SIGINT', () => process.exit(0));
