import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as turf from '@turf/turf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EDGE_DISTANCE_M, EDGE_SPOTS, type Spot } from './support/edgeSpots.ts';
import {
  createSpatialiteEngine,
  type SpatialiteEngine,
} from '../../../src/engines/spatialite/SpatialiteEngine.ts';
import {
  applyHostSteps,
  catalogFromDescription,
  compileWorkflow,
  type CatalogLookup,
} from '../../../src/workflows/index.ts';

/**
 * On SpatiaLite, filters and joins over a table with a spatial index take their candidate rows
 * from its R*Tree. They must keep exactly the rows the same workflow keeps over a copy of the
 * table without an index, where boxes are easiest to get wrong (across the antimeridian, over a
 * pole), and the curated places must match turf's distances.
 */
type Row = Record<string, unknown>;

const curated = EDGE_SPOTS;
const METERS = EDGE_DISTANCE_M;

/** Deterministic clutter: a world grid and clouds around the antimeridian and the pole. */
function clutter(): Spot[] {
  let seed = 7;
  const next = () => (seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647;
  const spots: Spot[] = [];
  for (let lon = -180; lon < 180; lon += 9)
    for (let lat = -84; lat <= 84; lat += 7) spots.push([`g${lon}_${lat}`, lon, lat]);
  for (let i = 0; i < 150; i++) {
    const lon = 179 + next() * 2; // 179 … 181, wrapped into [-180, 180]
    spots.push([`am${i}`, lon > 180 ? lon - 360 : lon, 9 + next() * 2]);
    spots.push([`np${i}`, -180 + next() * 360, 88.5 + next() * 1.49]);
  }
  return spots;
}
const spots = [...curated, ...clutter()];

const distance = (a: [number, number], b: [number, number]) => turf.distance(a, b, { units: 'meters' });
const labels = (rows: Row[], column = 'label') => rows.map((r) => r[column] as string).sort();

/** A workflow reading `table` (as node `t`) with `nodes` after it; the last node is the output. */
function over(table: string, nodes: Record<string, unknown>[]) {
  return {
    name: 'test',
    parameters: [],
    nodes: [{ id: 't', component: 'table', config: { table } }, ...nodes],
    output: nodes.at(-1)!.id as string,
  };
}

const point = (lon: number, lat: number) => ({ type: 'Point', coordinates: [lon, lat] });
const centers = turf.featureCollection([
  turf.point([179.9, 10], { c: 'am' }),
  turf.point([0, 89.9], { c: 'np' }),
]);
const zones = turf.featureCollection([
  turf.polygon(
    [
      [
        [178.5, 9],
        [180, 9],
        [180, 11],
        [178.5, 11],
        [178.5, 9],
      ],
    ],
    { zone: 'east_of_am' },
  ),
  turf.polygon(
    [
      [
        [-180, 9.5],
        [-179, 9.5],
        [-179, 10.5],
        [-180, 9.5],
      ],
    ],
    { zone: 'west_of_am' },
  ),
  turf.polygon(
    [
      [
        [-30, 88.8],
        [120, 88.8],
        [120, 89.95],
        [-30, 89.95],
        [-30, 88.8],
      ],
    ],
    { zone: 'polar' },
  ),
]);

/** Each case, written once over a table name; run over the indexed table and its plain copy. */
const cases: [string, (table: string) => unknown][] = [
  ...curated
    .filter((_, i) => i === 0 || i === 5)
    .map(([label, lon, lat]): [string, (table: string) => unknown] => [
      `spatial_filter within_distance of one point (${label})`,
      (table) =>
        over(table, [
          { id: 'p', component: 'geometry_input', config: { geometry: point(lon, lat) } },
          {
            id: 'f',
            component: 'spatial_filter',
            inputs: { input: 't', filter: 'p' },
            config: { predicate: 'within_distance', distance_m: METERS },
          },
        ]),
    ]),
  ...curated
    .filter((_, i) => i === 0 || i === 5)
    .flatMap(([label, lon, lat]): [string, (table: string) => unknown][] => [
      [
        `spatial_filter within_distance of a point_input (${label})`,
        (table) =>
          over(table, [
            { id: 'p', component: 'point_input', config: { lon, lat } },
            {
              id: 'f',
              component: 'spatial_filter',
              inputs: { input: 't', filter: 'p' },
              config: { predicate: 'within_distance', distance_m: METERS },
            },
          ]),
      ],
      [
        `spatial_join within_distance to a point_input (${label})`,
        (table) =>
          over(table, [
            { id: 'p', component: 'point_input', config: { lon, lat } },
            {
              id: 'j',
              component: 'spatial_join',
              inputs: { left: 't', right: 'p' },
              config: { predicate: 'within_distance', distance_m: METERS },
            },
          ]),
      ],
    ]),
  [
    'spatial_filter within_distance of several points',
    (table) =>
      over(table, [
        { id: 'p', component: 'geojson_features', config: { features: centers } },
        {
          id: 'f',
          component: 'spatial_filter',
          inputs: { input: 't', filter: 'p' },
          config: { predicate: 'within_distance', distance_m: METERS },
        },
      ]),
  ],
  [
    'spatial_join within_distance (inner)',
    (table) =>
      over(table, [
        { id: 'p', component: 'geojson_features', config: { features: centers } },
        {
          id: 'j',
          component: 'spatial_join',
          inputs: { left: 't', right: 'p' },
          config: { predicate: 'within_distance', distance_m: METERS },
        },
      ]),
  ],
  [
    'spatial_join within polygons (inner)',
    (table) =>
      over(table, [
        { id: 'z', component: 'geojson_features', config: { features: zones } },
        {
          id: 'j',
          component: 'spatial_join',
          inputs: { left: 't', right: 'z' },
          config: { predicate: 'within' },
        },
      ]),
  ],
  [
    'spatial_filter intersects several polygons',
    (table) =>
      over(table, [
        { id: 'z', component: 'geojson_features', config: { features: zones } },
        {
          id: 'f',
          component: 'spatial_filter',
          inputs: { input: 't', filter: 'z' },
          config: { predicate: 'intersects' },
        },
      ]),
  ],
  [
    'spatial_filter intersects one polygon',
    (table) =>
      over(table, [
        { id: 'z', component: 'geometry_input', config: { geometry: zones.features[2]!.geometry } },
        {
          id: 'f',
          component: 'spatial_filter',
          inputs: { input: 't', filter: 'z' },
          config: { predicate: 'intersects' },
        },
      ]),
  ],
  [
    'bbox_filter',
    (table) =>
      over(table, [
        { id: 'b', component: 'bbox_filter', inputs: { input: 't' }, config: { bbox: [179, 9, 180, 11] } },
      ]),
  ],
];

describe('R*Tree candidates on SpatiaLite', () => {
  let dir: string;
  let engine: SpatialiteEngine;
  let catalog: CatalogLookup;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meridian-rtree-'));
    const file = join(dir, 'spots.sqlite');
    const writer = createSpatialiteEngine({ file, readOnly: false });
    const rows = spots.map(([label, lon, lat]) => [label, lon, lat]);
    await writer.write([
      { sql: 'SELECT InitSpatialMetaData()', params: [] },
      ...['spots', 'spots_plain'].flatMap((table) => [
        {
          sql: `CREATE TABLE ${table} (id INTEGER PRIMARY KEY, label TEXT NOT NULL, geom POINT)`,
          params: [],
        },
        { sql: `INSERT INTO ${table} (label, geom) VALUES (?, MakePoint(?, ?, 4326))`, rows },
        { sql: 'SELECT RecoverGeometryColumn(?, ?, 4326, ?, ?)', params: [table, 'geom', 'POINT', 'XY'] },
      ]),
      { sql: "SELECT CreateSpatialIndex('spots', 'geom')", params: [] },
    ]);
    await writer.close();
    engine = createSpatialiteEngine({ file, poolSize: 1 });
    catalog = catalogFromDescription(await engine.describe());
  });

  afterAll(async () => {
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = async (doc: unknown) => {
    const compiled = compileWorkflow(doc, { dialect: 'spatialite', catalog, args: {} });
    return {
      sql: compiled.query.sql,
      rows: applyHostSteps((await engine.run(compiled.query)).rows, compiled.hostSteps),
    };
  };

  it('describe() names the R*Tree of an indexed geometry column, and only of that one', async () => {
    const tables = (await engine.describe()).tables;
    expect(tables.find((t) => t.name === 'spots')!.columns.at(-1)!.spatialIndexTable).toBe('idx_spots_geom');
    expect(tables.find((t) => t.name === 'spots_plain')!.columns.at(-1)!.spatialIndexTable).toBeUndefined();
    // The index itself is no table a workflow reads.
    expect(tables.map((t) => t.name)).not.toContain('idx_spots_geom');
  });

  for (const [title, workflow] of cases) {
    it(`${title}: the same rows through the index as without it`, async () => {
      const indexed = await run(workflow('spots'));
      const plain = await run(workflow('spots_plain'));
      expect(indexed.sql).toContain('"idx_spots_geom"');
      expect(plain.sql).not.toContain('idx_');
      expect(indexed.rows.length).toBeGreaterThan(2);
      const key = (r: Row) => JSON.stringify(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)));
      expect(indexed.rows.map(key).sort()).toEqual(plain.rows.map(key).sort());
    });
  }

  it('keeps what turf keeps across the antimeridian and over the pole', async () => {
    for (const [label, lon, lat] of [curated[0]!, curated[5]!]) {
      const expected = curated.filter(([, x, y]) => distance([x, y], [lon, lat]) <= METERS).map(([l]) => l);
      expect(expected.length, label).toBeGreaterThan(2);
      for (const source of [
        { id: 'p', component: 'geometry_input', config: { geometry: point(lon, lat) } },
        { id: 'p', component: 'point_input', config: { lon, lat } },
      ]) {
        const near = await run(
          over('spots', [
            source,
            {
              id: 'f',
              component: 'spatial_filter',
              inputs: { input: 't', filter: 'p' },
              config: { predicate: 'within_distance', distance_m: METERS },
            },
          ]),
        );
        const found = new Set(labels(near.rows));
        // Curated places on both sides of the antimeridian / the pole are in; the far ones out.
        for (const [l] of curated)
          expect(found.has(l), `${source.component} ${l}`).toBe(expected.includes(l));
      }
    }
  });
});
