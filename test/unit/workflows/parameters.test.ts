import { describe, expect, it } from 'vitest';
import {
  componentCatalog,
  formatWorkflowDocument,
  parameterInputSchema,
  parseWorkflowDocument,
  validateArguments,
  workflowDocumentJsonSchema,
  WorkflowValidationError,
} from '../../../src/workflows/index.ts';

const parameters = [
  { name: 'radius_km', type: 'number', min: 0, max: 500, default: 10, description: 'search radius' },
  { name: 'k', type: 'integer', min: 1, max: 50, required: true },
  { name: 'kind', type: 'enum', values: ['city', 'town'] },
  { name: 'since', type: 'date', min: '2000-01-01' },
  { name: 'area', type: 'bbox' },
  { name: 'shape', type: 'geometry' },
  { name: 'q', type: 'string', maxLength: 20 },
  { name: 'big', type: 'boolean', default: false },
] as const;
const doc = { parameters: parameters as never };

describe('parameterInputSchema', () => {
  it('turns parameters into an MCP inputSchema with types, bounds, enums, defaults and descriptions', () => {
    const schema = parameterInputSchema(doc) as {
      properties: Record<string, Record<string, unknown>>;
      required: string[];
      additionalProperties: boolean;
    };
    expect(schema.required).toEqual(['k']);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.radius_km).toMatchObject({
      type: 'number',
      minimum: 0,
      maximum: 500,
      default: 10,
    });
    expect(schema.properties.radius_km!.description).toMatch(/search radius.*from 0 to 500/);
    expect(schema.properties.k).toMatchObject({ type: 'integer', minimum: 1, maximum: 50 });
    expect(schema.properties.kind).toMatchObject({ type: 'string', enum: ['city', 'town'] });
    expect(schema.properties.since).toMatchObject({ type: 'string', format: 'date' });
    expect(schema.properties.area).toMatchObject({ type: 'array', minItems: 4, maxItems: 4 });
    expect(schema.properties.shape).toMatchObject({ type: 'object', required: ['type', 'coordinates'] });
    expect(schema.properties.q).toMatchObject({ type: 'string', maxLength: 20 });
    expect(schema.properties.big).toMatchObject({ type: 'boolean', default: false });
  });
});

