import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDemoDataIntoPostgis, loadDemoDataIntoSpatialite } from '../../../../src/demo/index.ts';
import type { Engine } from '../../../../src/engines/Engine.ts';
import { PostgisEngine, SpatialiteEngine } from '../../../../src/engines/index.ts';
import { createTestDatabase } from '../../../support/postgres.ts';

export interface DemoEngine {
  engine: Engine;
  close(): Promise<void>;
}

/** The real embedded engine (workers, read-only) on a fresh file holding the demo data. */
export async function spatialiteDemoEngine(): Promise<DemoEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-workflows-'));
  const file = join(dir, 'demo.sqlite');
  await loadDemoDataIntoSpatialite(file);
  const engine = new SpatialiteEngine({ file, poolSize: 1, defaultMaxRows: 100_000 });
  return {
    engine,
    async close() {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The real PostGIS engine on a throwaway database holding the same demo data. */
export async function postgisDemoEngine(): Promise<DemoEngine> {
  const database = await createTestDatabase(['postgis']);
  await loadDemoDataIntoPostgis(database.url);
  const engine = new PostgisEngine({ url: database.url, defaultMaxRows: 100_000 });
  return {
    engine,
    async close() {
      await engine.close();
      await database.drop();
    },
  };
}
