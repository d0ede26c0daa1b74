import * as turf from '@turf/turf';
import { latLngToCell, cellToBoundary } from 'h3-js';
import { expect, it } from 'vitest';
import { cityRows, countryRows, roadRows } from './support/fixtures.ts';
import { chain, forEachEngine } from './support/forEachEngine.ts';

/**
 * Every component on both engines, against answers computed from the fixture coordinates by
 * hand, with turf, or with h3-js — never with our SQL.
 */
type Row = Record<string, unknown>;
const geo = (row: Row, column = 'geom') => JSON.parse(row[column] as string) as GeoJSON.Geometry;
const names = (rows: Row[]) => rows.map((r) => r.name as string).sort();
const within1pct = (actual: unknown, expected: number) =>
  expect(Math.abs((actual as number) - expected) / expected).toBeLessThan(0.01);
const city = (name: string) => cityRows.find((c) => c.name === name)!;
const origin = { type: 'Point', coordinates: [0, 0] };

const twoPorts = (
  component: string,
  left: [string, Record<string, unknown>?][],
  right: [string, Record<string, unknown>?][],
  config: Record<string, unknown>,
  ports = ['left', 'right'],
) => {
  const l = chain(...left).nodes.map((n) => ({
    ...n,
    id: `l${n.id}`,
    ...(n.inputs ? { inputs: { input: `l${n.inputs.input}` } } : {}),
  }));
  const r = chain(...right).nodes.map((n) => ({
    ...n,
    id: `r${n.id}`,
    ...(n.inputs ? { inputs: { input: `r${n.inputs.input}` } } : {}),
  }));
  return {
    name: 'test',
    parameters: [],
    nodes: [
      ...l,
      ...r,
      {
        id: 'j',
        component,
        inputs: { [ports[0]!]: l[l.length - 1]!.id, [ports[1]!]: r[r.length - 1]!.id },
        config,
      },
    ],
    output: 'j',
  };
};

