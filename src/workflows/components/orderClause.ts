import { type SqlNode, ident, join, raw, sql } from '../sql/SqlNode.ts';
import type { OrderTerm } from './Component.ts';

/**
 * ORDER BY with NULLs last in both directions: SQLite and PostgreSQL disagree on where NULLs
 * sort by default. Both engines spell `NULLS LAST` (SQLite since 3.30; spl.js ships 3.51), and
 * unlike a `CASE … IS NULL` sort key it leaves the planner free to use an index or a top-N sort.
 */
export function orderClause(terms: OrderTerm[], alias?: string): SqlNode {
  if (terms.length === 0) return raw('');
  const parts = terms.map((t) => {
    const column = alias ? ident(alias, t.column) : ident(t.column);
    return sql`${column} ${raw(t.direction === 'desc' ? 'DESC NULLS LAST' : 'ASC NULLS LAST')}`;
  });
  return sql` ORDER BY ${join(parts)}`;
}
