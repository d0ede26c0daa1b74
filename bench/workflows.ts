/**
 * Example workflows compiled by Meridian vs the same queries written by hand, on SpatiaLite
 * (embedded engine, demo data) and PostGIS (when PostgreSQL is reachable). Prints the median
 * time of each and the ratio compiled / hand (goal ≤ 1.15). Standalone:
 *   node --import tsx bench/workflows.ts
 * Compiled and hand runs alternate (which goes first alternates too), so a neighbour's burst of
 * load on this shared machine hits both sides alike. Each pair runs at least BENCH_RUNS times
 * (default 3) and, for fast queries, until BENCH_MIN_MS (default 2000) of timed work or 400
 * pairs: a 2 ms query measured 3 times gave ratios anywhere from 0.8 to 2. BENCH_ENGINES=
 * spatialite or postgis runs one engine; BENCH_CASES=counties-in-polygon,… runs some workflows.
 * The PostGIS engine turns PostgreSQL's JIT off per session (it cost ~350 ms on these plans).
 */
const engines = (process.env.BENCH_ENGINES ?? 'spatialite,postgis').split(',');
const only = process.env.BENCH_CASES?.split(',');
import { readFileSync } from 'node:fs';
import { cellToBoundary, latLngToCell } from 'h3-js';
import type { CompiledQuery, Dialect, Engine } from '../src/engines/Engine.ts';
import {
  applyHostSteps,
  catalogFromDescription,
  compileWorkflow,
  parseWorkflowDocument,
} from '../src/workflows/index.ts';
import {
  postgisDemoEngine,
  spatialiteDemoEngine,
  type DemoEngine,
} from '../test/integration/workflows/support/demoEngines.ts';
import { postgresReachable } from '../test/support/postgres.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const MIN_MS = Number(process.env.BENCH_MIN_MS ?? 2000);
const MAX_PAIRS = 400;
type Rows = Record<string, unknown>[];

interface Case {
  file: string;
  args: Record<string, unknown>;
  /** The query a person would write for the same answer, and any work done after it in Node. */
  hand: Record<Dialect, CompiledQuery>;
  after?: (rows: Rows) => Rows;
}

const paris = { lon: 2.3522, lat: 48.8566, radius_m: 30_000, max_results: 100 };
/**
 * The box a person puts in front of a distance test so the spatial index can answer first:
 * metres to degrees with the shortest degree of latitude (110 574 m) and the degree of longitude
 * at the far edge of the box (Paris is nowhere near a pole or the antimeridian).
 */
const parisBox = (() => {
  const dLat = paris.radius_m / 110_574;
  const dLon = paris.radius_m / (111_320 * Math.cos(((Math.abs(paris.lat) + dLat) * Math.PI) / 180));
  return [paris.lon - dLon, paris.lat - dLat, paris.lon + dLon, paris.lat + dLat];
})();
const bbox = [5, 45, 15, 55];
/** The same box as R*Tree bounds in the order the queries name them: xmax ≥ west, xmin ≤ east, ymax ≥ south, ymin ≤ north. */
const rtreeBox = [bbox[0]!, bbox[2]!, bbox[1]!, bbox[3]!];
const drawn = {
  type: 'Polygon',
  coordinates: [
    [
      [-105, 39],
      [-104, 39],
      [-104, 40.2],
      [-105, 39],
    ],
  ],
};

