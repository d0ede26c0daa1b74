import { z } from 'zod';
import type { ColumnSchema } from '../catalog/ColumnSchema.ts';
import { geoJsonGeometrySchema } from '../document/GeoJsonGeometry.ts';
import { columnNamePattern } from '../document/WorkflowDocument.ts';
import { type SqlNode, ident, join, sql, val } from '../sql/SqlNode.ts';
import { ComponentConfigError } from '../validation/WorkflowIssue.ts';
import { boundGeometry, valueTypeFor } from './boundValue.ts';
import { newColumnName } from './columnRules.ts';
import { defineComponent } from './Component.ts';

const propertyValue = z.union([z.string().max(10_000), z.number().finite(), z.boolean(), z.null()]);

const config = z.strictObject({
  features: z
    .strictObject({
      type: z.literal('FeatureCollection'),
      features: z
        .array(
          z.object({
            type: z.literal('Feature'),
            geometry: geoJsonGeometrySchema,
            properties: z.record(z.string(), propertyValue).nullable().optional(),
          }),
        )
        .min(1)
        .max(1000),
    })
    .describe('a GeoJSON FeatureCollection (WGS 84) of at most 1000 features with flat properties'),
  geometry_as: newColumnName.default('geom'),
});

type Config = z.infer<typeof config>;

function propertyColumns(config: Config): ColumnSchema[] {
  const types = new Map<string, Set<string>>();
  for (const feature of config.features.features) {
    for (const [key, value] of Object.entries(feature.properties ?? {})) {
      if (!columnNamePattern.test(key)) {
        throw new ComponentConfigError(
          'invalid_config',
          'features',
          `property "${key.slice(0, 64)}" is not a usable column name`,
          'rename properties to letters, digits and _ (max 63), starting with a letter or _',
        );
      }
      if (key === config.geometry_as) {
        throw new ComponentConfigError(
          'invalid_config',
          'geometry_as',
          `property "${key}" has the geometry column's name`,
          'set geometry_as to another name',
        );
      }
      const set = types.get(key) ?? new Set<string>();
      if (value !== null)
        set.add(typeof value === 'number' ? (Number.isInteger(value) ? 'integer' : 'number') : typeof value);
      types.set(key, set);
    }
  }
  return [...types.entries()].map(([name, set]) => {
    if (set.size === 0) return { name, type: 'text' };
    if ([...set].every((t) => t === 'integer')) return { name, type: 'integer' };
    if ([...set].every((t) => t === 'integer' || t === 'number')) return { name, type: 'number' };
    if (set.size === 1 && set.has('boolean')) return { name, type: 'boolean' };
    return { name, type: 'text' };
  });
}

export const geojsonFeatures = defineComponent({
  name: 'geojson_features',
  category: 'source',
  description:
    'Rows from a GeoJSON FeatureCollection written into the workflow: one row per feature, one column per property (types inferred), plus the geometry (WGS 84).',
  inputs: [],
  config,
  execution: 'sql',
  columns: ({ config }) => [
    ...propertyColumns(config),
    { name: config.geometry_as, type: 'geometry', srid: 4326 },
  ],
  sql({ config, output }) {
    const properties = output.filter((c) => c.name !== config.geometry_as);
    const rows: SqlNode[] = config.features.features.map((feature) => {
      const values = properties.map((c) => {
        let value = feature.properties?.[c.name] ?? null;
        if (value !== null && c.type === 'text') value = String(value);
        return sql`${val(value, valueTypeFor(c.type))} AS ${ident(c.name)}`;
      });
      return sql`SELECT ${join([...values, sql`${boundGeometry(feature.geometry)} AS ${ident(config.geometry_as)}`])}`;
    });
    return join(rows, ' UNION ALL ');
  },
});