forEachEngine('components', (w) => {
  it('table reads every row and the catalog columns', async () => {
    const rows = await w.run(chain(['table', { table: 'cities' }]));
    expect(names(rows)).toEqual(cityRows.map((c) => c.name).sort());
    expect(Object.keys(rows[0]!).sort()).toEqual(['country', 'geom', 'lat', 'lon', 'name', 'population']);
    const a1 = rows.find((r) => r.name === 'a1')!;
    expect(geo(a1)).toEqual({ type: 'Point', coordinates: [2, 2] });
    expect(a1.population).toBe(100);
  });

  it('table keeps only the listed columns', async () => {
    const rows = await w.run(chain(['table', { table: 'countries', columns: ['name'] }]));
    expect(Object.keys(rows[0]!)).toEqual(['name']);
  });

  it('sql_query wraps an editor query and returns the declared columns', async () => {
    const rows = await w.run(
      chain([
        'sql_query',
        {
          sql: 'SELECT name, population FROM cities WHERE population > 100',
          columns: [
            { name: 'name', type: 'text' },
            { name: 'population', type: 'integer' },
          ],
        },
      ]),
    );
    expect(names(rows)).toEqual(['a2', 'a3', 'b1', 'g1']);
  });

  it('geometry_input returns the parameter geometry', async () => {
    const polygon = {
      type: 'Polygon',
      coordinates: [
        [
          [1, 1],
          [4, 1],
          [4, 4],
          [1, 1],
        ],
      ],
    };
    const rows = await w.run(
      {
        name: 't',
        parameters: [{ name: 'area', type: 'geometry', required: true }],
        nodes: [{ id: 'g', component: 'geometry_input', config: { geometry: { $param: 'area' } } }],
        output: 'g',
      },
      { area: polygon },
    );
    expect(geo(rows[0]!)).toEqual(polygon);
  });

  it('bbox_input returns the rectangle of the bbox', async () => {
    const rows = await w.run(
      {
        name: 't',
        parameters: [{ name: 'b', type: 'bbox', required: true }],
        nodes: [{ id: 'g', component: 'bbox_input', config: { bbox: { $param: 'b' } } }],
        output: 'g',
      },
      { b: [-1, -2, 3, 4] },
    );
    expect(turf.bbox(geo(rows[0]!))).toEqual([-1, -2, 3, 4]);
    expect(turf.area(geo(rows[0]!))).toBeCloseTo(turf.area(turf.bboxPolygon([-1, -2, 3, 4])), -3);
  });

  it('geojson_features makes one row per feature with typed properties', async () => {
    const features = turf.featureCollection([
      turf.point([1, 2], { label: 'p', n: 3, ok: true }),
      turf.point([3, 4], { label: 'q', n: 4.5, ok: false }),
    ]);
    const rows = await w.run(
      chain(['geojson_features', { features }], ['order_by', { by: [{ column: 'label' }] }]),
    );
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ label: 'p', n: 3, ok: true });
    expect(rows[1]).toMatchObject({ label: 'q', n: 4.5, ok: false });
    expect(geo(rows[1]!)).toEqual({ type: 'Point', coordinates: [3, 4] });
  });

  it('filter applies structured conditions with bound values', async () => {
    const doc = chain(
      ['table', { table: 'cities' }],
      [
        'filter',
        {
          conditions: [
            { column: 'population', op: '>=', value: 200 },
            { column: 'country', op: 'in', value: ['Alpha', 'Beta'] },
          ],
        },
      ],
    );
    expect(names(await w.run(doc))).toEqual(['a2', 'a3', 'b1']);
    const any = chain(
      ['table', { table: 'cities' }],
      [
        'filter',
        {
          match: 'any',
          conditions: [
            { column: 'country', op: 'is_null' },
            { column: 'name', op: 'starts_with', value: 'G' },
          ],
        },
      ],
    );
    expect(names(await w.run(any))).toEqual(['g1', 'x1']);
  });

  it('filter treats quotes and LIKE wildcards in values as data', async () => {
    const doc = {
      name: 't',
      parameters: [{ name: 'q', type: 'string' }],
      nodes: [
        { id: 'c', component: 'table', config: { table: 'cities' } },
        {
          id: 'f',
          component: 'filter',
          inputs: { input: 'c' },
          config: { conditions: [{ column: 'name', op: '=', value: { $param: 'q' } }] },
        },
      ],
      output: 'f',
    };
    expect(names(await w.run(doc, { q: "O'Hare ' OR 1=1--" }))).toEqual(["O'Hare ' OR 1=1--"]);
    expect(await w.run(doc, { q: "' OR 1=1--" })).toHaveLength(0);
    const like = {
      ...doc,
      nodes: [
        doc.nodes[0]!,
        {
          ...doc.nodes[1]!,
          config: { conditions: [{ column: 'name', op: 'contains', value: { $param: 'q' } }] },
        },
      ],
    };
    expect(await w.run(like, { q: '%' })).toHaveLength(0);
    expect(await w.run(like, { q: '_' })).toHaveLength(0);
    expect(names(await w.run(like, { q: "o'ha" }))).toEqual(["O'Hare ' OR 1=1--"]);
    // A condition whose optional parameter has no value is skipped.
    expect(await w.run(doc, {})).toHaveLength(cityRows.length);
  });

  it('bbox_filter keeps geometries intersecting the box', async () => {
    const rows = await w.run(
      chain(['table', { table: 'cities' }], ['bbox_filter', { bbox: [0, 0, 10, 10] }]),
    );
    const expected = cityRows
      .filter((c) => c.lon >= 0 && c.lon <= 10 && c.lat >= 0 && c.lat <= 10)
      .map((c) => c.name)
      .sort();
    expect(names(rows)).toEqual(expected);
  });

  it('spatial_filter within a polygon and within a distance', async () => {
    const inAlpha = twoPorts(
      'spatial_filter',
      [['table', { table: 'cities' }]],
      [
        ['table', { table: 'countries' }],
        ['filter', { conditions: [{ column: 'name', op: '=', value: 'Alpha' }] }],
      ],
      { predicate: 'within' },
      ['input', 'filter'],
    );
    const alpha = turf.polygon([
      [
        [0, 0],
        [10, 0],
        [10, 10],
        [0, 10],
        [0, 0],
      ],
    ]);
    expect(names(await w.run(inAlpha))).toEqual(
      cityRows
        .filter((c) => turf.booleanPointInPolygon([c.lon, c.lat], alpha, { ignoreBoundary: true }))
        .map((c) => c.name)
        .sort(),
    );
    const near = twoPorts(
      'spatial_filter',
      [['table', { table: 'cities' }]],
      [['geometry_input', { geometry: origin }]],
      { predicate: 'within_distance', distance_m: 400_000 },
      ['input', 'filter'],
    );
    const expected = cityRows
      .filter((c) => turf.distance([0, 0], [c.lon, c.lat], { units: 'meters' }) <= 400_000)
      .map((c) => c.name)
      .sort();
    expect(expected).toEqual(['a1']);
    expect(names(await w.run(near))).toEqual(expected);
    const containing = twoPorts(
      'spatial_filter',
      [['table', { table: 'countries' }]],
      [['geometry_input', { geometry: { type: 'Point', coordinates: [15, 5] } }]],
      { predicate: 'contains' },
      ['input', 'filter'],
    );
    expect(names(await w.run(containing))).toEqual(['Beta']);
  });

  it('order_by sorts, limit keeps the first rows in that order', async () => {
    const rows = await w.run(
      chain(
        ['table', { table: 'cities' }],
        ['order_by', { by: [{ column: 'population', direction: 'desc' }] }],
        ['limit', { count: 3 }],
      ),
    );
    expect(rows.map((r) => r.name)).toEqual(
      [...cityRows]
        .sort((a, b) => b.population - a.population)
        .slice(0, 3)
        .map((c) => c.name),
    );
    const nullsLast = await w.run(
      chain(
        ['table', { table: 'cities' }],
        ['order_by', { by: [{ column: 'country' }, { column: 'name' }] }],
      ),
    );
    expect(nullsLast.at(-1)!.name).toBe('x1');
    expect(nullsLast[0]!.country).toBe('Alpha');
  });

  it('distinct keeps one row per value', async () => {
    const rows = await w.run(
      chain(['table', { table: 'countries' }], ['distinct', { columns: ['continent'] }]),
    );
    expect(rows.map((r) => r.continent).sort()).toEqual(['Africa', 'Europe']);
  });

  it('select keeps and renames columns; rename renames in place', async () => {
    const selected = await w.run(
      chain(
        ['table', { table: 'cities' }],
        ['select', { columns: [{ column: 'name', as: 'city' }, { column: 'population' }] }],
      ),
    );
    expect(Object.keys(selected[0]!)).toEqual(['city', 'population']);
    const renamed = await w.run(
      chain(['table', { table: 'cities' }], ['rename', { columns: { population: 'inhabitants' } }]),
    );
    expect(Object.keys(renamed[0]!)).toEqual(['name', 'country', 'inhabitants', 'lon', 'lat', 'geom']);
  });

  it('sample draws the requested number of distinct rows', async () => {
    const rows = await w.run(chain(['table', { table: 'cities' }], ['sample', { count: 3 }]));
    expect(new Set(names(rows)).size).toBe(3);
    expect(await w.run(chain(['table', { table: 'cities' }], ['sample', { count: 100 }]))).toHaveLength(
      cityRows.length,
    );
  });

  it('buffer is the given distance on the ground, in 4326 and in 3857 data', async () => {
    for (const tableName of ['cities', 'cities_3857']) {
      for (const meters of [1000, 50_000]) {
        const rows = await w.run(
          chain(
            ['table', { table: tableName }],
            ['filter', { conditions: [{ column: 'name', op: 'in', value: ['a1', 'g1'] }] }],
            ['buffer', { distance_m: meters }],
          ),
        );
        expect(rows).toHaveLength(2);
        for (const row of rows) {
          const c = city(row.name as string);
          const ring = (geo(row) as GeoJSON.Polygon).coordinates[0]!;
          expect(ring.length).toBeGreaterThan(32);
          for (const vertex of ring)
            within1pct(turf.distance([c.lon, c.lat], vertex, { units: 'meters' }), meters);
        }
      }
    }
  });

  it('centroid, point_on_surface and envelope', async () => {
    const centroids = await w.run(chain(['table', { table: 'countries' }], ['centroid']));
    const alpha = centroids.find((r) => r.name === 'Alpha')!;
    expect((geo(alpha) as GeoJSON.Point).coordinates.map((v) => Math.round(v * 1e9) / 1e9)).toEqual([5, 5]);
    const delta = centroids.find((r) => r.name === 'Delta')!;
    const deltaCentroid = turf.centroid(
      turf.polygon([
        [
          [30, 0],
          [40, 0],
          [30, 10],
          [30, 0],
        ],
      ]),
    ).geometry.coordinates;
    (geo(delta) as GeoJSON.Point).coordinates.forEach((v, i) => expect(v).toBeCloseTo(deltaCentroid[i]!, 9));

    const surface = await w.run(chain(['table', { table: 'countries' }], ['point_on_surface']));
    for (const row of surface) {
      const country = countryRows.find((c) => c.name === row.name)!;
      const polygon = turf.polygon([
        country.wkt
          .replace(/POLYGON\(\(|\)\)/g, '')
          .split(', ')
          .map((p) => p.split(' ').map(Number)),
      ]);
      expect(turf.booleanPointInPolygon(geo(row) as GeoJSON.Point, polygon)).toBe(true);
    }
    const envelopes = await w.run(
      chain(
        ['table', { table: 'countries' }],
        ['filter', { conditions: [{ column: 'name', op: '=', value: 'Delta' }] }],
        ['envelope'],
      ),
    );
    expect(turf.bbox(geo(envelopes[0]!))).toEqual([30, 0, 40, 10]);
    expect((geo(envelopes[0]!) as GeoJSON.Polygon).coordinates[0]).toHaveLength(5);
  });

  it('dissolve unions by column; convex_hull of all cities matches turf', async () => {
    const dissolved = await w.run(
      chain(['table', { table: 'countries' }], ['dissolve', { by: ['continent'], count_as: 'n' }], ['area']),
    );
    const africa = dissolved.find((r) => r.continent === 'Africa')!;
    expect(africa.n).toBe(2);
    within1pct(africa.area_m2, turf.area(turf.bboxPolygon([0, 0, 20, 10])));
    const hull = await w.run(chain(['table', { table: 'cities' }], ['dissolve'], ['convex_hull'], ['area']));
    expect(hull).toHaveLength(1);
    const expected = turf.convex(turf.featureCollection(cityRows.map((c) => turf.point([c.lon, c.lat]))))!;
    expect(turf.bbox(geo(hull[0]!))).toEqual(turf.bbox(expected));
    expect((geo(hull[0]!) as GeoJSON.Polygon).coordinates[0]!.length).toBe(
      expected.geometry.coordinates[0]!.length,
    );
  });

  it('simplify drops vertices within the tolerance', async () => {
    const rows = await w.run(
      chain(
        ['table', { table: 'roads' }],
        ['filter', { conditions: [{ column: 'name', op: '=', value: 'north' }] }],
        ['simplify', { tolerance: 2 }],
      ),
    );
    expect((geo(rows[0]!) as GeoJSON.LineString).coordinates).toEqual([
      [10, 60],
      [11, 61],
    ]);
    const kept = await w.run(
      chain(
        ['table', { table: 'roads' }],
        ['filter', { conditions: [{ column: 'name', op: '=', value: 'north' }] }],
        ['simplify', { tolerance: 0.1 }],
      ),
    );
    expect((geo(kept[0]!) as GeoJSON.LineString).coordinates).toHaveLength(3);
  });

  it('transform reprojects (results still come back as WGS 84)', async () => {
    const rows = await w.run(
      chain(
        ['table', { table: 'cities' }],
        ['transform', { srid: 3857 }],
        ['filter', { conditions: [{ column: 'name', op: '=', value: 'g1' }] }],
        ['make_point', { lon: 'lon', lat: 'lat', as: 'original' }],
        ['distance', { to_column: 'original' }],
      ),
    );
    expect(rows[0]!.distance_m as number).toBeLessThan(0.01);
    (geo(rows[0]!) as GeoJSON.Point).coordinates.forEach((v, i) => expect(v).toBeCloseTo([5, 15][i]!, 6));
  });

  it('area, length and distance are meters whatever the SRID', async () => {
    const areas = await w.run(chain(['table', { table: 'countries' }], ['area']));
    for (const row of areas) {
      const country = countryRows.find((c) => c.name === row.name)!;
      const polygon = turf.polygon([
        country.wkt
          .replace(/POLYGON\(\(|\)\)/g, '')
          .split(', ')
          .map((p) => p.split(' ').map(Number)),
      ]);
      within1pct(row.area_m2, turf.area(polygon));
    }
    const lengths = await w.run(chain(['table', { table: 'roads' }], ['length']));
    for (const row of lengths) {
      const road = roadRows.find((r) => r.name === row.name)!;
      within1pct(
        row.length_m,
        turf.length(
          turf.lineString(
            road.wkt
              .replace(/LINESTRING\(|\)/g, '')
              .split(', ')
              .map((p) => p.split(' ').map(Number)),
          ),
          { units: 'meters' },
        ),
      );
    }
    for (const tableName of ['cities', 'cities_3857']) {
      const distances = await w.run(
        {
          name: 't',
          parameters: [{ name: 'p', type: 'geometry', required: true }],
          nodes: [
            { id: 'c', component: 'table', config: { table: tableName } },
            { id: 'd', component: 'distance', inputs: { input: 'c' }, config: { to: { $param: 'p' } } },
          ],
          output: 'd',
        },
        { p: { type: 'Point', coordinates: [1, 1] } },
      );
      expect(distances.length).toBeGreaterThan(5);
      for (const row of distances) {
        const c = city(row.name as string);
        within1pct(row.distance_m, turf.distance([1, 1], [c.lon, c.lat], { units: 'meters' }));
      }
    }
  });

  it('make_point builds points from coordinate columns', async () => {
    const rows = await w.run(
      chain(
        ['table', { table: 'cities' }],
        ['select', { columns: [{ column: 'name' }, { column: 'lon' }, { column: 'lat' }] }],
        ['make_point', { lon: 'lon', lat: 'lat' }],
      ),
    );
    for (const row of rows) expect(geo(row)).toEqual({ type: 'Point', coordinates: [row.lon, row.lat] });
  });

  it('square_grid covers the input with origin-anchored cells', async () => {
    const rows = await w.run(
      chain(
        ['table', { table: 'countries' }],
        ['filter', { conditions: [{ column: 'name', op: '=', value: 'Delta' }] }],
        ['square_grid', { size: 4 }],
      ),
    );
    const delta = turf.polygon([
      [
        [30, 0],
        [40, 0],
        [30, 10],
        [30, 0],
      ],
    ]);
    const expected: string[] = [];
    for (let i = Math.floor(30 / 4); i <= Math.floor(40 / 4); i++) {
      for (let j = 0; j <= Math.floor(10 / 4); j++) {
        if (turf.booleanIntersects(turf.bboxPolygon([i * 4, j * 4, (i + 1) * 4, (j + 1) * 4]), delta))
          expected.push(`${i},${j}`);
      }
    }
    expect(rows.map((r) => `${r.cell_x},${r.cell_y}`).sort()).toEqual(expected.sort());
    for (const row of rows)
      expect(turf.bbox(geo(row))).toEqual([
        (row.cell_x as number) * 4,
        (row.cell_y as number) * 4,
        ((row.cell_x as number) + 1) * 4,
        ((row.cell_y as number) + 1) * 4,
      ]);
    const extent = await w.run(
      chain(
        ['table', { table: 'countries' }],
        ['filter', { conditions: [{ column: 'name', op: '=', value: 'Delta' }] }],
        ['square_grid', { size: 4, clip: 'extent' }],
      ),
    );
    // Every cell from floor(min/size) to floor(max/size) on each axis: x 7..10, y 0..2.
    expect(extent).toHaveLength((Math.floor(40 / 4) - Math.floor(30 / 4) + 1) * (Math.floor(10 / 4) + 1));
  });

  it('hex_grid makes regular hexagons covering the input', async () => {
    const rows = await w.run(
      chain(
        ['table', { table: 'countries' }],
        ['filter', { conditions: [{ column: 'name', op: '=', value: 'Alpha' }] }],
        ['hex_grid', { size: 2 }],
      ),
    );
    const alpha = turf.bboxPolygon([0, 0, 10, 10]);
    expect(rows.length).toBeGreaterThan(10);
    const ids = new Set(rows.map((r) => `${r.cell_x},${r.cell_y}`));
    expect(ids.size).toBe(rows.length);
    let covered = 0;
    for (const row of rows) {
      const ring = (geo(row) as GeoJSON.Polygon).coordinates[0]!;
      expect(ring).toHaveLength(7);
      // Planar shoelace area in degrees² of a regular hexagon of edge 2: 3√3/2 · 4.
      let twice = 0;
      for (let k = 0; k < 6; k++) twice += ring[k]![0]! * ring[k + 1]![1]! - ring[k + 1]![0]! * ring[k]![1]!;
      expect(Math.abs(twice / 2)).toBeCloseTo(((3 * Math.sqrt(3)) / 2) * 4, 6);
      expect(turf.booleanIntersects(turf.polygon([ring]), alpha)).toBe(true);
      const clipped = turf.intersect(turf.featureCollection([turf.polygon([ring]), alpha]));
      covered += clipped ? turf.area(clipped) : 0;
    }
    within1pct(covered, turf.area(alpha));
  });

  it('attribute_join inner and left, prefixing clashing right columns', async () => {
    const join = (how: string) =>
      twoPorts('attribute_join', [['table', { table: 'cities' }]], [['table', { table: 'countries' }]], {
        left_on: 'country',
        right_on: 'name',
        how,
      });
    const inner = await w.run(join('inner'));
    expect(inner).toHaveLength(cityRows.filter((c) => c.country).length);
    const b1 = inner.find((r) => r.name === 'b1')!;
    expect(b1).toMatchObject({ right_name: 'Beta', iso_a3: 'BET', pop_est: 2000 });
    const left = await w.run(join('left'));
    expect(left).toHaveLength(cityRows.length);
    expect(left.find((r) => r.name === 'x1')!.iso_a3).toBeNull();
  });

  it('spatial_join pairs cities with the country containing them', async () => {
    const rows = await w.run(
      twoPorts('spatial_join', [['table', { table: 'cities' }]], [['table', { table: 'countries' }]], {
        predicate: 'within',
      }),
    );
    expect(rows).toHaveLength(cityRows.filter((c) => c.country).length);
    for (const row of rows) expect(row.right_name).toBe(row.country);
    const near = await w.run(
      twoPorts('spatial_join', [['table', { table: 'cities' }]], [['table', { table: 'cities' }]], {
        predicate: 'within_distance',
        distance_m: 400_000,
      }),
    );
    const expected = cityRows
      .flatMap((a) =>
        cityRows
          .filter((b) => turf.distance([a.lon, a.lat], [b.lon, b.lat], { units: 'meters' }) <= 400_000)
          .map((b) => `${a.name}|${b.name}`),
      )
      .sort();
    expect(near.map((r) => `${r.name}|${r.right_name}`).sort()).toEqual(expected);
  });

  it('nearest returns the k closest with distances and ranks', async () => {
    const rows = await w.run(
      twoPorts('nearest', [['geometry_input', { geometry: origin }]], [['table', { table: 'cities' }]], {
        k: 3,
      }),
    );
    const expected = [...cityRows]
      .map((c) => ({ name: c.name, d: turf.distance([0, 0], [c.lon, c.lat], { units: 'meters' }) }))
      .sort((a, b) => a.d - b.d)
      .slice(0, 3);
    expect(rows.map((r) => r.name)).toEqual(expected.map((e) => e.name));
    rows.forEach((r, i) => {
      expect(r.rank).toBe(i + 1);
      within1pct(r.distance_m, expected[i]!.d);
    });
    // Several left rows: ranks restart per left row.
    const many = await w.run(
      twoPorts(
        'nearest',
        [
          ['table', { table: 'cities' }],
          ['filter', { conditions: [{ column: 'name', op: 'in', value: ['a1', 'g1'] }] }],
        ],
        [['table', { table: 'cities' }]],
        { k: 2 },
      ),
    );
    for (const from of ['a1', 'g1']) {
      const c = city(from);
      const mine = many
        .filter((r) => r.name === from)
        .sort((a, b) => (a.rank as number) - (b.rank as number));
      const expectedPair = [...cityRows]
        .sort(
          (a, b) =>
            turf.distance([c.lon, c.lat], [a.lon, a.lat]) - turf.distance([c.lon, c.lat], [b.lon, b.lat]),
        )
        .slice(0, 2);
      expect(mine.map((r) => r.right_name)).toEqual(expectedPair.map((e) => e.name));
      expect(mine.map((r) => r.rank)).toEqual([1, 2]);
    }
    const capped = await w.run(
      twoPorts('nearest', [['geometry_input', { geometry: origin }]], [['table', { table: 'cities' }]], {
        k: 3,
        max_distance_m: 500_000,
      }),
    );
    expect(capped).toHaveLength(2);
  });

  it('aggregate computes count, sum, avg, min, max and percentile per group', async () => {
    const rows = await w.run(
      chain(
        ['table', { table: 'cities' }],
        ['filter', { conditions: [{ column: 'country', op: 'is_not_null' }] }],
        [
          'aggregate',
          {
            by: ['country'],
            aggregates: [
              { op: 'count', as: 'n' },
              { op: 'sum', column: 'population', as: 'total' },
              { op: 'avg', column: 'population', as: 'mean' },
              { op: 'min', column: 'population', as: 'smallest' },
              { op: 'max', column: 'name', as: 'last_name' },
              { op: 'percentile', column: 'population', percentile: 0.5, as: 'median' },
              { op: 'percentile', column: 'population', percentile: 0.9, as: 'p90' },
            ],
          },
        ],
      ),
    );
    const percentile = (values: number[], p: number) => {
      const s = [...values].sort((a, b) => a - b);
      const pos = p * (s.length - 1);
      const lo = Math.floor(pos);
      return s[lo]! + (pos - lo) * ((s[lo + 1] ?? s[lo]!) - s[lo]!);
    };
    for (const country of ['Alpha', 'Beta', 'Gamma', 'Delta']) {
      const pops = cityRows.filter((c) => c.country === country).map((c) => c.population);
      const row = rows.find((r) => r.country === country)!;
      expect(row).toMatchObject({
        n: pops.length,
        total: pops.reduce((a, b) => a + b, 0),
        smallest: Math.min(...pops),
        last_name: cityRows
          .filter((c) => c.country === country)
          .map((c) => c.name)
          .sort()
          .at(-1),
      });
      expect(row.mean).toBeCloseTo(pops.reduce((a, b) => a + b, 0) / pops.length, 9);
      expect(row.median).toBeCloseTo(percentile(pops, 0.5), 9);
      expect(row.p90).toBeCloseTo(percentile(pops, 0.9), 9);
    }
    const overall = await w.run(
      chain(
        ['table', { table: 'cities' }],
        [
          'aggregate',
          {
            aggregates: [
              { op: 'count', as: 'n' },
              { op: 'percentile', column: 'population', percentile: 0.25, as: 'q1' },
            ],
          },
        ],
      ),
    );
    expect(overall).toEqual([
      {
        n: cityRows.length,
        q1: percentile(
          cityRows.map((c) => c.population),
          0.25,
        ),
      },
    ]);
  });

  it('points_in_polygon counts and sums points per polygon, keeping empty ones', async () => {
    const rows = await w.run(
      twoPorts(
        'points_in_polygon',
        [['table', { table: 'countries' }]],
        [['table', { table: 'cities' }]],
        { aggregates: [{ op: 'sum', column: 'population', as: 'people' }] },
        ['polygons', 'points'],
      ),
    );
    for (const country of countryRows) {
      const polygon = turf.polygon([
        country.wkt
          .replace(/POLYGON\(\(|\)\)/g, '')
          .split(', ')
          .map((p) => p.split(' ').map(Number)),
      ]);
      const inside = cityRows.filter((c) => turf.booleanPointInPolygon([c.lon, c.lat], polygon));
      const row = rows.find((r) => r.name === country.name)!;
      expect(row.point_count).toBe(inside.length);
      expect(row.people).toBe(inside.reduce((a, c) => a + c.population, 0));
    }
    const empty = await w.run(
      twoPorts(
        'points_in_polygon',
        [['table', { table: 'countries' }]],
        [
          ['table', { table: 'cities' }],
          ['filter', { conditions: [{ column: 'name', op: '=', value: 'none' }] }],
        ],
        {},
        ['polygons', 'points'],
      ),
    );
    expect(empty.map((r) => r.point_count)).toEqual([0, 0, 0, 0]);
  });

  it('grid_aggregate bins points into square cells', async () => {
    const rows = await w.run(
      chain(
        ['table', { table: 'cities' }],
        ['grid_aggregate', { size: 10, aggregates: [{ op: 'sum', column: 'population', as: 'people' }] }],
      ),
    );
    const expected = new Map<string, { n: number; people: number }>();
    for (const c of cityRows) {
      const key = `${Math.floor(c.lon / 10)},${Math.floor(c.lat / 10)}`;
      const e = expected.get(key) ?? { n: 0, people: 0 };
      expected.set(key, { n: e.n + 1, people: e.people + c.population });
    }
    expect(rows).toHaveLength(expected.size);
    for (const row of rows) {
      const e = expected.get(`${row.cell_x},${row.cell_y}`)!;
      expect(row).toMatchObject({ count: e.n, people: e.people });
      expect(turf.bbox(geo(row))).toEqual([
        (row.cell_x as number) * 10,
        (row.cell_y as number) * 10,
        ((row.cell_x as number) + 1) * 10,
        ((row.cell_y as number) + 1) * 10,
      ]);
    }
  });

  it('h3_index, h3_aggregate and h3_boundary match h3-js', async () => {
    const indexed = await w.run(chain(['table', { table: 'cities' }], ['h3_index', { resolution: 3 }]));
    for (const row of indexed) {
      const c = city(row.name as string);
      expect(row.h3_cell).toBe(latLngToCell(c.lat, c.lon, 3));
    }
    const doc = {
      name: 't',
      parameters: [{ name: 'r', type: 'integer', min: 0, max: 15, default: 0 }],
      nodes: [
        { id: 'c', component: 'table', config: { table: 'cities' } },
        { id: 'i', component: 'h3_index', inputs: { input: 'c' }, config: { resolution: { $param: 'r' } } },
        {
          id: 'a',
          component: 'h3_aggregate',
          inputs: { input: 'i' },
          config: { aggregates: [{ op: 'sum', column: 'population', as: 'people' }] },
        },
        { id: 'b', component: 'h3_boundary', inputs: { input: 'a' } },
        { id: 'o', component: 'result', inputs: { input: 'b' } },
      ],
      output: 'o',
    };
    const rows = await w.run(doc, { r: 1 });
    const expected = new Map<string, { n: number; people: number }>();
    for (const c of cityRows) {
      const cell = latLngToCell(c.lat, c.lon, 1);
      const e = expected.get(cell) ?? { n: 0, people: 0 };
      expected.set(cell, { n: e.n + 1, people: e.people + c.population });
    }
    expect(rows).toHaveLength(expected.size);
    for (const row of rows) {
      expect(row).toMatchObject({
        count: expected.get(row.h3_cell as string)!.n,
        people: expected.get(row.h3_cell as string)!.people,
      });
      expect((geo(row) as GeoJSON.Polygon).coordinates[0]).toEqual(
        cellToBoundary(row.h3_cell as string, true),
      );
    }
  });

  it('result passes rows through; save_table writes them as a separate statement', async () => {
    const doc = chain(
      ['table', { table: 'cities' }],
      ['filter', { conditions: [{ column: 'country', op: '=', value: 'Beta' }] }],
      ['save_table', { table: 'beta_cities' }],
    );
    const compiled = w.compile(doc);
    expect(compiled.requiredRole).toBe('editor');
    expect(compiled.writes![0]!.statement.sql).toMatch(/^CREATE TABLE "beta_cities" AS WITH/);
    expect(compiled.query.sql).not.toMatch(/CREATE/);
    for (const write of compiled.writes!) await w.engine.run(write.statement);
    if (w.engine.dialect === 'spatialite') {
      expect(compiled.writes!.map((x) => x.kind)).toEqual(['create_table_as', 'register_geometry']);
      expect(
        await w.engine.run({
          sql: "SELECT srid, geometry_type FROM geometry_columns WHERE f_table_name = 'beta_cities'",
          params: [],
        }),
      ).toEqual([{ srid: 4326, geometry_type: 1 }]);
    } else {
      expect(compiled.writes).toHaveLength(1);
    }
    const saved = await w.run(
      chain([
        'sql_query',
        { sql: 'SELECT name FROM beta_cities', columns: [{ name: 'name', type: 'text' }] },
      ]),
    );
    expect(names(saved)).toEqual(['b1', 'b2']);
    expect(await w.run(chain(['table', { table: 'cities' }], ['result']))).toHaveLength(cityRows.length);
  });

  it('reads a table whose column name is an injection attempt, safely quoted', async () => {
    const rows = await w.run(
      chain(['table', { table: 'hostile' }], ['order_by', { by: [{ column: 'id' }] }]),
    );
    expect(rows.map((r) => r['x"; DROP TABLE y;--'])).toEqual(['one', 'two']);
    expect(await w.run(chain(['table', { table: 'y' }]))).toHaveLength(1);
  });
});
