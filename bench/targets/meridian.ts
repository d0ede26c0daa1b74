import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
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
const server = await startServer(config, { logger: createLogger('warn'), demo });
await server.demoReady;
const { db } = server.store;
const user = (await findUserByEmail(db, 'bench@example.com'))!;
const [membership] = await membershipsOf(db, user.id);
if (demo) {
  const { publishWorkflow, saveWorkflow, getWorkflow } =
    await import('../../src/store/repositories/workflows.ts');
  const caller = { orgId: membership!.orgId, userId: user.id, role: membership!.role };
  const nearest = (await getWorkflow(db, caller, 'nearest_cities'))!;
  await saveWorkflow(db, caller, { ...nearest.document, name: 'nearest_cities_async' });
  await publishWorkflow(db, caller, 'nearest_cities_async', {
    toolName: 'nearest_cities_async',
    mode: 'async',
  });
}
// BENCH_MAP=1: a saved map of the demo cities, coloured by population (render_map's bench).
let mapId: string | undefined;
if (demo && process.env.BENCH_MAP === '1') {
  const { createMap } = await import('../../src/store/repositories/maps.ts');
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
