import { z } from 'zod';
import { type SqlNode, ident, spatial, sql, val } from '../sql/SqlNode.ts';
import { BBOX_COLUMNS, boundingBoxesOverlap, withBoundingBox } from './withBoundingBox.ts';
import { PIECE, PIECE_NO, PIECE_OF, isPointsAgainstPolygons, withPolygonPieces } from './polygonPieces.ts';
import { columnRef, geometryColumn, srid } from './columnRules.ts';
import { type SqlContext, defineComponent } from './Component.ts';
import {
  DISTANCE_BOX_COLUMNS,
  boxTouchesDistanceBox,
  distanceBox,
  distanceBoxAround,
  withDistanceEnvelope,
} from './distanceEnvelope.ts';
import { type Box, boxColumns, rtreeCandidates } from './rtreeCandidates.ts';
import { joinedColumns, joinedSelectList } from './joinColumns.ts';
import { checkDistance, distanceMeters, spatialPredicate, spatialPredicateName } from './spatialPredicate.ts';

const config = z.strictObject({
  predicate: spatialPredicateName,
  distance_m: distanceMeters.optional(),
  how: z.enum(['inner', 'left']).default('inner'),
  left_geometry: columnRef.optional(),
  right_geometry: columnRef.optional(),
  right_prefix: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,20}$/)
    .default('right_'),
});

export const spatialJoin = defineComponent({
  name: 'spatial_join',
  category: 'join',
  description:
    'Joins each left row to the right rows whose geometry satisfies a predicate with it: intersects, within (left within right, e.g. city within country), contains, within_distance (meters). One output row per matching pair; `how: left` keeps unmatched left rows.',
  inputs: [
    { name: 'left', description: 'left rows' },
    { name: 'right', description: 'right rows' },
  ],
  config,
  execution: 'sql',
  columns({ config, inputs }) {
    geometryColumn(inputs.left ?? [], config.left_geometry, 'left_geometry');
    geometryColumn(inputs.right ?? [], config.right_geometry, 'right_geometry');
    checkDistance(config.predicate, config.distance_m);
    return joinedColumns(inputs.left ?? [], inputs.right ?? [], config.right_prefix).columns;
  },
  sql(ctx) {
    const { config, inputs, relations } = ctx;
    const lg = geometryColumn(inputs.left ?? [], config.left_geometry, 'left_geometry');
    const rg = geometryColumn(inputs.right ?? [], config.right_geometry, 'right_geometry');
    const { right } = joinedColumns(inputs.left ?? [], inputs.right ?? [], config.right_prefix);
    const target = srid(lg);
    const rightGeom = spatial('transform', [ident('r', rg.name)], { srid: target, fromSrid: srid(rg) });
    let on = spatialPredicate(config.predicate, ident('l', lg.name), rightGeom, target, config.distance_m);
    let left = relations.left!;
    let rightRelation = relations.right!;
    // An inner join whose left input is an indexed table: the R*Tree hands each right row its
    // candidate left rows (the right input, outside, carries the box to look up).
    const base = ctx.baseTables.left;
    const rtree = config.how === 'inner' ? base?.rtree(lg.name) : undefined;
    const known = ctx.knownBounds.right;
    if (config.predicate === 'within_distance') {
      if (target === 4326 && known?.column === rg.name) {
        // A point parameter: its box is four bound numbers, worked out here.
        const box = distanceBoxAround(known.bbox, config.distance_m as number).map((v) =>
          val(v, 'float'),
        ) as Box;
        if (base && rtree) {
          left = base.relation;
          on = sql`${rtreeCandidates('l', base, rtree, box)} AND ${on}`;
        } else {
          on = sql`${spatial('bboxIntersects', [ident('l', lg.name), spatial('makeEnvelope', box, { srid: 4326 })])} AND ${on}`;
        }
      } else if (target === 4326 && srid(rg) === 4326) {
        // Pairs whose boxes cannot be that close are skipped before the geodesic test.
        rightRelation = withDistanceEnvelope(
          ctx,
          rightRelation,
          inputs.right ?? [],
          rg.name,
          config.distance_m as number,
        );
        if (base && rtree) {
          left = base.relation;
          on = sql`${rtreeCandidates('l', base, rtree, boxColumns('r', DISTANCE_BOX_COLUMNS))} AND ${on}`;
        } else if (ctx.capabilities.joinsOnMaterializedBoundingBoxes && !ctx.singleRowInputs.has('right')) {
          // Against one place (a point parameter) the box test per left row is cheap as it is.
          left = withBoundingBox(ctx, left, inputs.left ?? [], lg.name);
          on = sql`${boxTouchesDistanceBox('l', 'r')} AND ${on}`;
        } else {
          on = sql`${spatial('bboxIntersects', [ident('l', lg.name), distanceBox('r')])} AND ${on}`;
        }
      }
    } else if (
      config.how === 'inner' &&
      (config.predicate === 'within' || config.predicate === 'intersects') &&
      ctx.capabilities.joinsOnMaterializedBoundingBoxes &&
      srid(rg) === target &&
      isPointsAgainstPolygons(lg, rg)
    ) {
      return piecesJoin(ctx, config.predicate, lg.name, rg.name, right);
    } else if (base && rtree && srid(rg) === target) {
      left = base.relation;
      rightRelation = withBoundingBox(ctx, rightRelation, inputs.right ?? [], rg.name);
      on = sql`${rtreeCandidates('l', base, rtree, boxColumns('r', BBOX_COLUMNS))} AND ${on}`;
    } else if (ctx.capabilities.joinsOnMaterializedBoundingBoxes && srid(rg) === target) {
      left = withBoundingBox(ctx, left, inputs.left ?? [], lg.name);
      rightRelation = withBoundingBox(ctx, rightRelation, inputs.right ?? [], rg.name);
      on = sql`${boundingBoxesOverlap('l', 'r')} AND ${on}`;
    }
    const list = joinedSelectList(inputs.left ?? [], right);
    if (config.how === 'left')
      return sql`SELECT ${list} FROM ${left} AS "l" LEFT JOIN ${rightRelation} AS "r" ON ${on}`;
    // CROSS JOIN fixes SQLite's loop order (PostgreSQL plans it freely): the right input, usually
    // the fewer and larger polygons, outside, so GEOS sees the same polygon many times in a row.
    return sql`SELECT ${list} FROM ${rightRelation} AS "r" CROSS JOIN ${left} AS "l" WHERE ${on}`;
  },
});

