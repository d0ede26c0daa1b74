import { z } from 'zod';
import { ident, join, sql } from '../sql/SqlNode.ts';
import { ComponentConfigError } from '../validation/WorkflowIssue.ts';
import { columnRef, newColumnName, requireColumn } from './columnRules.ts';
import { defineComponent } from './Component.ts';

const config = z.strictObject({
  columns: z
    .array(z.strictObject({ column: columnRef, as: newColumnName.optional() }))
    .min(1)
    .max(200)
    .describe('columns to keep, in order, each optionally renamed with `as`'),
});

export const select = defineComponent({
  name: 'select',
  category: 'transform',
  description: 'Keeps only the listed columns, in the given order, optionally renaming each (`as`).',
  inputs: [{ name: 'input', description: 'rows' }],
  config,
  execution: 'sql',
  columns({ config, inputs }) {
    const seen = new Set<string>();
    return config.columns.map((c, i) => {
      const column = requireColumn(inputs.input ?? [], c.column, `columns.${i}.column`);
      const name = c.as ?? c.column;
      if (seen.has(name))
        throw new ComponentConfigError(
          'invalid_config',
          `columns.${i}`,
          `two output columns are named "${name}"`,
          'give one of them another `as`',
        );
      seen.add(name);
      return { ...column, name };
    });
  },
  sql({ config, relations }) {
    const list = config.columns.map((c) => sql`${ident(c.column)} AS ${ident(c.as ?? c.column)}`);
    return sql`SELECT ${join(list)} FROM ${relations.input!}`;
  },
});
