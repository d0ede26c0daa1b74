import { z } from 'zod';
import { paramOr } from '../document/ParamRef.ts';
import { sql, val } from '../sql/SqlNode.ts';
import { defineComponent } from './Component.ts';
import { MAX_LIMIT } from './limit.ts';
import { selectColumns } from './selectColumns.ts';

const config = z.strictObject({
  count: paramOr(z.number().int().min(1).max(MAX_LIMIT), 'integer').describe(
    'number of rows to draw at random',
  ),
});

export const sample = defineComponent({
  name: 'sample',
  category: 'filter',
  description: 'Draws `count` rows uniformly at random (all rows when there are fewer). Each run draws anew.',
  inputs: [{ name: 'input', description: 'rows' }],
  config,
  execution: 'sql',
  columns: ({ inputs }) => inputs.input ?? [],
  sql({ config, relations, output }) {
    return sql`SELECT ${selectColumns(output)} FROM ${relations.input!} ORDER BY random() LIMIT ${val(config.count, 'integer')}`;
  },
});
