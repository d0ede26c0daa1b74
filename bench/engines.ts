/**
 * Engine benchmark: the demo cities × countries spatial join on each engine, time and peak RSS.
 *
 *   node --import tsx bench/engines.ts
 *
 * SpatiaLite runs on a fresh demo file in a temp dir (load time reported too); PostGIS runs when
 * MERIDIAN_TEST_PG_URL (or the local trust server) is reachable, in a throwaway database. Each
 * join runs RUNS times after one warm-up; every query has a timeout, so the script is bounded.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadDemoDataIntoPostgis, loadDemoDataIntoSpatialite } from '../src/demo/index.ts';
import type { Engine } from '../src/engines/Engine.ts';
import { createPostgisEngine } from '../src/engines/postgis/PostgisEngine.ts';
import { createSpatialiteEngine } from '../src/engines/spatialite/SpatialiteEngine.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TIMEOUT_MS = 180_000;
const adminUrl = process.env.MERIDIAN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const JOIN = {
  spatialite: `SELECT count(*) AS n FROM countries k JOIN cities c
    ON c.ROWID IN (SELECT ROWID FROM SpatialIndex WHERE f_table_name = 'cities' AND f_geometry_column = 'geom' AND search_frame = k.geom)
    AND ST_Within(c.geom, k.geom)`,
  postgis: 'SELECT count(*) AS n FROM countries k JOIN cities c ON ST_Within(c.geom, k.geom)',
};

/** Peak RSS of this process (main thread + worker threads + WASM heaps), sampled every 20 ms. */
function rssSampler(): { stop(): number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss());
    },
  };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function timeJoin(name: string, engine: Engine, sql: string): Promise<void> {
  const warm = await engine.run({ sql, params: [] }, { timeoutMs: TIMEOUT_MS });
  const times: number[] = [];
  const rss = rssSampler();
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await engine.run({ sql, params: [] }, { timeoutMs: TIMEOUT_MS });
    times.push(performance.now() - started);
  }
  console.log(
    `${name.padEnd(10)} cities×countries join: ${warm.rows[0]!.n} matches, median ${median(times).toFixed(0)} ms (runs: ${times.map((t) => t.toFixed(0)).join(', ')}), peak RSS ${mb(rss.stop())}`,
  );
}

async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  console.log(`engines bench: ${RUNS} timed runs after a warm-up; RSS includes worker threads`);
  const dir = mkdtempSync(join(tmpdir(), 'meridian-bench-'));
  try {
    const file = join(dir, 'demo.sqlite');
    const load = await loadDemoDataIntoSpatialite(file);
    console.log(
      `spatialite demo load: ${load.milliseconds.toFixed(0)} ms (${load.tables.map((t) => `${t.name} ${t.rows}`).join(', ')})`,
    );
    const spatialite = createSpatialiteEngine({ file, poolSize: 1 });
    try {
      await timeJoin('spatialite', spatialite, JOIN.spatialite);
    } finally {
      await spatialite.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  if (!(await postgresAvailable())) {
    console.log('postgis    skipped: PostgreSQL not reachable (set MERIDIAN_TEST_PG_URL)');
    return;
  }
  const name = `meridian_bench_${Date.now()}`;
  const adminClient = new pg.Client({ connectionString: adminUrl });
  await adminClient.connect();
  await adminClient.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  try {
    const load = await loadDemoDataIntoPostgis(url.toString());
    console.log(`postgis demo load: ${load.milliseconds.toFixed(0)} ms`);
    const postgis = createPostgisEngine({ url: url.toString(), statementTimeoutMs: TIMEOUT_MS });
    try {
      await timeJoin('postgis', postgis, JOIN.postgis);
    } finally {
      await postgis.close();
    }
  } finally {
    await adminClient.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await adminClient.end();
  }
}

await main();
