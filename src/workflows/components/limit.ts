import { z } from 'zod';
import { paramOr } from '../document/ParamRef.ts';
import { sql, val } from '../sql/SqlNode.ts';
import { defineComponent } from './Component.ts';
import { orderClause } from './orderClause.ts';
import { selectColumns } from './selectColumns.ts';

export const MAX_LIMIT = 1_000_000;

const config = z.strictObject({
  count: paramOr(z.number().int().min(1).max(MAX_LIMIT), 'integer').describe(
    `number of rows to keep (1 to ${MAX_LIMIT})`,
  ),
  offset: z.number().int().min(0).max(MAX_LIMIT).default(0).describe('rows to skip first'),
});

export const limit = defineComponent({
  name: 'limit',
  category: 'filter',
  description:
    'Keeps the first `count` rows (after skipping `offset`), in the order set by an order_by upstream; without one the rows kept are arbitrary.',
  inputs: [{ name: 'input', description: 'rows' }],
  config,
  execution: 'sql',
  order: 'preserve',
  columns: ({ inputs }) => inputs.input ?? [],
  sql({ config, relations, output, ordering }) {
    return sql`SELECT ${selectColumns(output)} FROM ${relations.input!}${orderClause(ordering)} LIMIT ${val(config.count, 'integer')} OFFSET ${val(config.offset, 'integer')}`;
  },
});
