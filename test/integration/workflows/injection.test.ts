import { expect, it } from 'vitest';
import { ArgumentValidationError } from '../../../src/workflows/index.ts';
import { cityRows } from './support/fixtures.ts';
import { forEachEngine } from './support/forEachEngine.ts';

/**
 * SECURITY-TESTS G1–G4 on real engines: hostile parameter values are bound as data (expected
 * rows, no DDL), or refused before any SQL runs with an error naming the argument.
 */
const byName = {
  name: 'by_name',
  parameters: [
    { name: 'q', type: 'string', required: true },
    { name: 'min', type: 'number', default: 0 },
  ],
  nodes: [
    { id: 'cities', component: 'table', config: { table: 'cities' } },
    {
      id: 'f',
      component: 'filter',
      inputs: { input: 'cities' },
      config: {
        match: 'any',
        conditions: [
          { column: 'name', op: '=', value: { $param: 'q' } },
          { column: 'name', op: 'contains', value: { $param: 'q' } },
        ],
      },
    },
    {
      id: 'g',
      component: 'filter',
      inputs: { input: 'f' },
      config: { conditions: [{ column: 'population', op: '>=', value: { $param: 'min' } }] },
    },
  ],
  output: 'g',
};

const inArea = {
  name: 'in_area',
  parameters: [{ name: 'area', type: 'geometry', required: true }],
  nodes: [
    { id: 'cities', component: 'table', config: { table: 'cities' } },
    { id: 'area', component: 'geometry_input', config: { geometry: { $param: 'area' } } },
    {
      id: 'f',
      component: 'spatial_filter',
      inputs: { input: 'cities', filter: 'area' },
      config: { predicate: 'intersects' },
    },
  ],
  output: 'f',
};

const hostile = [
  "' OR 1=1--",
  "';DROP TABLE y;--",
  '$$; DROP TABLE y; $$',
  "\\'",
  '‘ OR ’1’=’1',
  '%',
  '_',
  '"; DROP TABLE y;--',
  "1'); ATTACH DATABASE '/tmp/x' AS x;--",
  'x'.repeat(9000),
];

forEachEngine('injection', (w) => {
  it('G1: SQL, quotes, LIKE wildcards and long strings in a string parameter are data', async () => {
    for (const q of hostile) {
      const expected = cityRows
        .filter((c) => c.name.toLowerCase().includes(q.toLowerCase()))
        .map((c) => c.name);
      expect(
        (await w.run(byName, { q })).map((r) => r.name),
        q.slice(0, 40),
      ).toEqual(expected);
    }
    expect((await w.run(byName, { q: "O'Hare ' OR 1=1--" })).map((r) => r.name)).toEqual([
      "O'Hare ' OR 1=1--",
    ]);
    expect(
      await w.run({
        name: 'y',
        nodes: [{ id: 'y', component: 'table', config: { table: 'y' } }],
        output: 'y',
      }),
    ).toHaveLength(1);
    expect(
      await w.run({
        name: 'c',
        nodes: [{ id: 'c', component: 'table', config: { table: 'cities' } }],
        output: 'c',
      }),
    ).toHaveLength(cityRows.length);
  });

  it('G1/G2: NUL bytes, numbers given as SQL, NaN and Infinity are refused before SQL, naming the argument', () => {
    const refused = [
      { q: 'a\u0000b' },
      { q: 'a', min: '1;DROP' },
      { q: 'a', min: NaN },
      { q: 'a', min: Infinity },
      { q: 'a', min: [1] },
      { q: { $param: 'q' } },
    ];
    for (const args of refused) {
      expect(() => w.compile(byName, args)).toThrow(ArgumentValidationError);
    }
    expect(() => w.compile(byName, { q: 'a', min: 'x' })).toThrow(/argument "min" must be a number/);
  });

  it('G4: geometry arguments carrying SQL or invalid GeoJSON are refused; an invalid (bow-tie) polygon is bound harmlessly', async () => {
    expect(() => w.compile(inArea, { area: "POINT(0 0)'); DROP TABLE y;--" })).toThrow(
      /argument "area" is not valid JSON/,
    );
    expect(() =>
      w.compile(inArea, { area: { type: 'Point', coordinates: [0, 0], crs: "'; DROP TABLE y;--" } }),
    ).toThrow(/argument "area" is not a valid GeoJSON geometry/);
    expect(() =>
      w.compile(inArea, {
        area: {
          type: 'Polygon',
          coordinates: [
            [
              [0, 0],
              [1, 1],
            ],
          ],
        },
      }),
    ).toThrow(ArgumentValidationError);
    const bowTie = {
      type: 'Polygon',
      coordinates: [
        [
          [0, 0],
          [10, 10],
          [10, 0],
          [0, 10],
          [0, 0],
        ],
      ],
    };
    // GEOS may answer or refuse a self-intersecting polygon; either way it is data, not SQL.
    const outcome = await w.run(inArea, { area: bowTie }).then(
      (rows) => ({ rows: rows.length }),
      (error: Error) => ({ error: error.message }),
    );
    expect(outcome).toBeDefined();
    expect(
      await w.run({
        name: 'y',
        nodes: [{ id: 'y', component: 'table', config: { table: 'y' } }],
        output: 'y',
      }),
    ).toHaveLength(1);
  });
});