const cases: Case[] = [
  {
    file: 'cities-within-radius.json',
    args: paris,
    hand: {
      spatialite: {
        sql: "SELECT name, country, population, ST_Distance(geom, MakePoint(?, ?, 4326), 1) AS distance_m, AsGeoJSON(geom, 9) AS geom FROM cities WHERE rowid IN (SELECT rowid FROM SpatialIndex WHERE f_table_name = 'cities' AND search_frame = BuildMbr(?, ?, ?, ?, 4326)) AND ST_Distance(geom, MakePoint(?, ?, 4326), 1) <= ? ORDER BY distance_m, name LIMIT ?",
        params: [paris.lon, paris.lat, ...parisBox, paris.lon, paris.lat, paris.radius_m, paris.max_results],
      },
      postgis: {
        sql: 'SELECT name, country, population, ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography) AS distance_m, ST_AsGeoJSON(geom, 9) AS geom FROM cities WHERE geom && ST_MakeEnvelope($5, $6, $7, $8, 4326) AND ST_DWithin(geom::geography, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography, $3) ORDER BY distance_m, name LIMIT $4',
        params: [paris.lon, paris.lat, paris.radius_m, paris.max_results, ...parisBox],
      },
    },
  },
  {
    file: 'population-by-country-in-bbox.json',
    args: { bbox, min_population: 5000 },
    hand: {
      // What an expert writes: the cities in the box and the countries near it from their R*Trees;
      // the countries cut into parts of at most 256 vertices (SpatiaLite parses the whole polygon
      // on every ST_Within), each piece outside with its candidate cities from the R*Tree inside.
      spatialite: {
        sql: `WITH parts AS MATERIALIZED (SELECT name, CASE WHEN ST_NPoints(geom) > 256 THEN ST_Subdivide(geom, 256) ELSE geom END AS g FROM countries WHERE rowid IN (SELECT pkid FROM idx_countries_geom WHERE xmax >= ? AND xmin <= ? AND ymax >= ? AND ymin <= ?)),
          pieces AS MATERIALIZED (SELECT name, GeometryN(g, n.value) AS piece FROM parts, generate_series(1, ST_NumGeometries(parts.g)) AS n),
          joined AS (SELECT pieces.name AS country_name, ci.population AS population FROM pieces CROSS JOIN cities ci WHERE ci.rowid IN (SELECT pkid FROM idx_cities_geom WHERE xmax >= ? AND xmin <= ? AND ymax >= ? AND ymin <= ? AND xmax >= MbrMinX(pieces.piece) AND xmin <= MbrMaxX(pieces.piece) AND ymax >= MbrMinY(pieces.piece) AND ymin <= MbrMaxY(pieces.piece)) AND MbrIntersects(ci.geom, BuildMbr(?, ?, ?, ?, 4326)) AND ci.population >= ? AND ST_Within(ci.geom, pieces.piece)),
          ranked AS (SELECT country_name, population, ROW_NUMBER() OVER (PARTITION BY country_name ORDER BY population) - 1 AS rn, COUNT(*) OVER (PARTITION BY country_name) AS n FROM joined)
          SELECT country_name, count(*) AS cities, sum(population) AS population,
            sum(CASE WHEN rn = CAST((n - 1) / 2 AS INTEGER) THEN population * (1 - ((n - 1) / 2.0 - CAST((n - 1) / 2 AS INTEGER))) WHEN rn = CAST((n - 1) / 2 AS INTEGER) + 1 THEN population * ((n - 1) / 2.0 - CAST((n - 1) / 2 AS INTEGER)) ELSE 0 END) AS median_city_population
          FROM ranked GROUP BY country_name ORDER BY population DESC, country_name`,
        params: [...rtreeBox, ...rtreeBox, ...bbox, 5000],
      },
      postgis: {
        sql: `SELECT co.name AS country_name, count(*)::float8 AS cities, sum(ci.population)::float8 AS population, percentile_cont(0.5) WITHIN GROUP (ORDER BY ci.population) AS median_city_population
          FROM cities ci JOIN countries co ON ST_Within(ci.geom, co.geom)
          WHERE ci.geom && ST_MakeEnvelope($1, $2, $3, $4, 4326) AND ST_Intersects(ci.geom, ST_MakeEnvelope($1, $2, $3, $4, 4326)) AND ci.population >= $5
          GROUP BY co.name ORDER BY population DESC, country_name`,
        params: [...bbox, 5000],
      },
    },
  },
  {
    file: 'h3-city-density.json',
    args: { resolution: 4, bbox },
    hand: {
      spatialite: {
        // The R*Tree names the cities in the box; the exact box test after it (its boxes are rounded outwards).
        sql: 'SELECT population, X(geom) AS lon, Y(geom) AS lat FROM cities WHERE rowid IN (SELECT pkid FROM idx_cities_geom WHERE xmax >= ? AND xmin <= ? AND ymax >= ? AND ymin <= ?) AND MbrIntersects(geom, BuildMbr(?, ?, ?, ?, 4326))',
        params: [...rtreeBox, ...bbox],
      },
      postgis: {
        sql: 'SELECT population, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM cities WHERE geom && ST_MakeEnvelope($1, $2, $3, $4, 4326)',
        params: bbox,
      },
    },
    // The same answer as the workflow: per cell the count, the population and the cell's polygon.
    after: (rows) => {
      const cells = new Map<string, { cities: number; population: number }>();
      for (const r of rows) {
        const cell = latLngToCell(r.lat as number, r.lon as number, 4);
        const c = cells.get(cell) ?? { cities: 0, population: 0 };
        cells.set(cell, { cities: c.cities + 1, population: c.population + Number(r.population) });
      }
      return [...cells].map(([h3_cell, c]) => ({
        h3_cell,
        ...c,
        geom: JSON.stringify({ type: 'Polygon', coordinates: [cellToBoundary(h3_cell, true)] }),
      }));
    },
  },
  {
    file: 'nearest-cities.json',
    args: { lon: 13.405, lat: 52.52, k: 5, min_population: 5000 },
    hand: {
      spatialite: {
        sql: 'SELECT name, country, population, ST_Distance(geom, MakePoint(?, ?, 4326), 1) AS distance_m, AsGeoJSON(geom, 9) AS geom FROM cities WHERE population >= ? ORDER BY distance_m LIMIT ?',
        params: [13.405, 52.52, 5000, 5],
      },
      postgis: {
        sql: 'SELECT name, country, population, ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography) AS distance_m, ST_AsGeoJSON(geom, 9) AS geom FROM cities WHERE population >= $3 ORDER BY distance_m LIMIT $4',
        params: [13.405, 52.52, 5000, 5],
      },
    },
    // The workflow also returns each city's rank: number the k rows as a person would.
    after: (rows) => rows.map((r, i) => ({ rank: i + 1, ...r })),
  },
  {
    file: 'counties-in-polygon.json',
    args: { area: drawn },
    hand: {
      spatialite: {
        // The counties' R*Tree with the drawn polygon's box, then the exact test.
        sql: 'SELECT id, name, state, AsGeoJSON(geom, 9) AS geom, ST_Area(geom, 1) AS area_m2 FROM us_counties WHERE rowid IN (SELECT pkid FROM idx_us_counties_geom WHERE xmax >= ? AND xmin <= ? AND ymax >= ? AND ymin <= ?) AND ST_Intersects(geom, SetSRID(GeomFromGeoJSON(?), 4326)) ORDER BY state, name',
        params: [-105, -104, 39, 40.2, JSON.stringify(drawn)],
      },
      postgis: {
        sql: 'SELECT id, name, state, ST_AsGeoJSON(geom, 9) AS geom, ST_Area(geom::geography) AS area_m2 FROM us_counties WHERE ST_Intersects(geom, ST_SetSRID(ST_GeomFromGeoJSON($1), 4326)) ORDER BY state, name',
        params: [JSON.stringify(drawn)],
      },
    },
  },
];

