/**
 * Engine benchmark: the demo cities × countries spatial join (49k points × 241 polygons) on each
 * engine, printed as times and as ratios to PostGIS from one run:
 *
 *   node --import tsx bench/engines.ts
 *
 * SpatiaLite runs twice: the SQL the workflow compiler emits for a spatial_join (within) and the
 * query an expert writes by hand (the countries cut into small pieces, the cities' R*Tree for
 * candidates, one GEOS test per candidate). PostGIS runs when MERIDIAN_TEST_PG_URL (or the local
 * trust server) is reachable, in a throwaway database. The three run in turns, RUNS rounds after
 * a warm-up each, so a neighbour's burst of load on this shared machine hits them alike. Every
 * query has a timeout, so the script is bounded. Peak RSS is this process's, workers included.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadDemoDataIntoPostgis, loadDemoDataIntoSpatialite } from '../src/demo/index.ts';
import type { CompiledQuery, Engine } from '../src/engines/Engine.ts';
import { createPostgisEngine } from '../src/engines/postgis/PostgisEngine.ts';
import { createSpatialiteEngine } from '../src/engines/spatialite/SpatialiteEngine.ts';
import { catalogFromDescription, compileWorkflow, parseWorkflowDocument } from '../src/workflows/index.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TIMEOUT_MS = 180_000;
const adminUrl = process.env.MERIDIAN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * What an expert writes on SpatiaLite: SpatiaLite parses both geometries on every ST_Within
 * call, so a point against an 11,000-vertex country costs the whole parse each time. Cut into
 * parts of at most 256 vertices (once, materialized), each piece takes its candidate cities
 * from the cities' R*Tree and GEOS sees the same small piece many times in a row (prepared).
 */
const EXPERT_SPATIALITE = `WITH parts AS MATERIALIZED (
    SELECT rowid AS country, CASE WHEN ST_NPoints(geom) > 256 THEN ST_Subdivide(geom, 256) ELSE geom END AS g FROM countries),
  pieces AS MATERIALIZED (SELECT country, GeometryN(g, n.value) AS piece FROM parts, generate_series(1, ST_NumGeometries(parts.g)) AS n)
  SELECT count(*) AS n FROM pieces CROSS JOIN cities c
  WHERE c.rowid IN (SELECT pkid FROM idx_cities_geom WHERE xmax >= MbrMinX(pieces.piece) AND xmin <= MbrMaxX(pieces.piece) AND ymax >= MbrMinY(pieces.piece) AND ymin <= MbrMaxY(pieces.piece))
    AND ST_Within(c.geom, pieces.piece)`;
const POSTGIS = 'SELECT count(*) AS n FROM countries k JOIN cities c ON ST_Within(c.geom, k.geom)';

/** The workflow compiler's spatial join of the whole tables, counted. */
async function compiledJoin(engine: Engine): Promise<CompiledQuery> {
  const doc = parseWorkflowDocument(
    JSON.stringify({
      name: 'cities_by_country',
      connection: 'demo',
      nodes: [
        { id: 'cities', component: 'table', config: { table: 'cities', columns: ['name', 'geom'] } },
        { id: 'countries', component: 'table', config: { table: 'countries', columns: ['name', 'geom'] } },
        {
          id: 'located',
          component: 'spatial_join',
          inputs: { left: 'cities', right: 'countries' },
          config: { predicate: 'within', right_prefix: 'country_' },
        },
        {
          id: 'count',
          component: 'aggregate',
          inputs: { input: 'located' },
          config: { by: [], aggregates: [{ op: 'count', as: 'n' }] },
        },
        { id: 'result', component: 'result', inputs: { input: 'count' } },
      ],
      output: 'result',
    }),
  );
  const catalog = catalogFromDescription(await engine.describe());
  return compileWorkflow(doc, { dialect: engine.dialect, catalog, args: {} }).query;
}

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

interface Contender {
  name: string;
  engine: Engine;
  query: CompiledQuery;
  times: number[];
  matches?: unknown;
}

async function timeOnce(c: Contender): Promise<void> {
  const started = performance.now();
  const result = await c.engine.run(c.query, { timeoutMs: TIMEOUT_MS });
  c.times.push(performance.now() - started);
  c.matches = result.rows[0]!.n;
}

/** Warm-up each, then RUNS rounds in which every contender runs once (order rotating). */
async function race(contenders: Contender[]): Promise<void> {
  for (const c of contenders) {
    await timeOnce(c);
    c.times.length = 0;
  }
  for (let round = 0; round < RUNS; round++) {
    for (let i = 0; i < contenders.length; i++) await timeOnce(contenders[(round + i) % contenders.length]!);
  }
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
  console.log(
    `engines bench: ${RUNS} rounds after a warm-up, contenders in turns; RSS includes worker threads`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'meridian-bench-'));
  const closers: (() => Promise<unknown>)[] = [];
  const pgName = `meridian_bench_${Date.now()}`;
  const adminClient = new pg.Client({ connectionString: adminUrl });
  let pgCreated = false;
  try {
    const file = join(dir, 'demo.sqlite');
    const load = await loadDemoDataIntoSpatialite(file);
    console.log(
      `spatialite demo load: ${load.milliseconds.toFixed(0)} ms (${load.tables.map((t) => `${t.name} ${t.rows}`).join(', ')})`,
    );
    const spatialite = createSpatialiteEngine({ file, poolSize: 1 });
    closers.push(() => spatialite.close());
    const contenders: Contender[] = [
      { name: 'spatialite compiled', engine: spatialite, query: await compiledJoin(spatialite), times: [] },
      {
        name: 'spatialite expert',
        engine: spatialite,
        query: { sql: EXPERT_SPATIALITE, params: [] },
        times: [],
      },
    ];
    if (await postgresAvailable()) {
      await adminClient.connect();
      await adminClient.query(`CREATE DATABASE ${pgName}`);
      pgCreated = true;
      const url = new URL(adminUrl);
      url.pathname = `/${pgName}`;
      const pgLoad = await loadDemoDataIntoPostgis(url.toString());
      console.log(`postgis demo load: ${pgLoad.milliseconds.toFixed(0)} ms`);
      const postgis = createPostgisEngine({ url: url.toString(), statementTimeoutMs: TIMEOUT_MS });
      closers.push(() => postgis.close());
      contenders.push({ name: 'postgis', engine: postgis, query: { sql: POSTGIS, params: [] }, times: [] });
    } else {
      console.log('postgis    skipped: PostgreSQL not reachable (set MERIDIAN_TEST_PG_URL)');
    }
    const rss = rssSampler();
    await race(contenders);
    const peak = rss.stop();
    const postgis = contenders.find((c) => c.name === 'postgis');
    for (const c of contenders) {
      const ratio = postgis ? `, ${(median(c.times) / median(postgis.times)).toFixed(2)}× PostGIS` : '';
      console.log(
        `${c.name.padEnd(20)} cities×countries join: ${String(c.matches)} matches, median ${median(c.times).toFixed(0)} ms (runs: ${c.times.map((t) => t.toFixed(0)).join(', ')})${ratio}`,
      );
    }
    const expert = contenders[1]!;
    console.log(
      `spatialite compiled / expert: ${(median(contenders[0]!.times) / median(expert.times)).toFixed(2)}; peak RSS ${mb(peak)}`,
    );
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    if (pgCreated) await adminClient.query(`DROP DATABASE IF EXISTS ${pgName} WITH (FORCE)`);
    await adminClient.end().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
