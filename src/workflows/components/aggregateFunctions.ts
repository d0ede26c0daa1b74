import { z } from 'zod';
import { type ColumnSchema } from '../catalog/ColumnSchema.ts';
import { type SqlNode, ident, raw, sql, val } from '../sql/SqlNode.ts';
import { ComponentConfigError } from '../validation/WorkflowIssue.ts';
import { columnRef, newColumnName, requireColumn } from './columnRules.ts';

export const aggregateSpec = z.strictObject({
  op: z.enum(['count', 'sum', 'avg', 'min', 'max', 'percentile']),
  column: columnRef.optional().describe('input column (count without a column counts rows)'),
  as: newColumnName,
  percentile: z
    .number()
    .min(0)
    .max(1)
    .optional()
    .describe('for op percentile: 0.5 is the median (linear interpolation, like percentile_cont)'),
});

export type AggregateSpec = z.infer<typeof aggregateSpec>;

/** Output column of one aggregate, checking the input column fits the operation. */
export function aggregateColumn(spec: AggregateSpec, columns: ColumnSchema[], field: string): ColumnSchema {
  if (spec.op === 'count') {
    if (spec.column !== undefined) requireColumn(columns, spec.column, `${field}.column`);
    return { name: spec.as, type: 'integer' };
  }
  if (spec.column === undefined)
    throw new ComponentConfigError(
      'invalid_config',
      `${field}.column`,
      `aggregate "${spec.op}" needs a column`,
      'set column to a numeric column',
    );
  if (spec.op === 'percentile' && spec.percentile === undefined) {
    throw new ComponentConfigError(
      'invalid_config',
      `${field}.percentile`,
      'a percentile aggregate needs `percentile`',
      'set percentile between 0 and 1 (0.5 = median)',
    );
  }
  const input = requireColumn(
    columns,
    spec.column,
    `${field}.column`,
    spec.op === 'min' || spec.op === 'max' ? undefined : 'numeric',
  );
  if (input.type === 'geometry') {
    throw new ComponentConfigError(
      'type_mismatch',
      `${field}.column`,
      `column "${spec.column}" is a geometry`,
      'aggregate attribute columns; use dissolve to merge geometries',
    );
  }
  if (spec.op === 'min' || spec.op === 'max') return { name: spec.as, type: input.type };
  return { name: spec.as, type: 'number' };
}

/** The aggregate expression over column references (PostgreSQL sum of integers is numeric: cast). */
export function aggregateExpression(spec: AggregateSpec, column: (name: string) => SqlNode): SqlNode {
  switch (spec.op) {
    case 'count':
      return spec.column === undefined ? raw('count(*)') : sql`count(${column(spec.column)})`;
    case 'sum':
      return sql`sum(${{ kind: 'toFloat', arg: column(spec.column!) }})`;
    case 'avg':
      return sql`avg(${{ kind: 'toFloat', arg: column(spec.column!) }})`;
    case 'min':
      return sql`min(${column(spec.column!)})`;
    case 'max':
      return sql`max(${column(spec.column!)})`;
    case 'percentile':
      throw new Error('percentile needs the windowed form (percentileParts)');
  }
}

/**
 * SQLite has no percentile_cont, so both engines compute it the same way: number the non-null
 * values of each group in order (window functions), then sum the one or two rows around
 * p·(n−1) with linear interpolation weights.
 */
export function percentileParts(
  spec: AggregateSpec,
  index: number,
  partition: SqlNode[],
): { windows: SqlNode; aggregate: SqlNode } {
  const v = ident(spec.column!);
  const rn = ident(`pct_rn_${index}`);
  const n = ident(`pct_n_${index}`);
  const by = partition.length
    ? sql`PARTITION BY ${joinNodes(partition)}, (${v} IS NULL)`
    : sql`PARTITION BY (${v} IS NULL)`;
  const countBy = partition.length ? sql`PARTITION BY ${joinNodes(partition)}` : raw('');
  const windows = sql`ROW_NUMBER() OVER (${by} ORDER BY ${v}) - 1 AS ${rn}, COUNT(${v}) OVER (${countBy}) AS ${n}`;
  const p = () => val(spec.percentile ?? 0.5, 'float');
  const position = () => sql`(${p()} * (${n} - 1))`;
  const lower = () => sql`floor(${position()})`;
  const fraction = () => sql`(${position()} - ${lower()})`;
  const value = { kind: 'toFloat', arg: v } as const;
  const aggregate = sql`sum(CASE WHEN ${v} IS NULL THEN NULL WHEN ${rn} = ${lower()} THEN ${value} * (1 - ${fraction()}) WHEN ${rn} = ${lower()} + 1 THEN ${value} * ${fraction()} ELSE 0 END)`;
  return { windows, aggregate };
}

function joinNodes(nodes: SqlNode[]): SqlNode {
  const parts: SqlNode[] = [];
  nodes.forEach((n, i) => {
    if (i) parts.push(raw(', '));
    parts.push(n);
  });
  return { kind: 'sequence', parts };
}
