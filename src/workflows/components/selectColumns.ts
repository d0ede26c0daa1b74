import type { ColumnSchema } from '../catalog/ColumnSchema.ts';
import { type SqlNode, ident, join, sql } from '../sql/SqlNode.ts';

/**
 * The select list for `columns` read from a relation alias, with some replaced by expressions
 * (`replacements` by column name). Enumerating columns instead of `*` keeps the output schema
 * we computed and the SQL in step.
 */
export function selectColumns(
  columns: ColumnSchema[],
  alias?: string,
  replacements: Record<string, SqlNode> = {},
): SqlNode {
  return join(
    columns.map((c) => {
      const expression = replacements[c.name];
      if (expression) return sql`${expression} AS ${ident(c.name)}`;
      return alias ? sql`${ident(alias, c.name)} AS ${ident(c.name)}` : ident(c.name);
    }),
  );
}

export function columnOf(alias: string, column: ColumnSchema | string): SqlNode {
  return ident(alias, typeof column === 'string' ? column : column.name);
}
