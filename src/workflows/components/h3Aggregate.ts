import { z } from 'zod';
import { ComponentConfigError } from '../validation/WorkflowIssue.ts';
import { aggregateColumn } from './aggregateFunctions.ts';
import { columnRef, newColumnName, requireColumn } from './columnRules.ts';
import { defineComponent } from './Component.ts';

const spec = z.strictObject({
  op: z.enum(['count', 'sum', 'avg', 'min', 'max']),
  column: columnRef.optional(),
  as: newColumnName,
});

const config = z.strictObject({
  cell: columnRef.default('h3_cell').describe('column holding H3 cell ids (from h3_index)'),
  count_as: newColumnName.default('count'),
  aggregates: z.array(spec).max(20).default([]),
});

export const h3Aggregate = defineComponent({
  name: 'h3_aggregate',
  category: 'h3',
  description:
    'Groups rows by H3 cell: one row per cell with the number of rows and optional sum/avg/min/max/count of columns. Output: the cell column, the count and the aggregates (sorted by cell id). Follow with h3_boundary to get cell polygons.',
  inputs: [{ name: 'input', description: 'rows with an H3 cell column' }],
  config,
  execution: 'host',
  columns({ config, inputs }) {
    const columns = inputs.input ?? [];
    const cell = requireColumn(columns, config.cell, 'cell', 'text');
    const out = [
      { ...cell },
      { name: config.count_as, type: 'integer' as const },
      ...config.aggregates.map((a, i) => aggregateColumn(a, columns, `aggregates.${i}`)),
    ];
    const names = out.map((c) => c.name);
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate)
      throw new ComponentConfigError(
        'invalid_config',
        'aggregates',
        `two output columns are named "${duplicate}"`,
        'give each aggregate a distinct `as`',
      );
    return out;
  },
  host: ({ config }) => ({
    kind: 'h3_aggregate',
    cell: config.cell,
    countAs: config.count_as,
    aggregates: config.aggregates,
  }),
});
