import type { ColumnSchema } from '../catalog/ColumnSchema.ts';
import { type SqlNode, ident, spatial, sql, val } from '../sql/SqlNode.ts';
import type { SqlContext } from './Component.ts';
import { selectColumns } from './selectColumns.ts';
import { BBOX_COLUMNS, withBoundingBox } from './withBoundingBox.ts';

/**
 * Parts larger than this are cut up. SpatiaLite parses both geometries on every predicate call,
 * so testing a point against a 11,000-vertex country costs the whole parse each time: on the demo
 * cities × countries join that parse was half of 7.5 s. With parts of at most 256 vertices the
 * same join took 0.45 s (128: 1.0 s, subdividing dominates; 512: 0.6 s; 1024: 0.8 s).
 */
export const PIECE_VERTICES = 256;

/** Names the pieces' columns; chosen so they cannot clash with a workflow's own columns. */
export const PIECE_OF = 'piece_of_';
export const PIECE_NO = 'piece_no_';
export const PIECE = 'piece_';

export interface PolygonPieces {
  /** The input rows, each with a row number `piece_of_`. */
  rows: SqlNode;
  /**
   * `piece_of_` (the row it belongs to), `piece_no_` (1…), `piece_` (a part of the row's
   * geometry: its polygons, cut into parts of at most PIECE_VERTICES vertices) and its box
   * (BBOX_COLUMNS). The pieces of one row cover its geometry and their interiors do not overlap.
   */
  pieces: SqlNode;
}

/**
 * A join input's polygons cut into small pieces, computed once. `near` (box columns of another
 * relation) leaves out rows whose box touches none of its rows' boxes, so a join against a few
 * cities in a bounding box does not cut up every country of the world.
 */
export function withPolygonPieces(
  ctx: Pick<SqlContext<unknown>, 'materialize'>,
  relation: SqlNode,
  columns: ColumnSchema[],
  geometry: string,
  near?: SqlNode,
): PolygonPieces {
  const g = ident(geometry);
  const rows = ctx.materialize(
    sql`SELECT ${selectColumns(columns)}, row_number() OVER () AS ${ident(PIECE_OF)} FROM ${relation}`,
  );
  const extent = near
    ? sql` WHERE ${spatial('maxX', [g])} >= (SELECT min(${ident(BBOX_COLUMNS[0])}) FROM ${near}) AND ${spatial('minX', [g])} <= (SELECT max(${ident(BBOX_COLUMNS[2])}) FROM ${near}) AND ${spatial('maxY', [g])} >= (SELECT min(${ident(BBOX_COLUMNS[1])}) FROM ${near}) AND ${spatial('minY', [g])} <= (SELECT max(${ident(BBOX_COLUMNS[3])}) FROM ${near})`
    : sql``;
  const parts = ctx.materialize(
    sql`SELECT ${ident(PIECE_OF)}, ${spatial('subdivide', [g, val(PIECE_VERTICES, 'integer')])} AS "parts_" FROM ${rows}${extent}`,
  );
  // Counted apart from cutting, so neither the cut nor the count runs twice per row.
  const counted = ctx.materialize(
    sql`SELECT ${ident(PIECE_OF)}, "parts_", ${spatial('numGeometries', [ident('parts_')])} AS "count_" FROM ${parts}`,
  );
  const numbers: SqlNode = {
    kind: 'series',
    from: val(1, 'integer'),
    to: sql`(SELECT coalesce(max("count_"), 0) FROM ${counted})`,
    column: PIECE_NO,
  };
  const cut = ctx.materialize(
    sql`SELECT ${ident('c', PIECE_OF)} AS ${ident(PIECE_OF)}, ${ident('n', PIECE_NO)} AS ${ident(PIECE_NO)}, ${spatial('geometryN', [ident('c', 'parts_'), ident('n', PIECE_NO)])} AS ${ident(PIECE)} FROM ${counted} AS "c" JOIN ${numbers} AS "n" ON ${ident('n', PIECE_NO)} <= ${ident('c', 'count_')}`,
  );
  const pieceColumns: ColumnSchema[] = [
    { name: PIECE_OF, type: 'integer' },
    { name: PIECE_NO, type: 'integer' },
    { name: PIECE, type: 'geometry' },
  ];
  const boxed = withBoundingBox(ctx, cut, pieceColumns, PIECE);
  if (!near) return { rows, pieces: boxed };
  // A polygon near the other rows can still be mostly far from them (Russia for a box over
  // Germany): its far pieces would each be compared with every row for nothing.
  const [minX, minY, maxX, maxY] = [
    ident(BBOX_COLUMNS[0]),
    ident(BBOX_COLUMNS[1]),
    ident(BBOX_COLUMNS[2]),
    ident(BBOX_COLUMNS[3]),
  ];
  const nearby = ctx.materialize(
    sql`SELECT ${selectColumns([...pieceColumns, ...BBOX_COLUMNS.map((name) => ({ name, type: 'number' as const }))])} FROM ${boxed} WHERE ${maxX} >= (SELECT min(${minX}) FROM ${near}) AND ${minX} <= (SELECT max(${maxX}) FROM ${near}) AND ${maxY} >= (SELECT min(${minY}) FROM ${near}) AND ${minY} <= (SELECT max(${maxY}) FROM ${near})`,
  );
  return { rows, pieces: nearby };
}

/** Whether the pieces path fits: points tested against polygons (see spatialJoin). */
export function isPointsAgainstPolygons(points: ColumnSchema, polygons: ColumnSchema): boolean {
  return (
    points.geometryType === 'POINT' &&
    (polygons.geometryType === 'POLYGON' || polygons.geometryType === 'MULTIPOLYGON')
  );
}
