import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSpatialiteEngine,
  type SpatialiteEngine,
} from '../../../src/engines/spatialite/SpatialiteEngine.ts';
import { catalogFromDescription, compileWorkflow, type CatalogLookup } from '../../../src/workflows/index.ts';

/**
 * On SpatiaLite a spatial_join of points against large polygons tests each point against small
 * pieces of the polygon (ST_Subdivide) instead of the whole polygon. It must keep exactly the
 * pairs SpatiaLite keeps testing the whole polygons: points inside, outside, in a hole, on the
 * polygon's border and — the hard case — on a line where the polygon was cut, which is inside
 * the polygon but inside none of its pieces.
 */
type Row = Record<string, unknown>;

/** A ring of `n` vertices wobbling around a circle: many vertices, so it is cut into pieces. */
function gear(cx: number, cy: number, radius: number, n: number, reverse = false): [number, number][] {
  const ring: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const a = (2 * Math.PI * i) / n;
    const r = radius * (1 + 0.08 * Math.sin(a * 37));
    ring.push([cx + r * Math.cos(a), cy + r * Math.sin(a)]);
  }
  if (reverse) ring.reverse();
  ring.push(ring[0]!);
  return ring;
}
const wkt = (rings: [number, number][][]) =>
  `(${rings.map((r) => `(${r.map((p) => p.join(' ')).join(', ')})`).join(', ')})`;

const big = [gear(10, 10, 8, 1500), gear(10, 10, 2, 400, true)]; // a hole in the middle
const small = [
  [
    [30, 0],
    [34, 0],
    [34, 4],
    [30, 4],
    [30, 0],
  ] as [number, number][],
];
const shapes: [string, string][] = [
  ['big', `MULTIPOLYGON(${wkt(big)}, ${wkt([gear(25, 25, 3, 700)])})`],
  ['small', `MULTIPOLYGON(${wkt(small)})`],
];

