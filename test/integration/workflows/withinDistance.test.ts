import * as turf from '@turf/turf';
import { expect, it } from 'vitest';
import { forEachEngine } from './support/forEachEngine.ts';
import { EDGE_DISTANCE_M, EDGE_SPOTS, type Spot } from './support/edgeSpots.ts';

/**
 * The within_distance pre-filter (a lon/lat box around each geometry, tested before the geodesic)
 * must keep exactly the rows the geodesic keeps, where the box is easiest to get wrong: across
 * the antimeridian and over a pole. Expected answers come from turf, never from our SQL.
 */
type Row = Record<string, unknown>;

/** A spatial_filter or spatial_join of two one-node inputs. */
const twoInputs = (
  component: string,
  left: [string, Record<string, unknown>],
  right: [string, Record<string, unknown>],
  config: Record<string, unknown>,
  ports: [string, string],
) => ({
  name: 'test',
  parameters: [],
  nodes: [
    { id: 'a', component: left[0], config: left[1] },
    { id: 'b', component: right[0], config: right[1] },
    { id: 'j', component, inputs: { [ports[0]]: 'a', [ports[1]]: 'b' }, config },
  ],
  output: 'j',
});

forEachEngine('within_distance', (w) => {
  it('within_distance pre-filter keeps matches across the antimeridian and over a pole', async () => {
    const spots = EDGE_SPOTS;
    const meters = EDGE_DISTANCE_M;
    const features = turf.featureCollection(
      spots.map(([label, lon, lat]) => turf.point([lon, lat], { label })),
    );
    const distance = (a: Spot, b: Spot) => turf.distance([a[1], a[2]], [b[1], b[2]], { units: 'meters' });
    for (const a of spots)
      for (const b of spots) expect(Math.abs(distance(a, b) - meters) / meters).toBeGreaterThan(0.02);
    const labels = (rows: Row[], column = 'label') => rows.map((r) => r[column] as string).sort();
    for (const center of [spots[0]!, spots[5]!]) {
      const near = twoInputs(
        'spatial_filter',
        ['geojson_features', { features }],
        ['geometry_input', { geometry: { type: 'Point', coordinates: [center[1], center[2]] } }],
        { predicate: 'within_distance', distance_m: meters },
        ['input', 'filter'],
      );
      const expected = spots
        .filter((s) => distance(s, center) <= meters)
        .map((s) => s[0])
        .sort();
      expect(expected.length).toBeGreaterThan(2);
      expect(labels(await w.run(near))).toEqual(expected);
      // A point_input's box is worked out while compiling: the same rows, filtered and joined.
      const point: [string, Record<string, unknown>] = ['point_input', { lon: center[1], lat: center[2] }];
      const filterByPoint = twoInputs(
        'spatial_filter',
        ['geojson_features', { features }],
        point,
        { predicate: 'within_distance', distance_m: meters },
        ['input', 'filter'],
      );
      expect(w.compile(filterByPoint).query.sql).not.toContain('dwithin_');
      expect(labels(await w.run(filterByPoint))).toEqual(expected);
      const joinToPoint = twoInputs(
        'spatial_join',
        ['geojson_features', { features }],
        point,
        { predicate: 'within_distance', distance_m: meters },
        ['left', 'right'],
      );
      expect(labels(await w.run(joinToPoint))).toEqual(expected);
    }
    const pairs = await w.run(
      twoInputs(
        'spatial_join',
        ['geojson_features', { features }],
        ['geojson_features', { features }],
        { predicate: 'within_distance', distance_m: meters },
        ['left', 'right'],
      ),
    );
    const expectedPairs = spots
      .flatMap((a) => spots.filter((b) => distance(a, b) <= meters).map((b) => `${a[0]}|${b[0]}`))
      .sort();
    expect(expectedPairs).toContain('west_edge|east_edge');
    expect(expectedPairs).toContain('over_pole|north');
    expect(pairs.map((r) => `${r.label}|${r.right_label}`).sort()).toEqual(expectedPairs);
  });
});
