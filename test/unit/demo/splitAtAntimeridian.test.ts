import { describe, expect, it } from 'vitest';
import type { MultiPolygon, Position } from 'geojson';
import { splitAtAntimeridian } from '../../../src/demo/splitAtAntimeridian.ts';
import { buildDemoDataset } from '../../../src/demo/buildDemoDataset.ts';

/** Steps of more than 180° in longitude, except along a pole (where a cut ring closes). */
const crossings = (ring: Position[]) =>
  ring
    .slice(1)
    .filter(
      (p, i) =>
        Math.abs(p[0]! - ring[i]![0]!) > 180 && !(Math.abs(p[1]!) === 90 && Math.abs(ring[i]![1]!) === 90),
    ).length;

describe('splitAtAntimeridian', () => {
  it('leaves a polygon that does not cross alone', () => {
    const square = [
      [
        [0, 0],
        [1, 0],
        [1, 1],
        [0, 1],
        [0, 0],
      ],
    ];
    expect(splitAtAntimeridian({ type: 'Polygon', coordinates: square })).toEqual({
      type: 'MultiPolygon',
      coordinates: [square],
    });
  });

  it('cuts an island that crosses 180° into a west and an east part', () => {
    const island = [
      [
        [179, 10],
        [-179, 10],
        [-179, 12],
        [179, 12],
        [179, 10],
      ],
    ];
    const { coordinates } = splitAtAntimeridian({ type: 'Polygon', coordinates: island });
    expect(coordinates).toHaveLength(2);
    const [west, east] = coordinates.map((polygon) => polygon[0]!.map((p) => p[0]!));
    expect(Math.min(...west!)).toBe(179);
    expect(Math.max(...west!)).toBe(180);
    expect(Math.min(...east!)).toBe(-180);
    expect(Math.max(...east!)).toBe(-179);
    for (const polygon of coordinates) expect(crossings(polygon[0]!)).toBe(0);
  });

  it('closes a coastline around the south pole along ±180° and the pole, dropping the polar ring', () => {
    const polar = [
      [-180, -89.999],
      [0, -89.999],
      [179, -89.999],
      [-180, -89.999],
    ];
    const coast = [
      [-180, -70],
      [-60, -65],
      [60, -66],
      [179.5, -71],
      [-180, -70],
    ];
    const { coordinates } = splitAtAntimeridian({ type: 'Polygon', coordinates: [polar, coast] });
    expect(coordinates).toHaveLength(1);
    expect(coordinates[0]).toHaveLength(1);
    expect(coordinates[0]![0]).toEqual([
      ...coast.slice(0, -1),
      [180, -71],
      [180, -90],
      [-180, -90],
      [-180, -70],
      [-180, -70],
    ]);
  });

  it('leaves no ring of the demo polygons stepping across the antimeridian', () => {
    for (const table of buildDemoDataset().tables.filter((t) => t.geometryType === 'MULTIPOLYGON')) {
      for (const row of table.rows) {
        const geometry = JSON.parse(row.geojson!) as MultiPolygon;
        for (const polygon of geometry.coordinates)
          for (const ring of polygon) expect(crossings(ring), `${table.name} ${row.values[1]}`).toBe(0);
      }
    }
  });
});
