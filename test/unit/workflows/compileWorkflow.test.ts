import { describe, expect, it } from 'vitest';
import {
  ArgumentValidationError,
  compileWorkflow,
  WorkflowValidationError,
} from '../../../src/workflows/index.ts';
import { catalog, doc, HOSTILE } from './fixtureCatalog.ts';

const dialects = ['spatialite', 'postgis'] as const;

/** Cities within a radius of a point, filtered by a name: every kind of bound value at once. */
const nearby = doc(
  [
    { id: 'cities', component: 'table', config: { table: 'cities' } },
    { id: 'where', component: 'geometry_input', config: { geometry: { $param: 'at' } } },
    {
      id: 'near',
      component: 'spatial_filter',
      inputs: { input: 'cities', filter: 'where' },
      config: { predicate: 'within_distance', distance_m: { $param: 'radius' } },
    },
    {
      id: 'named',
      component: 'filter',
      inputs: { input: 'near' },
      config: {
        conditions: [
          { column: 'name', op: '=', value: { $param: 'name' } },
          { column: 'name', op: 'contains', value: { $param: 'part' } },
        ],
      },
    },
    { id: 'box', component: 'bbox_filter', inputs: { input: 'named' }, config: { bbox: { $param: 'box' } } },
    { id: 'top', component: 'limit', inputs: { input: 'box' }, config: { count: { $param: 'n' } } },
  ],
  'top',
  [
    { name: 'at', type: 'geometry', required: true },
    { name: 'radius', type: 'number', min: 0, max: 1e6, default: 1000 },
    { name: 'name', type: 'string' },
    { name: 'part', type: 'string' },
    { name: 'box', type: 'bbox', default: [-180, -90, 180, 90] },
    { name: 'n', type: 'integer', min: 1, max: 1000, default: 10 },
  ],
);