/**
 * Points within (or intersecting) polygons, tested against small pieces of each polygon (see
 * polygonPieces.ts) instead of the whole polygon: the pieces, fewest rows, outside; each piece
 * takes its candidate points from the points' R*Tree, or compares boxes when the points are not a
 * table. A point inside a piece is inside its polygon, and in no other piece of it. A point on a
 * piece's edge (rare: a cut line or the polygon's own border) is kept once, for the first piece
 * it touches unless another piece holds it inside, and only when the whole polygon really meets
 * (or, for `within`, holds) it. Only these rare rows pay for the extra tests.
 */
function piecesJoin(
  ctx: SqlContext<unknown>,
  predicate: 'within' | 'intersects',
  leftGeometry: string,
  rightGeometry: string,
  right: { from: string; to: string }[],
): SqlNode {
  const { inputs, relations } = ctx;
  const base = ctx.baseTables.left;
  const rtree = base?.rtree(leftGeometry);
  const boxedLeft =
    base && rtree ? undefined : withBoundingBox(ctx, relations.left!, inputs.left ?? [], leftGeometry);
  const { rows, pieces } = withPolygonPieces(
    ctx,
    relations.right!,
    inputs.right ?? [],
    rightGeometry,
    boxedLeft,
  );
  const point = ident('l', leftGeometry);
  const piece = ident('p', PIECE);
  const candidates =
    base && rtree
      ? rtreeCandidates('l', base, rtree, boxColumns('p', BBOX_COLUMNS))
      : boundingBoxesOverlap('l', 'p');
  // Another piece claims the point first when it holds it inside (cut pieces can overlap by a
  // rounding error) or is an earlier piece the point touches too.
  const q = ident('q', PIECE);
  const claimedElsewhere = sql`EXISTS (SELECT 1 FROM ${pieces} AS "q" WHERE ${ident('q', PIECE_OF)} = ${ident('p', PIECE_OF)} AND ${ident('q', PIECE_NO)} <> ${ident('p', PIECE_NO)} AND ${spatial('bboxIntersects', [point, q])} AND CASE WHEN ${ident('q', PIECE_NO)} < ${ident('p', PIECE_NO)} THEN ${spatial('intersects', [point, q])} ELSE ${spatial('within', [point, q])} END)`;
  // The whole polygon decides: a cut's end on the border is rounded, so a piece can reach a
  // hair beyond its polygon.
  const onEdge = sql`NOT ${claimedElsewhere} AND ${spatial(predicate, [point, ident('r', rightGeometry)])}`;
  const list = joinedSelectList(inputs.left ?? [], right);
  return sql`SELECT ${list} FROM ${pieces} AS "p" CROSS JOIN ${rows} AS "r" CROSS JOIN ${boxedLeft ?? base!.relation} AS "l" WHERE ${ident('r', PIECE_OF)} = ${ident('p', PIECE_OF)} AND ${candidates} AND ${spatial('intersects', [point, piece])} AND (${spatial('within', [point, piece])} OR (${onEdge}))`;
}