describe('validateArguments', () => {
  const ok = (args: Record<string, unknown>) => {
    const result = validateArguments(doc, args);
    if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('; '));
    return result.values;
  };
  const errorFor = (args: Record<string, unknown>, argument: string) => {
    const result = validateArguments(doc, { k: 3, ...args });
    expect(result.ok).toBe(false);
    const error = !result.ok && result.errors.find((e) => e.argument === argument);
    expect(error, JSON.stringify(result)).toBeTruthy();
    return (error as { message: string }).message;
  };

  it('returns typed values with defaults', () => {
    expect(ok({ k: 3 })).toEqual({ k: 3, radius_km: 10, big: false });
    expect(ok({ k: '7', radius_km: '2.5', big: 'true', area: '1,2,3,4' })).toMatchObject({
      k: 7,
      radius_km: 2.5,
      big: true,
      area: [1, 2, 3, 4],
    });
    expect(ok({ k: 1, shape: '{"type":"Point","coordinates":[1,2]}' }).shape).toEqual({
      type: 'Point',
      coordinates: [1, 2],
    });
  });

  it('names the argument and what is allowed', () => {
    expect(validateArguments(doc, {})).toMatchObject({
      ok: false,
      errors: [
        { argument: 'k', message: expect.stringMatching(/"k" is required: a whole number from 1 to 50/) },
      ],
    });
    expect(errorFor({ kind: 'village' }, 'kind')).toMatch(/one of "city", "town"/);
    expect(errorFor({ radius_km: 900 }, 'radius_km')).toMatch(/above the maximum 500/);
    expect(errorFor({ since: '1999-12-31' }, 'since')).toMatch(/before 2000-01-01/);
    expect(errorFor({ since: '2021-02-30' }, 'since')).toMatch(/YYYY-MM-DD/);
    expect(errorFor({ extra: 1 }, 'extra')).toMatch(
      /unknown argument "extra"; this workflow takes: radius_km, k/,
    );
  });

  it('G2: numbers as SQL, arrays for scalars, NaN, Infinity, 1e309, huge and negative limits', () => {
    expect(errorFor({ radius_km: '1;DROP' }, 'radius_km')).toMatch(/must be a number, got "1;DROP"/);
    expect(errorFor({ radius_km: [1] }, 'radius_km')).toMatch(/must be a number, got an array/);
    expect(errorFor({ radius_km: { a: 1 } }, 'radius_km')).toMatch(/got an object/);
    expect(errorFor({ radius_km: NaN }, 'radius_km')).toMatch(/finite/);
    expect(errorFor({ radius_km: Infinity }, 'radius_km')).toMatch(/finite/);
    expect(errorFor({ radius_km: '1e309' }, 'radius_km')).toMatch(/finite/);
    expect(errorFor({ k: 1e12 }, 'k')).toMatch(/above the maximum 50/);
    expect(errorFor({ k: -5 }, 'k')).toMatch(/below the minimum 1/);
    expect(errorFor({ k: 2.5 }, 'k')).toMatch(/whole number/);
  });

  it('takes bboxes and geometries typed as text: a JSON array or the comma form; GeoJSON or lon,lat', () => {
    expect(ok({ k: 1, area: '[-10, 35, 30, 60]' }).area).toEqual([-10, 35, 30, 60]);
    expect(ok({ k: 1, area: ' -10,35,30,60 ' }).area).toEqual([-10, 35, 30, 60]);
    expect(ok({ k: 1, shape: '2.35,48.86' }).shape).toEqual({ type: 'Point', coordinates: [2.35, 48.86] });
    expect(ok({ k: 1, shape: '{"type":"Point","coordinates":[1,2]}' }).shape).toEqual({
      type: 'Point',
      coordinates: [1, 2],
    });
    expect(errorFor({ area: '[-10,35,30]' }, 'area')).toMatch(/bbox/);
    expect(errorFor({ area: '[-10,35,30,60' }, 'area')).toMatch(/bbox/);
    expect(errorFor({ area: '-10,35,x,60' }, 'area')).toMatch(/bbox/);
    expect(errorFor({ shape: '2.35,48.86,7' }, 'shape')).toMatch(/not valid JSON.*lon,lat/);
    expect(errorFor({ shape: '200,0' }, 'shape')).toMatch(/GeoJSON/);
  });

  it('G1: NUL bytes and huge strings are refused; SQL in strings is just a string', () => {
    expect(errorFor({ q: 'a\u0000b' }, 'q')).toMatch(/NUL/);
    expect(errorFor({ q: 'x'.repeat(21) }, 'q')).toMatch(/over the limit of 20/);
    expect(ok({ k: 1, q: "';DROP TABLE t;--" }).q).toBe("';DROP TABLE t;--");
  });

  it('G4: invalid GeoJSON, out-of-range or unclosed geometry, too many vertices, bad bboxes', () => {
    expect(errorFor({ shape: '{"type":"Point"' }, 'shape')).toMatch(/not valid JSON/);
    expect(errorFor({ shape: { type: 'Point', coordinates: [200, 0] } }, 'shape')).toMatch(/GeoJSON/);
    expect(errorFor({ shape: { type: 'Point', coordinates: ['1); DROP TABLE t;--', 0] } }, 'shape')).toMatch(
      /GeoJSON/,
    );
    expect(
      errorFor(
        {
          shape: {
            type: 'Polygon',
            coordinates: [
              [
                [0, 0],
                [1, 0],
                [1, 1],
                [0, 1],
              ],
            ],
          },
        },
        'shape',
      ),
    ).toMatch(/closed/);
    const many = Array.from({ length: 100_002 }, (_, i) => [(i % 360) - 180, 0]);
    expect(errorFor({ shape: { type: 'LineString', coordinates: many } }, 'shape')).toMatch(/vertices/);
    let deep: unknown = [0, 0];
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(errorFor({ shape: { type: 'Polygon', coordinates: deep } }, 'shape')).toMatch(/GeoJSON/);
    expect(errorFor({ shape: { type: 'GeometryCollection', geometries: [] } }, 'shape')).toMatch(/GeoJSON/);
    expect(errorFor({ area: [0, 0, 200, 10] }, 'area')).toMatch(/bbox/);
    expect(errorFor({ area: [10, 0, 0, 10] }, 'area')).toMatch(/min < max/);
    expect(errorFor({ area: [0, 0, 1] }, 'area')).toMatch(/bbox/);
    expect(errorFor({ area: [0, 0, NaN, 1] }, 'area')).toMatch(/bbox/);
  });
});

