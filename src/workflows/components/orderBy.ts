import { z } from 'zod';
import { ComponentConfigError } from '../validation/WorkflowIssue.ts';
import { columnRef, requireColumn } from './columnRules.ts';
import { defineComponent } from './Component.ts';

const config = z.strictObject({
  by: z
    .array(z.strictObject({ column: columnRef, direction: z.enum(['asc', 'desc']).default('asc') }))
    .min(1)
    .max(10),
});

export const orderBy = defineComponent({
  name: 'order_by',
  category: 'filter',
  description:
    'Sorts rows by one or more columns (asc or desc; NULLs last). The order carries through later filters and limits to the result.',
  inputs: [{ name: 'input', description: 'rows' }],
  config,
  execution: 'sql',
  order: (config) => config.by,
  columns({ config, inputs }) {
    config.by.forEach((term, i) => {
      const column = requireColumn(inputs.input ?? [], term.column, `by.${i}.column`);
      if (column.type === 'geometry')
        throw new ComponentConfigError(
          'type_mismatch',
          `by.${i}.column`,
          `column "${term.column}" is a geometry`,
          'sort by an attribute column, e.g. one made by area or distance',
        );
    });
    return inputs.input ?? [];
  },
  // No ORDER BY here: a CTE's order is not guaranteed to survive, so the order is tracked beside
  // the SQL (`order` above) and applied where it counts, by a later limit and the final SELECT.
  // Sorting here too made engines sort twice. So the node is its input relation, with no CTE.
  sql({ relations }) {
    return relations.input!;
  },
});
