import { type SqlNode, ident, sql } from '../sql/SqlNode.ts';
import type { BaseTable } from './Component.ts';

/** A box as four numbers (expressions): west, south, east, north, in the indexed column's SRID. */
export type Box = [minX: SqlNode, minY: SqlNode, maxX: SqlNode, maxY: SqlNode];

/**
 * `alias` (the base table itself) keeps only rows whose indexed bounding box touches `box`: the
 * R*Tree answers, so only those rows are read. It stores its boxes rounded outwards (32-bit
 * floats), so this keeps every row a box comparison keeps, and the exact test after it decides.
 */
export function rtreeCandidates(alias: string, table: BaseTable, rtree: SqlNode, box: Box): SqlNode {
  const [minX, minY, maxX, maxY] = box;
  return sql`${ident(alias, table.rowid)} IN (SELECT "pkid" FROM ${rtree} WHERE "xmax" >= ${minX} AND "xmin" <= ${maxX} AND "ymax" >= ${minY} AND "ymin" <= ${maxY})`;
}

/**
 * `alias` keeps only rows whose indexed box touches the box of at least one row of `boxes` (box
 * columns named `columns`). Uncorrelated: SQLite runs it once and reads only the rows it names.
 */
export function rtreeCandidatesOfAny(
  alias: string,
  table: BaseTable,
  rtree: SqlNode,
  boxes: SqlNode,
  columns: readonly [string, string, string, string],
): SqlNode {
  const [minX, minY, maxX, maxY] = boxColumns('b', columns);
  return sql`${ident(alias, table.rowid)} IN (SELECT "t"."pkid" FROM ${boxes} AS "b" CROSS JOIN ${rtree} AS "t" WHERE "t"."xmax" >= ${minX} AND "t"."xmin" <= ${maxX} AND "t"."ymax" >= ${minY} AND "t"."ymin" <= ${maxY})`;
}

/** The box columns of `alias` named `columns` (west, south, east, north). */
export function boxColumns(alias: string, columns: readonly [string, string, string, string]): Box {
  return columns.map((c) => ident(alias, c)) as Box;
}
