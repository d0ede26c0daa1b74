import { readFileSync, readdirSync } from 'node:fs';
import * as turf from '@turf/turf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithPostgres } from '../../support/postgres.ts';
import {
  applyHostSteps,
  catalogFromDescription,
  compileWorkflow,
  parseWorkflowDocument,
  validateWorkflow,
  type WorkflowDocument,
} from '../../../src/workflows/index.ts';
import { type DemoEngine, postgisDemoEngine, spatialiteDemoEngine } from './support/demoEngines.ts';

/**
 * The shipped example workflows on the demo data: valid against both engines' catalogs, and
 * giving the same answers on SpatiaLite and PostGIS (row counts exact, measures within 1%).
 */
const dir = new URL('../../../examples/workflows/', import.meta.url);
const examples = new Map<string, WorkflowDocument>(
  readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => [f, parseWorkflowDocument(readFileSync(new URL(f, dir), 'utf8'))]),
);

const cases: [string, Record<string, unknown>][] = [
  ['cities-within-radius.json', { lon: 2.3522, lat: 48.8566, radius_m: 30_000 }],
  ['cities-within-radius.json', { lon: -74.006, lat: 40.7128, radius_m: 20_000, max_results: 20 }],
  ['population-by-country-in-bbox.json', { bbox: [-10, 35, 30, 60] }],
  ['population-by-country-in-bbox.json', { bbox: [100, -10, 150, 10], min_population: 100_000 }],
  ['h3-city-density.json', { resolution: 3, bbox: [-10, 35, 30, 60] }],
  ['h3-city-density.json', { resolution: 1 }],
  ['nearest-cities.json', { lon: 13.405, lat: 52.52, k: 5 }],
  ['nearest-cities.json', { lon: 151.2093, lat: -33.8688, k: 10, min_population: 50_000 }],
  [
    'counties-in-polygon.json',
    {
      area: {
        type: 'Polygon',
        coordinates: [
          [
            [-105, 39],
            [-104, 39],
            [-104, 40.2],
            [-105, 39],
          ],
        ],
      },
    },
  ],
];

it('ships at least the five example workflows', () => {
  expect([...examples.keys()].sort()).toEqual([
    'cities-within-radius.json',
    'counties-in-polygon.json',
    'h3-city-density.json',
    'nearest-cities.json',
    'population-by-country-in-bbox.json',
  ]);
});

type Rows = Record<string, unknown>[];

async function runAll(demo: DemoEngine): Promise<Rows[]> {
  const catalog = catalogFromDescription(await demo.engine.describe());
  const results: Rows[] = [];
  for (const [file, args] of cases) {
    const doc = examples.get(file)!;
    const validation = validateWorkflow(doc, catalog);
    expect(validation.issues, file).toEqual([]);
    const compiled = compileWorkflow(doc, { dialect: demo.engine.dialect, catalog, args });
    const result = await demo.engine.run(compiled.query, { maxRows: 100_000 });
    expect(result.truncated, file).toBe(false);
    results.push(applyHostSteps(result.rows, compiled.hostSteps));
  }
  return results;
}

describe('example workflows on SpatiaLite', () => {
  let demo: DemoEngine;
  let results: Rows[];
  beforeAll(async () => {
    demo = await spatialiteDemoEngine();
    results = await runAll(demo);
  }, 300_000);
  afterAll(async () => demo?.close());

  it('answers match independent checks', () => {
    const [paris] = results;
    expect(paris!.length).toBeGreaterThan(10);
    expect(paris![0]!.name).toMatch(/Paris/);
    for (const row of paris!) {
      const [lon, lat] = (JSON.parse(row.geom as string) as GeoJSON.Point).coordinates as [number, number];
      const d = turf.distance([2.3522, 48.8566], [lon, lat], { units: 'meters' });
      expect(Math.abs((row.distance_m as number) - d)).toBeLessThan(0.01 * d + 1);
      expect(row.distance_m as number).toBeLessThanOrEqual(30_000);
    }
    const berlin = results[6]!;
    expect(berlin.map((r) => r.rank)).toEqual([1, 2, 3, 4, 5]);
    expect(berlin.map((r) => r.name)).toContain('Berlin');
    expect(berlin[0]!.distance_m as number).toBeLessThan(5_000);
    expect(berlin.map((r) => r.distance_m as number)).toEqual(
      [...berlin.map((r) => r.distance_m as number)].sort((a, b) => a - b),
    );
    const world = results[5]!;
    expect(world.reduce((a, r) => a + (r.cities as number), 0)).toBeGreaterThan(10_000);
    const counties = results[8]!;
    expect(counties.every((r) => r.state === 'Colorado')).toBe(true);
    expect(counties.map((r) => r.name)).toEqual(expect.arrayContaining(['Arapahoe', 'Elbert', 'El Paso']));
    const drawn = turf.polygon((cases[8]![1].area as GeoJSON.Polygon).coordinates);
    for (const row of counties)
      expect(
        turf.booleanIntersects(JSON.parse(row.geom as string) as GeoJSON.Geometry, drawn),
        row.name as string,
      ).toBe(true);
  });

  describeWithPostgres('and on PostGIS', () => {
    let pgDemo: DemoEngine;
    let pgResults: Rows[];
    beforeAll(async () => {
      pgDemo = await postgisDemoEngine();
      pgResults = await runAll(pgDemo);
    }, 300_000);
    afterAll(async () => pgDemo?.close());

    it.each(cases.map((c, i) => [i, c[0], JSON.stringify(c[1])] as const))(
      'case %i %s %s gives the same answer on both engines',
      (i) => {
        const a = results[i]!;
        const b = pgResults[i]!;
        expect(b.length).toBe(a.length);
        expect(a.length).toBeGreaterThan(0);
        a.forEach((row, r) => {
          const other = b[r]!;
          expect(Object.keys(other)).toEqual(Object.keys(row));
          for (const [key, value] of Object.entries(row)) {
            if (typeof value === 'number') {
              const scale = Math.max(Math.abs(value), 1);
              expect(Math.abs((other[key] as number) - value) / scale, `${key} row ${r}`).toBeLessThan(0.01);
            } else if (key === 'geom') {
              const ga = JSON.parse(value as string) as GeoJSON.Geometry;
              const gb = JSON.parse(other[key] as string) as GeoJSON.Geometry;
              expect(gb.type).toBe(ga.type);
              expect(turf.bbox(gb).map((v) => Math.round(v * 1e6))).toEqual(
                turf.bbox(ga).map((v) => Math.round(v * 1e6)),
              );
            } else {
              expect(other[key], `${key} row ${r}`).toEqual(value);
            }
          }
        });
      },
    );
  });
});
