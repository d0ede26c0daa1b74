import { type SqlNode, ident, join, raw, sql } from '../sql/SqlNode.ts';
import type { OrderTerm } from './Component.ts';

/**
 * ORDER BY with NULLs last in both directions: SQLite and PostgreSQL disagree on where NULLs
 * sort by default, and `NULLS LAST` is not spelled in every SQLite, so sort on `IS NULL` first.
 */
export function orderClause(terms: OrderTerm[], alias?: string): SqlNode {
  if (terms.length === 0) return raw('');
  const parts = terms.map((t) => {
    const column = alias ? ident(alias, t.column) : ident(t.column);
    return sql`(CASE WHEN ${column} IS NULL THEN 1 ELSE 0 END), ${column} ${raw(t.direction === 'desc' ? 'DESC' : 'ASC')}`;
  });
  return sql` ORDER BY ${join(parts)}`;
}
