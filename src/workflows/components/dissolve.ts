import type { ColumnSchema } from '../catalog/ColumnSchema.ts';
import { z } from 'zod';
import { ident, join, raw, spatial, sql } from '../sql/SqlNode.ts';
import { ComponentConfigError } from '../validation/WorkflowIssue.ts';
import { columnRef, geometryColumn, newColumnName, requireColumn, srid } from './columnRules.ts';
import { defineComponent } from './Component.ts';

const config = z.strictObject({
  by: z
    .array(columnRef)
    .max(20)
    .default([])
    .describe('attribute columns to group by (empty: dissolve everything into one row)'),
  geometry: columnRef.optional().describe('geometry column (default: the first one)'),
  count_as: newColumnName.optional().describe('also output the number of rows merged, in this column'),
});

export const dissolve = defineComponent({
  name: 'dissolve',
  category: 'spatial',
  description:
    'Unions the geometries of rows sharing the same values of `by` columns into one geometry per group (e.g. states → regions). Output: the `by` columns, the merged geometry, optionally a count.',
  inputs: [{ name: 'input', description: 'rows with a geometry column' }],
  config,
  execution: 'sql',
  columns({ config, inputs }) {
    const columns = inputs.input ?? [];
    const geom = geometryColumn(columns, config.geometry);
    const by = config.by.map((name, i) => {
      const c = requireColumn(columns, name, `by.${i}`);
      if (c.type === 'geometry')
        throw new ComponentConfigError(
          'type_mismatch',
          `by.${i}`,
          `column "${name}" is a geometry`,
          'group by attribute columns',
        );
      return c;
    });
    const out: ColumnSchema[] = [...by, { name: geom.name, type: 'geometry', srid: srid(geom) }];
    if (config.count_as) {
      if (out.some((c) => c.name === config.count_as))
        throw new ComponentConfigError(
          'invalid_config',
          'count_as',
          `column "${config.count_as}" already exists`,
          'choose another name',
        );
      out.push({ name: config.count_as, type: 'integer' });
    }
    return out;
  },
  sql({ config, inputs, relations }) {
    const geom = geometryColumn(inputs.input ?? [], config.geometry);
    const by = config.by.map((name) => ident(name));
    const list = [...by, sql`${spatial('unionAggregate', [ident(geom.name)])} AS ${ident(geom.name)}`];
    if (config.count_as) list.push(sql`count(*) AS ${ident(config.count_as)}`);
    const groupBy = by.length ? sql` GROUP BY ${join(by)}` : raw('');
    return sql`SELECT ${join(list)} FROM ${relations.input!}${groupBy}`;
  },
});