describe('compileWorkflow', () => {
  it('binds every value positionally in the dialect placeholder style', () => {
    const args = {
      at: { type: 'Point', coordinates: [2.35, 48.85] },
      radius: 5000,
      name: 'Paris',
      part: 'ar',
      n: 3,
    };
    const lite = compileWorkflow(nearby, { dialect: 'spatialite', catalog, args });
    const post = compileWorkflow(nearby, { dialect: 'postgis', catalog, args });
    expect(lite.query.sql).not.toMatch(/\$\d/);
    expect(lite.query.sql.split('?').length - 1).toBe(lite.query.params.length);
    const numbers = [...post.query.sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
    expect(numbers).toEqual(post.query.params.map((_, i) => i + 1));
    expect(post.query.params).toEqual(lite.query.params);
    expect(lite.query.params).toEqual(
      expect.arrayContaining([JSON.stringify(args.at), 5000, 'Paris', '%ar%', 3, -180, 90]),
    );
    expect(lite.query.sql.startsWith('WITH "n1" AS (')).toBe(true);
    expect(lite.columns.map((c) => c.name)).toEqual(['name', 'population', 'founded', 'geom']);
    expect(lite.columns.find((c) => c.name === 'geom')).toMatchObject({ type: 'geometry', srid: 4326 });
  });

  it('emits GeoJSON for geometry columns in the final select', () => {
    expect(
      compileWorkflow(nearby, {
        dialect: 'spatialite',
        catalog,
        args: { at: { type: 'Point', coordinates: [0, 0] } },
      }).query.sql,
    ).toMatch(/AsGeoJSON\("geom", 9\) AS "geom" FROM "n6"/);
    expect(
      compileWorkflow(nearby, {
        dialect: 'postgis',
        catalog,
        args: { at: { type: 'Point', coordinates: [0, 0] } },
      }).query.sql,
    ).toMatch(/ST_AsGeoJSON\("geom", 9\) AS "geom" FROM "n6"/);
  });

  it('quotes hostile catalog names as identifiers (G3, second order)', () => {
    const hostile = doc(
      [
        { id: 't', component: 'table', config: { table: HOSTILE } },
        { id: 'b', component: 'buffer', inputs: { input: 't' }, config: { distance_m: 10 } },
      ],
      'b',
    );
    for (const dialect of dialects) {
      const { query } = compileWorkflow(hostile, { dialect, catalog });
      expect(query.sql).toContain('"x""; DROP TABLE y;--"');
      // Outside quoted identifiers, nothing of the name remains.
      const outside = query.sql.replace(/"(?:[^"]|"")*"/g, '');
      expect(outside).not.toMatch(/DROP|;/);
      // Data in EPSG:3857 comes back transformed to WGS 84.
      expect(query.sql).toMatch(/ST_Transform\("geom", 4326\)/);
    }
  });

  it('never puts a parameter value in the SQL text (G1, G4)', () => {
    const hostileStrings = [
      "' OR 1=1--",
      "';DROP TABLE t;--",
      '$$; DROP TABLE t; $$',
      "\\'",
      '‘ OR ’1’=’1',
      '%_%',
      'Robert"); DROP TABLE students;--',
      '?',
      '$1',
    ];
    for (const dialect of dialects) {
      for (const value of hostileStrings) {
        const { query } = compileWorkflow(nearby, {
          dialect,
          catalog,
          args: { at: { type: 'Point', coordinates: [1, 2] }, name: value, part: value },
        });
        expect(query.sql).not.toContain(value.length > 2 ? value : `'${value}'`);
        expect(query.params).toContain(value);
      }
      const polygon = {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [1, 0],
            [1, 1],
            [0, 0],
          ],
        ],
      };
      const { query } = compileWorkflow(nearby, {
        dialect,
        catalog,
        args: { at: polygon, radius: 123.456, n: 7 },
      });
      expect(query.sql).not.toMatch(/123\.456|Polygon|coordinates/);
      expect(query.sql).not.toMatch(/LIMIT 7/);
    }
  });

  it('refuses NUL in literal config values and bad argument types with named errors', () => {
    const withNul = doc(
      [
        { id: 'c', component: 'table', config: { table: 'cities' } },
        {
          id: 'f',
          component: 'filter',
          inputs: { input: 'c' },
          config: { conditions: [{ column: 'name', op: '=', value: 'a\u0000b' }] },
        },
      ],
      'f',
    );
    expect(() => compileWorkflow(withNul, { dialect: 'postgis', catalog })).toThrow(
      /node "f", field "config.conditions.0.value": text contains a NUL/,
    );
    const numberFromString = doc(
      [
        { id: 'c', component: 'table', config: { table: 'cities' } },
        {
          id: 'f',
          component: 'filter',
          inputs: { input: 'c' },
          config: { conditions: [{ column: 'population', op: '>', value: '1;DROP' }] },
        },
      ],
      'f',
    );
    expect(() => compileWorkflow(numberFromString, { dialect: 'spatialite', catalog })).toThrow(
      /expected a finite number, got "1;DROP"/,
    );
    expect(() =>
      compileWorkflow(nearby, {
        dialect: 'spatialite',
        catalog,
        args: { at: { type: 'Point', coordinates: [0, 0] }, n: 1e12 },
      }),
    ).toThrow(ArgumentValidationError);
    expect(() => compileWorkflow(nearby, { dialect: 'spatialite', catalog, args: {} })).toThrow(
      /"at" is required/,
    );
  });

  it('re-checks component ranges with the argument values', () => {
    const loose = doc(
      [
        { id: 'c', component: 'table', config: { table: 'cities' } },
        { id: 'b', component: 'buffer', inputs: { input: 'c' }, config: { distance_m: { $param: 'd' } } },
      ],
      'b',
      [{ name: 'd', type: 'number' }],
    );
    expect(() => compileWorkflow(loose, { dialect: 'postgis', catalog, args: { d: 5e9 } })).toThrow(
      WorkflowValidationError,
    );
    expect(() => compileWorkflow(loose, { dialect: 'postgis', catalog, args: { d: 5e9 } })).toThrow(
      /node "b", field "config.distance_m": the value of parameter "d" is not accepted here/,
    );
    expect(() => compileWorkflow(loose, { dialect: 'postgis', catalog, args: {} })).toThrow(
      /parameter "d" has no value.*Fix: pass "d", or give it a default/,
    );
  });

  it('returns host steps for H3 and a final normalize step', () => {
    const h3 = doc(
      [
        { id: 'c', component: 'table', config: { table: 'cities' } },
        { id: 'i', component: 'h3_index', inputs: { input: 'c' }, config: { resolution: { $param: 'r' } } },
        { id: 'a', component: 'h3_aggregate', inputs: { input: 'i' } },
        { id: 'o', component: 'result', inputs: { input: 'a' } },
      ],
      'o',
      [{ name: 'r', type: 'integer', min: 0, max: 15, default: 6 }],
    );
    const compiled = compileWorkflow(h3, { dialect: 'spatialite', catalog, args: { r: 4 } });
    expect(compiled.hostSteps.map((s) => s.kind)).toEqual(['h3_index', 'h3_aggregate', 'normalize']);
    expect(compiled.hostSteps[0]).toMatchObject({ resolution: 4, geometry: 'geom', as: 'h3_cell' });
    expect(compiled.columns.map((c) => c.name)).toEqual(['h3_cell', 'count']);
    // Only what the aggregate needs leaves the engine: numeric lon/lat, no GeoJSON, no names.
    expect(compiled.hostSteps[0]).toMatchObject({ lon: 'h3_lon_1_', lat: 'h3_lat_1_' });
    expect(compiled.query.sql).toMatch(
      /SELECT ST_X\("geom"\) AS "h3_lon_1_", ST_Y\("geom"\) AS "h3_lat_1_" FROM "n1"$/,
    );
    // Without an aggregate after it, the geometry still goes out as GeoJSON.
    const indexOnly = compileWorkflow(
      { ...h3, nodes: [h3.nodes[0], h3.nodes[1], { id: 'o', component: 'result', inputs: { input: 'i' } }] },
      { dialect: 'postgis', catalog, args: {} },
    );
    expect(indexOnly.query.sql).toMatch(/ST_AsGeoJSON\("geom", 9\) AS "geom"/);
    expect(indexOnly.columns.map((c) => c.name)).toEqual([
      'name',
      'population',
      'founded',
      'geom',
      'h3_cell',
    ]);
  });

  it('compiles save_table into a separate write statement', () => {
    const save = doc(
      [
        { id: 'c', component: 'table', config: { table: 'cities' } },
        { id: 's', component: 'save_table', inputs: { input: 'c' }, config: { table: 'copy' } },
      ],
      's',
    );
    const compiled = compileWorkflow(save, { dialect: 'postgis', catalog });
    expect(compiled.writes).toEqual([
      {
        kind: 'create_table_as',
        table: 'copy',
        statement: { sql: expect.stringMatching(/^CREATE TABLE "copy" AS WITH /), params: [] },
      },
    ]);
    expect(compiled.query.sql).toMatch(/^WITH /);
    expect(compiled.requiredRole).toBe('editor');
    expect(() => compileWorkflow(save, { dialect: 'postgis', catalog, role: 'viewer' })).toThrow(
      /for editors/,
    );
  });
});
