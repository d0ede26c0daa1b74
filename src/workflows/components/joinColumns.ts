import type { ColumnSchema } from '../catalog/ColumnSchema.ts';
import { type SqlNode, ident, join, sql } from '../sql/SqlNode.ts';
import { ComponentConfigError } from '../validation/WorkflowIssue.ts';

/**
 * Output columns of a join: all left columns, then the right ones; a right column whose name is
 * taken gets `prefix` (default right_) so nothing is silently dropped or made ambiguous.
 */
export function joinedColumns(
  left: ColumnSchema[],
  right: ColumnSchema[],
  prefix: string,
): { columns: ColumnSchema[]; right: { from: string; to: string }[] } {
  const taken = new Set(left.map((c) => c.name));
  const renamed = right.map((c) => {
    let to = c.name;
    if (taken.has(to)) to = `${prefix}${c.name}`;
    if (taken.has(to)) {
      throw new ComponentConfigError(
        'invalid_config',
        'right_prefix',
        `right column "${c.name}" clashes with "${to}" even after prefixing`,
        'choose another right_prefix',
      );
    }
    taken.add(to);
    return { from: c.name, to, column: { ...c, name: to } };
  });
  return {
    columns: [...left, ...renamed.map((r) => r.column)],
    right: renamed.map(({ from, to }) => ({ from, to })),
  };
}

export function joinedSelectList(
  left: ColumnSchema[],
  right: { from: string; to: string }[],
  leftAlias = 'l',
  rightAlias = 'r',
): SqlNode {
  return join([
    ...left.map((c) => sql`${ident(leftAlias, c.name)} AS ${ident(c.name)}`),
    ...right.map((c) => sql`${ident(rightAlias, c.from)} AS ${ident(c.to)}`),
  ]);
}
