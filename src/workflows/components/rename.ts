import { z } from 'zod';
import { ident, join, sql } from '../sql/SqlNode.ts';
import { ComponentConfigError } from '../validation/WorkflowIssue.ts';
import { newColumnName, requireColumn } from './columnRules.ts';
import { defineComponent } from './Component.ts';

const config = z.strictObject({
  columns: z
    .record(z.string().min(1).max(128), newColumnName)
    .describe('old name → new name; other columns are kept as they are'),
});

export const rename = defineComponent({
  name: 'rename',
  category: 'transform',
  description: 'Renames some columns and keeps all the others unchanged.',
  inputs: [{ name: 'input', description: 'rows' }],
  config,
  execution: 'sql',
  columns({ config, inputs }) {
    const columns = inputs.input ?? [];
    for (const old of Object.keys(config.columns)) requireColumn(columns, old, `columns.${old}`);
    const renamed = columns.map((c) => ({ ...c, name: config.columns[c.name] ?? c.name }));
    const names = renamed.map((c) => c.name);
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate)
      throw new ComponentConfigError(
        'invalid_config',
        'columns',
        `two output columns would be named "${duplicate}"`,
        'choose a new name not used by another column',
      );
    return renamed;
  },
  sql({ config, inputs, relations }) {
    const list = (inputs.input ?? []).map(
      (c) => sql`${ident(c.name)} AS ${ident(config.columns[c.name] ?? c.name)}`,
    );
    return sql`SELECT ${join(list)} FROM ${relations.input!}`;
  },
});
