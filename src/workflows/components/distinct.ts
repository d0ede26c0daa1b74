import { z } from 'zod';
import { sql } from '../sql/SqlNode.ts';
import { ComponentConfigError } from '../validation/WorkflowIssue.ts';
import { columnRef, requireColumn } from './columnRules.ts';
import { defineComponent } from './Component.ts';
import { selectColumns } from './selectColumns.ts';

const config = z.strictObject({
  columns: z
    .array(columnRef)
    .min(1)
    .max(50)
    .optional()
    .describe('the columns to keep and deduplicate on (default: all non-geometry columns)'),
});

export const distinct = defineComponent({
  name: 'distinct',
  category: 'filter',
  description:
    'Keeps one row per distinct combination of the chosen attribute columns (only those columns are output).',
  inputs: [{ name: 'input', description: 'rows' }],
  config,
  execution: 'sql',
  columns({ config, inputs }) {
    const columns = inputs.input ?? [];
    const chosen = config.columns
      ? config.columns.map((name, i) => requireColumn(columns, name, `columns.${i}`))
      : columns.filter((c) => c.type !== 'geometry');
    chosen.forEach((c, i) => {
      // Geometry equality differs between engines (bytes vs. shape): refuse rather than diverge.
      if (c.type === 'geometry')
        throw new ComponentConfigError(
          'type_mismatch',
          `columns.${i}`,
          `column "${c.name}" is a geometry`,
          'deduplicate on attribute columns; use dissolve to merge geometries',
        );
    });
    if (chosen.length === 0)
      throw new ComponentConfigError(
        'invalid_config',
        'columns',
        'the input has no attribute column',
        'list columns to keep',
      );
    return chosen;
  },
  sql({ relations, output }) {
    return sql`SELECT DISTINCT ${selectColumns(output)} FROM ${relations.input!}`;
  },
});
