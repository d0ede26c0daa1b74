import { z } from 'zod';
import type { ColumnSchema } from '../catalog/ColumnSchema.ts';
import { paramOr } from '../document/ParamRef.ts';
import { type SqlNode, ident, join, raw, sql, val } from '../sql/SqlNode.ts';
import { ComponentConfigError } from '../validation/WorkflowIssue.ts';
import { boundScalar } from './boundValue.ts';
import { columnRef, requireColumn } from './columnRules.ts';
import { defineComponent } from './Component.ts';
import { selectColumns } from './selectColumns.ts';

const scalar = z.union([z.string().max(10_000), z.number().finite(), z.boolean()]);

const comparisonOps = ['=', '!=', '<', '<=', '>', '>='] as const;
const textOps = ['contains', 'starts_with', 'ends_with'] as const;

const condition = z.strictObject({
  column: columnRef,
  op: z.enum([...comparisonOps, ...textOps, 'in', 'not_in', 'is_null', 'is_not_null']),
  value: z
    .union([paramOr(scalar, 'scalar'), z.array(scalar).min(1).max(1000)])
    .optional()
    .describe(
      'a literal, a list (for in / not_in), or {"$param": "name"}; a condition whose parameter has no value is skipped',
    ),
});

const config = z.strictObject({
  conditions: z.array(condition).min(1).max(50),
  match: z
    .enum(['all', 'any'])
    .default('all')
    .describe('all: every condition holds (AND); any: at least one (OR)'),
});

type Condition = z.infer<typeof condition>;

function checkCondition(c: Condition, columns: ColumnSchema[], i: number): void {
  const field = `conditions.${i}`;
  const column = requireColumn(columns, c.column, `${field}.column`);
  if (column.type === 'geometry') {
    throw new ComponentConfigError(
      'type_mismatch',
      `${field}.column`,
      `column "${c.column}" is a geometry`,
      'compare attribute columns here; use spatial_filter or bbox_filter for geometries',
    );
  }
  const needsValue = c.op !== 'is_null' && c.op !== 'is_not_null';
  if (needsValue && c.value === undefined && !('value' in c)) {
    throw new ComponentConfigError(
      'invalid_config',
      `${field}.value`,
      `operator "${c.op}" needs a value`,
      'add a value or a {"$param": …} reference',
    );
  }
  const isList = Array.isArray(c.value);
  if ((c.op === 'in' || c.op === 'not_in') !== isList && needsValue && c.value !== undefined) {
    throw new ComponentConfigError(
      'invalid_config',
      `${field}.value`,
      c.op === 'in' || c.op === 'not_in'
        ? `operator "${c.op}" needs a list of values`
        : `operator "${c.op}" needs a single value, not a list`,
      'match the value to the operator',
    );
  }
  if ((textOps as readonly string[]).includes(c.op) && column.type !== 'text' && column.type !== 'unknown') {
    throw new ComponentConfigError(
      'type_mismatch',
      `${field}.op`,
      `operator "${c.op}" works on text, and "${c.column}" is ${column.type}`,
      'use =, <, > … for this column, or pick a text column',
    );
  }
}

/** LIKE metacharacters in a value are data, not wildcards (SECURITY-TESTS G1). */
function likePattern(value: string, op: (typeof textOps)[number]): string {
  const escaped = value.replace(/[\\%_]/g, (m) => `\\${m}`);
  return op === 'contains' ? `%${escaped}%` : op === 'starts_with' ? `${escaped}%` : `%${escaped}`;
}

function conditionSql(c: Condition, columns: ColumnSchema[], i: number): SqlNode | undefined {
  const field = `conditions.${i}.value`;
  const column = requireColumn(columns, c.column, field);
  const col = ident(c.column);
  switch (c.op) {
    case 'is_null':
      return sql`${col} IS NULL`;
    case 'is_not_null':
      return sql`${col} IS NOT NULL`;
    case 'in':
    case 'not_in': {
      const values = (c.value as unknown[]).map((v, j) => boundScalar(v, column.type, `${field}.${j}`));
      return sql`${col} ${raw(c.op === 'in' ? 'IN' : 'NOT IN')} (${join(values)})`;
    }
    case 'contains':
    case 'starts_with':
    case 'ends_with': {
      if (c.value === undefined) return undefined;
      if (typeof c.value !== 'string')
        throw new ComponentConfigError(
          'type_mismatch',
          field,
          `operator "${c.op}" needs text`,
          'give a string',
        );
      boundScalar(c.value, 'text', field);
      // lower() on both sides: SQLite's LIKE ignores ASCII case and PostgreSQL's does not.
      return sql`lower(${col}) LIKE lower(${val(likePattern(c.value, c.op), 'text')}) ESCAPE '\\'`;
    }
    default: {
      if (c.value === undefined) return undefined;
      return sql`${col} ${raw(c.op === '!=' ? '<>' : c.op)} ${boundScalar(c.value, column.type, field)}`;
    }
  }
}

export const filter = defineComponent({
  name: 'filter',
  category: 'filter',
  description:
    'Keeps the rows matching structured conditions on attribute columns: =, !=, <, <=, >, >=, in, not_in, contains / starts_with / ends_with (case-insensitive text match; % and _ are literal), is_null, is_not_null. Values are literals or parameters, always bound; never SQL.',
  inputs: [{ name: 'input', description: 'rows to filter' }],
  config,
  execution: 'sql',
  order: 'preserve',
  columns({ config, inputs }) {
    const columns = inputs.input ?? [];
    config.conditions.forEach((c, i) => checkCondition(c, columns, i));
    return columns;
  },
  sql({ config, inputs, relations, output }) {
    const columns = inputs.input ?? [];
    const parts = config.conditions
      .map((c, i) => conditionSql(c, columns, i))
      .filter((p): p is SqlNode => p !== undefined);
    const where = parts.length
      ? sql` WHERE ${join(
          parts.map((p) => sql`(${p})`),
          config.match === 'all' ? ' AND ' : ' OR ',
        )}`
      : raw('');
    return sql`SELECT ${selectColumns(output)} FROM ${relations.input!}${where}`;
  },
});
