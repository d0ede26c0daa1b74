import { z } from 'zod';
import { isNumeric } from '../catalog/ColumnSchema.ts';
import { ident, raw, sql } from '../sql/SqlNode.ts';
import { ComponentConfigError } from '../validation/WorkflowIssue.ts';
import { columnRef, requireColumn } from './columnRules.ts';
import { defineComponent } from './Component.ts';
import { joinedColumns, joinedSelectList } from './joinColumns.ts';

const config = z.strictObject({
  left_on: columnRef.describe('key column of `left`'),
  right_on: columnRef.describe('key column of `right`'),
  how: z
    .enum(['inner', 'left'])
    .default('inner')
    .describe('inner: only matching rows; left: every left row, right columns empty when unmatched'),
  right_prefix: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,20}$/)
    .default('right_')
    .describe('prefix for right columns whose name is already taken'),
});

export const attributeJoin = defineComponent({
  name: 'attribute_join',
  category: 'join',
  description:
    'Joins two inputs on equal key columns (like SQL JOIN … ON left.key = right.key), inner or left. Right columns whose names clash get right_prefix.',
  inputs: [
    { name: 'left', description: 'left rows' },
    { name: 'right', description: 'right rows' },
  ],
  config,
  execution: 'sql',
  columns({ config, inputs }) {
    const l = requireColumn(inputs.left ?? [], config.left_on, 'left_on');
    const r = requireColumn(inputs.right ?? [], config.right_on, 'right_on');
    const compatible =
      l.type === r.type ||
      (isNumeric(l.type) && isNumeric(r.type)) ||
      l.type === 'unknown' ||
      r.type === 'unknown';
    if (!compatible || l.type === 'geometry') {
      throw new ComponentConfigError(
        'type_mismatch',
        'right_on',
        `key "${config.left_on}" is ${l.type} and "${config.right_on}" is ${r.type}`,
        'join on two attribute columns of the same type (use spatial_join for geometries)',
      );
    }
    return joinedColumns(inputs.left ?? [], inputs.right ?? [], config.right_prefix).columns;
  },
  sql({ config, inputs, relations }) {
    const { right } = joinedColumns(inputs.left ?? [], inputs.right ?? [], config.right_prefix);
    return sql`SELECT ${joinedSelectList(inputs.left ?? [], right)} FROM ${relations.left!} AS "l" ${raw(config.how === 'left' ? 'LEFT JOIN' : 'INNER JOIN')} ${relations.right!} AS "r" ON ${ident('l', config.left_on)} = ${ident('r', config.right_on)}`;
  },
});