describe('spatial_join against polygons cut into pieces (SpatiaLite)', () => {
  let dir: string;
  let engine: SpatialiteEngine;
  let catalog: CatalogLookup;
  let onCutLines = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meridian-pieces-'));
    const file = join(dir, 'pieces.sqlite');
    const writer = createSpatialiteEngine({ file, readOnly: false });
    await writer.write([
      { sql: 'SELECT InitSpatialMetaData()', params: [] },
      {
        sql: 'CREATE TABLE shapes (id INTEGER PRIMARY KEY, name TEXT NOT NULL, geom MULTIPOLYGON)',
        params: [],
      },
      {
        sql: 'INSERT INTO shapes (name, geom) VALUES (?, GeomFromText(?, 4326))',
        rows: shapes.map(([name, text]) => [name, text]),
      },
      {
        sql: 'SELECT RecoverGeometryColumn(?, ?, 4326, ?, ?)',
        params: ['shapes', 'geom', 'MULTIPOLYGON', 'XY'],
      },
    ]);
    // Points on the cut lines: midpoints of the pieces' axis-parallel edges (exact in floating
    // point, so they lie on the line), plus every vertex of every piece.
    const pieces = await writer.run(
      {
        sql: 'SELECT AsGeoJSON(GeometryN(s.g, n.value)) AS piece FROM (SELECT ST_Subdivide(geom, 256) AS g FROM shapes) AS s, generate_series(1, ST_NumGeometries(s.g)) AS n',
        params: [],
      },
      { maxRows: 100_000 },
    );
    expect(pieces.rows.length).toBeGreaterThan(8);
    const spots: [string, number, number][] = [];
    for (const { piece } of pieces.rows) {
      const polygon = JSON.parse(piece as string) as GeoJSON.Polygon;
      for (const ring of polygon.coordinates)
        for (let i = 0; i + 1 < ring.length; i++) {
          const [a, b] = [ring[i]!, ring[i + 1]!];
          spots.push([`v${spots.length}`, a[0]!, a[1]!]);
          if (a[0] === b[0] || a[1] === b[1])
            spots.push([`m${spots.length}`, (a[0]! + b[0]!) / 2, (a[1]! + b[1]!) / 2]);
        }
    }
    for (let x = -1; x <= 35; x += 0.5) for (let y = -1; y <= 30; y += 0.5) spots.push([`g${x}_${y}`, x, y]);
    await writer.write(
      ['spots', 'spots_plain'].flatMap((table) => [
        {
          sql: `CREATE TABLE ${table} (id INTEGER PRIMARY KEY, label TEXT NOT NULL, geom POINT)`,
          params: [],
        },
        { sql: `INSERT INTO ${table} (label, geom) VALUES (?, MakePoint(?, ?, 4326))`, rows: spots },
        { sql: 'SELECT RecoverGeometryColumn(?, ?, 4326, ?, ?)', params: [table, 'geom', 'POINT', 'XY'] },
      ]),
    );
    await writer.write([{ sql: "SELECT CreateSpatialIndex('spots', 'geom')", params: [] }]);
    // Inside a polygon yet inside none of its pieces: only the edge case of the join finds them.
    const cut = await writer.run({
      sql: `WITH p AS MATERIALIZED (SELECT s.id, GeometryN(s.g, n.value) AS piece FROM (SELECT id, ST_Subdivide(geom, 256) AS g FROM shapes) AS s, generate_series(1, ST_NumGeometries(s.g)) AS n)
        SELECT count(*) AS n FROM spots_plain AS t JOIN shapes AS k ON ST_Within(t.geom, k.geom)
        WHERE NOT EXISTS (SELECT 1 FROM p WHERE p.id = k.id AND ST_Within(t.geom, p.piece))`,
      params: [],
    });
    onCutLines = cut.rows[0]!.n as number;
    await writer.close();
    engine = createSpatialiteEngine({ file, poolSize: 1, defaultMaxRows: 100_000 });
    catalog = catalogFromDescription(await engine.describe());
  });

  afterAll(async () => {
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const joinDoc = (points: string, predicate: string) => ({
    name: 'test',
    parameters: [],
    nodes: [
      { id: 'p', component: 'table', config: { table: points, columns: ['label', 'geom'] } },
      { id: 's', component: 'table', config: { table: 'shapes', columns: ['name', 'geom'] } },
      { id: 'j', component: 'spatial_join', inputs: { left: 'p', right: 's' }, config: { predicate } },
      {
        id: 'o',
        component: 'select',
        inputs: { input: 'j' },
        config: { columns: [{ column: 'label' }, { column: 'name' }] },
      },
    ],
    output: 'o',
  });
  const pairs = (rows: Row[]) => rows.map((r) => `${r.label as string}|${r.name as string}`).sort();

  for (const predicate of ['within', 'intersects'] as const) {
    for (const points of ['spots', 'spots_plain']) {
      it(`${predicate} over ${points}: the pairs the whole polygons give, each once`, async () => {
        const compiled = compileWorkflow(joinDoc(points, predicate), {
          dialect: 'spatialite',
          catalog,
          args: {},
        });
        expect(compiled.query.sql).toContain('ST_Subdivide');
        expect(compiled.query.sql.includes('idx_spots_geom')).toBe(points === 'spots');
        const rows = (await engine.run(compiled.query)).rows;
        const whole = await engine.run({
          sql: `SELECT t.label AS label, k.name AS name FROM ${points} AS t JOIN shapes AS k ON ST_${predicate === 'within' ? 'Within' : 'Intersects'}(t.geom, k.geom) = 1`,
          params: [],
        });
        expect(whole.rows.length).toBeGreaterThan(1000);
        expect(pairs(rows)).toEqual(pairs(whole.rows));
      });
    }
  }

  it('the points include some on cut lines inside a polygon (the case the edge test exists for)', () => {
    expect(onCutLines).toBeGreaterThan(0);
  });
});