interface Timed {
  ms: number;
}

/** What a run returns: its row count and the column names, to check both sides answer alike. */
interface Answer {
  rows: number;
  columns: string;
}

const answer = (rows: Rows): Answer => ({
  rows: rows.length,
  columns: Object.keys(rows[0] ?? {})
    .sort()
    .join(','),
});

function medianOf(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median times of two ways to the same answer, measured in alternating pairs after a warm-up each. */
async function medianPair(
  first: () => Promise<Answer>,
  second: () => Promise<Answer>,
): Promise<{ first: Timed & Answer; second: Timed & Answer; pairs: number }> {
  const rows = [await first(), await second()]; // warm-up (caches, plans, worker start)
  const times: [number[], number[]] = [[], []];
  const runs = [first, second];
  let spent = 0;
  for (let i = 0; i < MAX_PAIRS && (i < RUNS || spent < MIN_MS); i++) {
    for (const side of i % 2 ? [1, 0] : [0, 1]) {
      const started = performance.now();
      rows[side] = await runs[side]!();
      const ms = performance.now() - started;
      times[side]!.push(ms);
      spent += ms;
    }
  }
  return {
    first: { ms: medianOf(times[0]), ...rows[0]! },
    second: { ms: medianOf(times[1]), ...rows[1]! },
    pairs: times[0].length,
  };
}

async function bench(name: string, demo: DemoEngine): Promise<void> {
  const engine: Engine = demo.engine;
  const catalog = catalogFromDescription(await engine.describe());
  console.log(`\n${name}`);
  console.log(
    'workflow'.padEnd(36),
    'compiled ms'.padStart(12),
    'hand ms'.padStart(10),
    'ratio'.padStart(7),
    'rows'.padStart(7),
    'runs'.padStart(6),
  );
  for (const c of cases.filter((k) => !only || only.includes(k.file.replace('.json', '')))) {
    const doc = parseWorkflowDocument(
      readFileSync(new URL(`../examples/workflows/${c.file}`, import.meta.url), 'utf8'),
    );
    const compiled = compileWorkflow(doc, { dialect: engine.dialect, catalog, args: c.args });
    const options = { maxRows: 100_000, timeoutMs: 300_000 };
    const {
      first: mine,
      second: hand,
      pairs,
    } = await medianPair(
      async () =>
        answer(applyHostSteps((await engine.run(compiled.query, options)).rows, compiled.hostSteps)),
      async () => {
        const rows = (await engine.run(c.hand[engine.dialect], options)).rows;
        return answer(c.after ? c.after(rows) : rows);
      },
    );
    const flag =
      (mine.rows === hand.rows ? '' : `  (row counts differ: ${mine.rows} vs ${hand.rows})`) +
      (mine.columns === hand.columns ? '' : `  (columns differ: ${mine.columns} vs ${hand.columns})`);
    console.log(
      c.file.replace('.json', '').padEnd(36),
      mine.ms.toFixed(2).padStart(12),
      hand.ms.toFixed(2).padStart(10),
      (mine.ms / hand.ms).toFixed(2).padStart(7),
      String(mine.rows).padStart(7),
      String(pairs).padStart(6) + flag,
    );
  }
}

if (engines.includes('spatialite')) {
  const lite = await spatialiteDemoEngine();
  try {
    await bench('SpatiaLite (spl.js worker, demo data)', lite);
  } finally {
    await lite.close();
  }
}
if (!engines.includes('postgis')) {
  // skipped on request
} else if (await postgresReachable()) {
  const pg = await postgisDemoEngine();
  try {
    await bench('PostGIS (pg, demo data, no extra indexes)', pg);
  } finally {
    await pg.close();
  }
} else {
  console.log('\nPostGIS: PostgreSQL not reachable, skipped');
}
