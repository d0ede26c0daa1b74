import { z } from 'zod';
import { ComponentConfigError } from '../validation/WorkflowIssue.ts';
import { raw, sql } from '../sql/SqlNode.ts';
import { defineComponent } from './Component.ts';
import { readOnlySqlProblem } from './readOnlySqlCheck.ts';
import { selectColumns } from './selectColumns.ts';

const config = z.strictObject({
  sql: z
    .string()
    .min(1)
    .max(100_000)
    .describe('one read-only SELECT; it cannot reference workflow parameters'),
  columns: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(128),
        type: z.enum(['integer', 'number', 'text', 'boolean', 'date', 'geometry']),
        srid: z.number().int().positive().optional(),
      }),
    )
    .min(1)
    .describe(
      'the columns the query returns, with their types (the compiler cannot run the query to find them)',
    ),
});

export const sqlQuery = defineComponent({
  name: 'sql_query',
  category: 'source',
  description:
    'Editors only: rows of a read-only SELECT written by hand, wrapped as a subquery. Declare the columns it returns. Parameters are never spliced into it; filter its rows with filter nodes bound to parameters instead.',
  inputs: [],
  config,
  execution: 'sql',
  requiresRole: 'editor',
  columns({ config }) {
    const problem = readOnlySqlProblem(config.sql);
    if (problem)
      throw new ComponentConfigError(
        'invalid_config',
        'sql',
        problem,
        'write a single SELECT statement with no placeholders, writes or file functions',
      );
    return config.columns.map((c) =>
      c.type === 'geometry'
        ? { name: c.name, type: c.type, srid: c.srid ?? 4326 }
        : { name: c.name, type: c.type },
    );
  },
  sql({ config, output }) {
    // The one place editor-written SQL enters the tree: checked above, run read-only by the
    // engine, wrapped so only the declared columns leave it.
    return sql`SELECT ${selectColumns(output, 'editor_query')} FROM (${raw(config.sql)}) AS "editor_query"`;
  },
});
