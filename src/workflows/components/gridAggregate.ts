import type { ColumnSchema } from '../catalog/ColumnSchema.ts';
import { z } from 'zod';
import { ident, join, spatial, sql, val } from '../sql/SqlNode.ts';
import { ComponentConfigError } from '../validation/WorkflowIssue.ts';
import { aggregateColumn, aggregateExpression, aggregateSpec } from './aggregateFunctions.ts';
import { columnRef, geometryColumn, newColumnName, srid } from './columnRules.ts';
import { defineComponent } from './Component.ts';

const config = z.strictObject({
  size: z
    .number()
    .finite()
    .gt(0)
    .max(1e7)
    .describe("cell edge length in the units of the input's CRS (degrees for EPSG:4326)"),
  geometry: columnRef.optional(),
  count_as: newColumnName.default('count'),
  aggregates: z
    .array(aggregateSpec)
    .max(20)
    .default([])
    .describe('sum/avg/min/max of input columns per cell'),
});

export const gridAggregate = defineComponent({
  name: 'grid_aggregate',
  category: 'aggregate',
  description:
    'Bins geometries (by their centroid) into square cells of edge `size` anchored at the CRS origin and outputs one row per non-empty cell: cell_x, cell_y, the cell polygon, the count and optional aggregates. Same cells as square_grid.',
  inputs: [{ name: 'input', description: 'geometries to bin (usually points)' }],
  config,
  execution: 'sql',
  columns({ config, inputs }) {
    const g = geometryColumn(inputs.input ?? [], config.geometry);
    const aggregates = config.aggregates.map((a, i) => {
      if (a.op === 'percentile')
        throw new ComponentConfigError(
          'invalid_config',
          `aggregates.${i}.op`,
          'percentile is not available in grid_aggregate',
          'use count, sum, avg, min or max',
        );
      return aggregateColumn(a, inputs.input ?? [], `aggregates.${i}`);
    });
    if ((inputs.input ?? []).some((c) => c.name === 'cell_x' || c.name === 'cell_y')) {
      throw new ComponentConfigError(
        'invalid_config',
        'geometry',
        'the input already has a cell_x or cell_y column',
        'rename or drop it (rename / select) before grid_aggregate',
      );
    }
    const out: ColumnSchema[] = [
      { name: 'cell_x', type: 'integer' },
      { name: 'cell_y', type: 'integer' },
      { name: 'geom', type: 'geometry', srid: srid(g), geometryType: 'POLYGON' },
      { name: config.count_as, type: 'integer' },
      ...aggregates,
    ];
    const names = out.map((c) => c.name);
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate)
      throw new ComponentConfigError(
        'invalid_config',
        'aggregates',
        `two output columns are named "${duplicate}"`,
        'give each aggregate and count_as a distinct name (cell_x, cell_y and geom are taken)',
      );
    return out;
  },
  sql({ config, inputs, relations }) {
    const g = geometryColumn(inputs.input ?? [], config.geometry);
    const s = () => val(config.size, 'float');
    const c = spatial('centroid', [ident(g.name)]);
    const binned = sql`SELECT "input_".*, CAST(floor(${spatial('x', [c])} / ${s()}) AS INTEGER) AS "cell_x", CAST(floor(${spatial('y', [c])} / ${s()}) AS INTEGER) AS "cell_y" FROM ${relations.input!} AS "input_"`;
    const x = ident('cell_x');
    const y = ident('cell_y');
    const cell = spatial(
      'makeEnvelope',
      [sql`${x} * ${s()}`, sql`${y} * ${s()}`, sql`(${x} + 1) * ${s()}`, sql`(${y} + 1) * ${s()}`],
      { srid: srid(g) },
    );
    const list = [
      x,
      y,
      sql`${cell} AS "geom"`,
      sql`count(*) AS ${ident(config.count_as)}`,
      ...config.aggregates.map(
        (a) => sql`${aggregateExpression(a, (name) => ident(name))} AS ${ident(a.as)}`,
      ),
    ];
    return sql`SELECT ${join(list)} FROM (${binned}) AS "binned_" GROUP BY ${x}, ${y}`;
  },
});