describe('documents and catalogs', () => {
  const text = JSON.stringify({
    name: 'w',
    nodes: [{ id: 'a', component: 'table', config: { table: 'cities' } }],
    output: 'a',
  });

  it('parses JSON and YAML alike, and exports both', () => {
    const fromJson = parseWorkflowDocument(text);
    const yaml = formatWorkflowDocument(fromJson, 'yaml');
    expect(yaml).toMatch(/^name: w/m);
    expect(parseWorkflowDocument(yaml)).toEqual(fromJson);
    expect(fromJson.parameters).toEqual([]);
  });

  it('reports syntax and shape errors as validation errors', () => {
    expect(() => parseWorkflowDocument('{"name": ')).toThrow(WorkflowValidationError);
    expect(() => parseWorkflowDocument('name: [unclosed')).toThrow(/not valid YAML/);
    try {
      parseWorkflowDocument(
        JSON.stringify({ name: 'w', nodes: [{ id: '1bad', component: 'table' }], output: 'x' }),
      );
      expect.unreachable();
    } catch (error) {
      expect((error as WorkflowValidationError).issues[0]).toMatchObject({ field: 'nodes.0.id' });
    }
  });

  it('publishes a JSON Schema for documents listing the components', () => {
    const schema = workflowDocumentJsonSchema() as {
      properties: Record<string, { items?: { properties: Record<string, { enum?: string[] }> } }>;
      required: string[];
    };
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'nodes', 'output']));
    expect(schema.properties.nodes!.items!.properties.component!.enum).toContain('buffer');
    expect(JSON.stringify(schema)).toMatch(/"parameters"/);
  });

  it('has at least 30 components, each described with a config schema', () => {
    expect(componentCatalog.length).toBeGreaterThanOrEqual(30);
    for (const c of componentCatalog) {
      expect(c.description.length, c.name).toBeGreaterThan(40);
      expect(c.configSchema.type, c.name).toBe('object');
    }
    expect(componentCatalog.find((c) => c.name === 'sql_query')).toMatchObject({ requiresRole: 'editor' });
    const buffer = componentCatalog.find((c) => c.name === 'buffer')!.configSchema as {
      properties: { distance_m: { anyOf: Record<string, unknown>[] } };
    };
    expect(buffer.properties.distance_m.anyOf).toEqual([
      expect.objectContaining({ type: 'number', minimum: 0, maximum: 1_000_000 }),
      expect.objectContaining({ type: 'object', required: ['$param'] }),
    ]);
    expect(componentCatalog.find((c) => c.name === 'save_table')).toMatchObject({
      requiresRole: 'editor',
      writes: true,
    });
    expect(new Set(componentCatalog.map((c) => c.category))).toEqual(
      new Set(['source', 'filter', 'transform', 'spatial', 'join', 'aggregate', 'h3', 'output']),
    );
  });
});
