import pg from 'pg';
import { toPostgisEngineError } from '../engines/postgis/toPostgisEngineError.ts';
import { DEMO_DATA_VERSION, buildDemoDataset, type DemoTable } from './buildDemoDataset.ts';
import type { DemoLoadReport } from './loadDemoDataIntoSpatialite.ts';

const CHUNK_ROWS = 5_000;

async function insertTable(client: pg.Client, table: DemoTable): Promise<void> {
  const name = pg.escapeIdentifier(table.name);
  const columns = table.columns.map(
    (c) =>
      `${pg.escapeIdentifier(c.name)} ${c.type === 'integer' ? 'integer' : 'text'}${c.nullable ? '' : ' NOT NULL'}`,
  );
  const geometryType = table.geometryType === 'POINT' ? 'Point' : 'MultiPolygon';
  await client.query(`CREATE TABLE ${name} (${columns.join(', ')}, geom geometry(${geometryType}, 4326))`);

  // One array parameter per column, unnested server-side: a few round trips for 50k rows.
  const arrays = table.columns.map((c, i) => `$${i + 1}::${c.type === 'integer' ? 'integer' : 'text'}[]`);
  const n = table.columns.length;
  const geometry =
    table.geometryType === 'POINT'
      ? `ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326)`
      : `ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(t.geojson), 4326))`;
  const geometryArrays =
    table.geometryType === 'POINT' ? `$${n + 1}::float8[], $${n + 2}::float8[]` : `$${n + 1}::text[]`;
  const geometryNames = table.geometryType === 'POINT' ? 'lon, lat' : 'geojson';
  const columnNames = table.columns.map((c) => pg.escapeIdentifier(c.name));
  const sql = `INSERT INTO ${name} (${columnNames.join(', ')}, geom)
    SELECT ${columnNames.map((c) => `t.${c}`).join(', ')}, ${geometry}
    FROM unnest(${arrays.join(', ')}, ${geometryArrays}) AS t(${columnNames.join(', ')}, ${geometryNames})`;

  for (let start = 0; start < table.rows.length; start += CHUNK_ROWS) {
    const chunk = table.rows.slice(start, start + CHUNK_ROWS);
    const params: unknown[][] = table.columns.map((_, i) => chunk.map((row) => row.values[i] ?? null));
    if (table.geometryType === 'POINT') {
      params.push(
        chunk.map((row) => row.point![0]),
        chunk.map((row) => row.point![1]),
      );
    } else {
      params.push(chunk.map((row) => row.geojson!));
    }
    await client.query(sql, params);
  }
  await client.query(
    `CREATE INDEX ${pg.escapeIdentifier(`${table.name}_geom_idx`)} ON ${name} USING gist (geom)`,
  );
}

/**
 * Loads the same demo tables as `loadDemoDataIntoSpatialite` into a PostGIS database (creating
 * the postgis extension if missing), with GIST indexes and ANALYZE, in one transaction. Needs a
 * role that can create tables (not the engine's read-only role). Skipped when the version is present.
 */
export async function loadDemoDataIntoPostgis(url: string): Promise<DemoLoadReport> {
  const started = performance.now();
  const secrets = [url];
  try {
    secrets.push(new URL(url).password, new URL(url).hostname);
  } catch {
    // pg reports the bad URL below, scrubbed
  }
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 10_000,
    application_name: 'meridian-demo',
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('BEGIN');
    await client.query('CREATE EXTENSION IF NOT EXISTS postgis');
    const exists = await client.query<{ present: boolean }>(
      "SELECT to_regclass('meridian_demo') IS NOT NULL AS present",
    );
    const present = exists.rows[0]?.present
      ? await client.query<{ version: number | null }>('SELECT max(version) AS version FROM meridian_demo')
      : undefined;
    if (present?.rows[0]?.version === DEMO_DATA_VERSION) {
      await client.query('ROLLBACK');
      return {
        loaded: false,
        version: DEMO_DATA_VERSION,
        tables: [],
        milliseconds: performance.now() - started,
      };
    }
    const dataset = buildDemoDataset();
    for (const table of dataset.tables) await insertTable(client, table);
    await client.query('CREATE TABLE meridian_demo (version integer NOT NULL, loaded_at text NOT NULL)');
    await client.query('INSERT INTO meridian_demo (version, loaded_at) VALUES ($1, $2)', [
      dataset.version,
      new Date().toISOString(),
    ]);
    await client.query('COMMIT');
    for (const table of dataset.tables) await client.query(`ANALYZE ${pg.escapeIdentifier(table.name)}`);
    return {
      loaded: true,
      version: dataset.version,
      tables: dataset.tables.map((t) => ({ name: t.name, rows: t.rows.length })),
      milliseconds: performance.now() - started,
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw toPostgisEngineError(error, secrets);
  } finally {
    await client.end().catch(() => undefined);
  }
}
