import { describe, expect, it } from 'vitest';
import {
  configFieldsOf,
  parseNumber,
  parseScalar,
  parseStrings,
  type SchemaNode,
} from '../../../web/app/pages/workflows/canvas/configFields.ts';
import { componentCatalog } from '../../../src/workflows/index.ts';

const schemaOf = (name: string) => componentCatalog.find((c) => c.name === name)!.configSchema as SchemaNode;

describe('config forms from the component catalog’s JSON Schemas', () => {
  it('gives every component of the catalog a form', () => {
    for (const c of componentCatalog)
      expect(() => configFieldsOf(c.configSchema as SchemaNode)).not.toThrow();
  });

  it('reads scalars, enums, parameter references, lists and rows off the schema', () => {
    const point = configFieldsOf(schemaOf('point_input'));
    expect(point.map((f) => [f.name, f.control.kind, f.acceptsParameter, f.required])).toEqual([
      ['lon', 'number', true, true],
      ['lat', 'number', true, true],
      ['as', 'text', false, false],
    ]);
    expect(point[0]!.control).toEqual({ kind: 'number', integer: false, min: -180, max: 180 });
    expect(point[2]!.default).toBe('geom');

    const join = configFieldsOf(schemaOf('spatial_join'));
    expect(join.find((f) => f.name === 'predicate')!.control).toEqual({
      kind: 'enum',
      values: ['intersects', 'within', 'contains', 'within_distance'],
    });
    expect(join.find((f) => f.name === 'distance_m')!.acceptsParameter).toBe(true);

    expect(configFieldsOf(schemaOf('table')).find((f) => f.name === 'columns')!.control).toEqual({
      kind: 'strings',
    });
    const by = configFieldsOf(schemaOf('order_by'))[0]!.control;
    expect(by.kind).toBe('rows');
    expect(by.kind === 'rows' && by.fields.map((f) => [f.name, f.control.kind])).toEqual([
      ['column', 'text'],
      ['direction', 'enum'],
    ]);
    // filter's conditions: rows whose value is a scalar, a list or a parameter.
    const conditions = configFieldsOf(schemaOf('filter'))[0]!.control;
    expect(conditions.kind).toBe('rows');
    const value = conditions.kind === 'rows' ? conditions.fields.find((f) => f.name === 'value')! : undefined;
    expect(value).toMatchObject({ control: { kind: 'scalar' }, acceptsParameter: true });
    // GeoJSON and other nested shapes fall back to a JSON editor.
    expect(configFieldsOf(schemaOf('distance')).find((f) => f.name === 'to')!.control.kind).toBe('json');
  });

  it('turns typed text into config values', () => {
    expect(parseStrings('name, country,, geom ,')).toEqual(['name', 'country', 'geom']);
    expect(parseStrings(' , ')).toBeUndefined();
    expect(parseNumber(' 42.5 ')).toBe(42.5);
    expect(parseNumber('')).toBeUndefined();
    expect(parseNumber('ten')).toBe('ten');
    expect(parseScalar('5000')).toBe(5000);
    expect(parseScalar('false')).toBe(false);
    expect(parseScalar('["FR", "DE"]')).toEqual(['FR', 'DE']);
    expect(parseScalar('Paris')).toBe('Paris');
    expect(parseScalar('  ')).toBeUndefined();
  });
});
