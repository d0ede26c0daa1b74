import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildDemoDataset,
  loadDemoDataIntoPostgis,
  loadDemoDataIntoSpatialite,
} from '../../../src/demo/index.ts';
import { createPostgisEngine, type PostgisEngine } from '../../../src/engines/postgis/PostgisEngine.ts';
import {
  createSpatialiteEngine,
  type SpatialiteEngine,
} from '../../../src/engines/spatialite/SpatialiteEngine.ts';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../../support/postgres.ts';

const TABLES = ['countries', 'cities', 'us_states', 'us_counties'];

/** The city named Paris with more than 2M people lies within France (a fact from outside our data). */
const PARIS =
  "SELECT k.name AS country FROM cities c JOIN countries k ON ST_Within(c.geom, k.geom) WHERE c.name = 'Paris' AND c.population > 2000000";

/** SpatiaLite does not plan R*Tree lookups by itself: the join names its spatial index explicitly. */
const CITIES_IN_COUNTRIES = {
  spatialite: `SELECT count(*) AS n FROM countries k JOIN cities c
    ON c.ROWID IN (SELECT ROWID FROM SpatialIndex WHERE f_table_name = 'cities' AND f_geometry_column = 'geom' AND search_frame = k.geom)
    AND ST_Within(c.geom, k.geom)`,
  postgis: 'SELECT count(*) AS n FROM countries k JOIN cities c ON ST_Within(c.geom, k.geom)',
};

let dir: string;
let file: string;
let spatialite: SpatialiteEngine;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'meridian-demo-'));
  file = join(dir, 'demo.sqlite');
  const report = await loadDemoDataIntoSpatialite(file);
  expect(report.loaded).toBe(true);
  spatialite = createSpatialiteEngine({ file });
}, 180_000);

afterAll(async () => {
  await spatialite?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('demo data in SpatiaLite', () => {
  it('holds every table with its rows, registered geometry and spatial index', async () => {
    const dataset = buildDemoDataset();
    const catalog = await spatialite.describe();
    for (const table of dataset.tables) {
      const described = catalog.tables.find((t) => t.name === table.name)!;
      expect(described.rowEstimate).toBe(table.rows.length);
      expect(described.columns.at(-1)).toMatchObject({
        name: 'geom',
        type: 'geometry',
        geometryType: table.geometryType,
        srid: 4326,
      });
    }
    const indexes = await spatialite.run({
      sql: 'SELECT count(*) AS n FROM geometry_columns WHERE spatial_index_enabled = 1',
      params: [],
    });
    expect(indexes.rows[0]!.n).toBe(TABLES.length);
    expect(dataset.tables.find((t) => t.name === 'countries')!.rows.length).toBeGreaterThan(200);
    expect(dataset.tables.find((t) => t.name === 'us_counties')!.rows.length).toBeGreaterThan(3000);
  });

  it('places Paris in France', async () => {
    expect((await spatialite.run({ sql: PARIS, params: [] })).rows).toEqual([{ country: 'France' }]);
  });

  it('skips loading when the same version is present', async () => {
    const again = await loadDemoDataIntoSpatialite(file);
    expect(again.loaded).toBe(false);
  });
});

describeWithPostgres('demo data, the same in SpatiaLite and PostGIS', () => {
  let db: TestDatabase;
  let postgis: PostgisEngine;

  beforeAll(async () => {
    db = await createTestDatabase();
    expect((await loadDemoDataIntoPostgis(db.url)).loaded).toBe(true);
    postgis = createPostgisEngine({ url: db.url, statementTimeoutMs: 120_000 });
  }, 180_000);

  afterAll(async () => {
    await postgis?.close();
    await db?.drop();
  });

  it('has identical row counts, attribute checksums and extents', async () => {
    // bounding-box coordinates are copied, not computed: they must be bit-identical
    const sql = (table: string, minX: string, maxY: string, points: string) =>
      `SELECT count(*) AS n, count(DISTINCT id) AS ids, sum(length(name)) AS names, min(${minX}(geom)) AS minx, max(${maxY}(geom)) AS maxy,
              sum(${points}(geom)) AS points FROM ${table}`;
    for (const table of TABLES) {
      const [a, b] = await Promise.all([
        spatialite.run({ sql: sql(table, 'ST_MinX', 'ST_MaxY', 'ST_NPoints'), params: [] }),
        postgis.run({ sql: sql(table, 'ST_XMin', 'ST_YMax', 'ST_NPoints'), params: [] }),
      ]);
      expect(a.rows[0], table).toEqual(b.rows[0]);
      expect(a.rows[0]!.n, table).toBeGreaterThan(0);
    }
  });

  it('places Paris in France on PostGIS too', async () => {
    expect((await postgis.run({ sql: PARIS, params: [] })).rows).toEqual([{ country: 'France' }]);
  });

  it('gives the same cities × countries spatial join count on both engines', async () => {
    const [a, b] = await Promise.all([
      spatialite.run({ sql: CITIES_IN_COUNTRIES.spatialite, params: [] }, { timeoutMs: 170_000 }),
      postgis.run({ sql: CITIES_IN_COUNTRIES.postgis, params: [] }, { timeoutMs: 170_000 }),
    ]);
    expect(a.rows[0]!.n).toBeGreaterThan(40_000);
    expect(a.rows[0]!.n).toBe(b.rows[0]!.n);
  }, 180_000);

  it('skips loading when the same version is present', async () => {
    expect((await loadDemoDataIntoPostgis(db.url)).loaded).toBe(false);
  });
});
