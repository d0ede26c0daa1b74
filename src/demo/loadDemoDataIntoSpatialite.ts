import { EngineError } from '../engines/Engine.ts';
import { SpatialiteEngine, type SpatialiteWrite } from '../engines/spatialite/SpatialiteEngine.ts';
import { DEMO_DATA_VERSION, buildDemoDataset, type DemoTable } from './buildDemoDataset.ts';

export interface DemoLoadReport {
  /** False when the database already held this version of the demo data. */
  loaded: boolean;
  version: number;
  /** Rows written per table (empty when nothing was loaded). */
  tables: { name: string; rows: number }[];
  milliseconds: number;
}

const LOAD_TIMEOUT_MS = 10 * 60_000;

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function tableStatements(table: DemoTable): SpatialiteWrite[] {
  const name = quote(table.name);
  const columns = table.columns.map(
    (c) => `${quote(c.name)} ${c.type === 'integer' ? 'INTEGER' : 'TEXT'}${c.nullable ? '' : ' NOT NULL'}`,
  );
  const placeholders = table.columns.map(() => '?').join(', ');
  const geometry =
    table.geometryType === 'POINT'
      ? 'MakePoint(?, ?, 4326)'
      : 'CastToMultiPolygon(SetSRID(GeomFromGeoJSON(?), 4326))';
  return [
    { sql: `CREATE TABLE ${name} (${columns.join(', ')}, geom ${table.geometryType})`, params: [] },
    {
      sql: `INSERT INTO ${name} (${table.columns.map((c) => quote(c.name)).join(', ')}, geom) VALUES (${placeholders}, ${geometry})`,
      rows: table.rows.map((row) => [...row.values, ...(row.point ?? [row.geojson])]),
    },
    // Registering after the insert checks every geometry once instead of firing AddGeometryColumn's
    // per-row type triggers (about 3x faster for the cities); it adds those triggers for later writes.
    {
      sql: 'SELECT RecoverGeometryColumn(?, ?, 4326, ?, ?)',
      params: [table.name, 'geom', table.geometryType, 'XY'],
    },
    { sql: 'SELECT CreateSpatialIndex(?, ?)', params: [table.name, 'geom'] },
  ];
}

async function presentVersion(engine: SpatialiteEngine): Promise<number | undefined> {
  try {
    const result = await engine.run({ sql: 'SELECT max(version) AS version FROM meridian_demo', params: [] });
    return (result.rows[0]?.version as number | null) ?? undefined;
  } catch (error) {
    if (error instanceof EngineError && error.code === 'sql') return undefined; // no such table yet
    throw error;
  }
}

/**
 * Loads the demo tables (countries, cities, us_states, us_counties) into a SpatiaLite file, or
 * into a writable `SpatialiteEngine`: spatial metadata, geometry columns registered with
 * AddGeometryColumn (type + SRID 4326), R*Tree spatial indexes, and a `meridian_demo` row with
 * the data version. All in one transaction; skipped when that version is already present.
 */
export async function loadDemoDataIntoSpatialite(target: string | SpatialiteEngine): Promise<DemoLoadReport> {
  const started = performance.now();
  const engine =
    typeof target === 'string' ? new SpatialiteEngine({ file: target, readOnly: false }) : target;
  if (engine.readOnly) throw new EngineError('forbidden', 'the demo data needs a writable SpatiaLite handle');
  try {
    if ((await presentVersion(engine)) === DEMO_DATA_VERSION) {
      return {
        loaded: false,
        version: DEMO_DATA_VERSION,
        tables: [],
        milliseconds: performance.now() - started,
      };
    }
    const dataset = buildDemoDataset();
    const tables = dataset.tables.map((t) => ({ name: t.name, rows: t.rows.length }));
    const hasMetadata = await engine.run({
      sql: "SELECT count(*) AS n FROM sqlite_master WHERE name = 'spatial_ref_sys'",
      params: [],
    });
    const statements: SpatialiteWrite[] = [];
    if (hasMetadata.rows[0]?.n === 0) statements.push({ sql: 'SELECT InitSpatialMetaData()', params: [] });
    for (const table of dataset.tables) statements.push(...tableStatements(table));
    statements.push(
      { sql: 'CREATE TABLE meridian_demo (version INTEGER NOT NULL, loaded_at TEXT NOT NULL)', params: [] },
      {
        sql: 'INSERT INTO meridian_demo (version, loaded_at) VALUES (?, ?)',
        params: [dataset.version, new Date().toISOString()],
      },
    );
    await engine.write(statements, { timeoutMs: LOAD_TIMEOUT_MS });

    // SpatiaLite's admin functions report failure by returning 0, not by raising: check the result.
    const check = await engine.run({
      sql: `SELECT count(*) AS n FROM geometry_columns WHERE spatial_index_enabled = 1 AND f_table_name IN (${dataset.tables.map(() => '?').join(', ')})`,
      params: dataset.tables.map((t) => t.name),
    });
    if (check.rows[0]?.n !== dataset.tables.length)
      throw new EngineError('sql', 'the demo tables were created without their spatial metadata or indexes');
    return { loaded: true, version: dataset.version, tables, milliseconds: performance.now() - started };
  } finally {
    if (typeof target === 'string') await engine.close();
  }
}
