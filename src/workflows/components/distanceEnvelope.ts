import type { ColumnSchema } from '../catalog/ColumnSchema.ts';
import { type SqlNode, ident, spatial, sql, val } from '../sql/SqlNode.ts';
import type { SqlContext } from './Component.ts';
import { selectColumns } from './selectColumns.ts';

/**
 * Lower bounds of the ground length of one degree on WGS 84, whatever model an engine measures
 * on (ellipsoid or mean sphere): a degree of latitude is at least a(1−e²)·π/180 (the meridian's
 * smallest radius of curvature), a degree of longitude at latitude φ at least b·cos φ·π/180 (the
 * polar semi-axis b is below the ellipsoid's prime-vertical radius and the mean sphere's). The
 * margin absorbs floating-point rounding.
 */
const MIN_METERS_PER_DEGREE_LATITUDE = (6_335_439.327 * Math.PI) / 180;
const MIN_METERS_PER_DEGREE_LONGITUDE_AT_EQUATOR = (6_356_752.314 * Math.PI) / 180;
const MARGIN = 1.001;

export const DISTANCE_BOX_COLUMNS = [
  'dwithin_minx_',
  'dwithin_miny_',
  'dwithin_maxx_',
  'dwithin_maxy_',
] as const;
const HALF_WIDTH = 'dwithin_half_width_';

/**
 * A within-distance input (SRID 4326) with, per row, a lon/lat box holding every point within
 * `meters` on the ground of its geometry, computed once: the index-friendly pre-filter that lets
 * the exact geodesic test run only on rows whose box touches it, keeping exactly the same rows.
 *
 * A path of length d from the geometry changes latitude by at most dLat = d / (min meters per
 * degree of latitude), so never goes past φ* = max |y| of the geometry's box + dLat; along it the
 * longitude changes by at most d / (min meters per degree of longitude at φ*). Reaching a pole, or
 * crossing the antimeridian on either side, opens the box to all longitudes (coordinates are
 * taken in [-180, 180], as geography requires).
 */
export function withDistanceEnvelope(
  ctx: Pick<SqlContext<unknown>, 'materialize'>,
  relation: SqlNode,
  columns: ColumnSchema[],
  geometry: string,
  meters: number,
): SqlNode {
  const g = ident(geometry);
  const dLat = (meters / MIN_METERS_PER_DEGREE_LATITUDE) * MARGIN;
  const dLonAtEquator = (meters / MIN_METERS_PER_DEGREE_LONGITUDE_AT_EQUATOR) * MARGIN;
  const [minX, minY, maxX, maxY] = (['minX', 'minY', 'maxX', 'maxY'] as const).map((op) =>
    spatial(op, [g]),
  ) as [SqlNode, SqlNode, SqlNode, SqlNode];
  // φ* = max(|minY|, |maxY|) + dLat, without GREATEST (spelled differently per engine): minY ≤ maxY.
  const farthest = sql`((abs(${minY} + ${maxY}) + (${maxY} - ${minY})) / 2 + ${val(dLat, 'float')})`;
  // 360° at a pole opens the box below; under 90° the cosine is positive.
  const halfWidth = sql`(CASE WHEN ${farthest} >= 90 THEN 360.0 ELSE ${val(dLonAtEquator, 'float')} / cos(radians(${farthest})) END)`;
  const widened = ctx.materialize(
    sql`SELECT ${selectColumns(columns)}, ${halfWidth} AS ${ident(HALF_WIDTH)} FROM ${relation}`,
  );
  const w = ident(HALF_WIDTH);
  const allLongitudes = sql`(${minX} - ${w} <= -180 OR ${maxX} + ${w} >= 180)`;
  const [west, south, east, north] = DISTANCE_BOX_COLUMNS.map((c) => ident(c)) as [
    SqlNode,
    SqlNode,
    SqlNode,
    SqlNode,
  ];
  return ctx.materialize(
    sql`SELECT ${selectColumns(columns)}, CASE WHEN ${allLongitudes} THEN -180.0 ELSE ${minX} - ${w} END AS ${west}, ${minY} - ${val(dLat, 'float')} AS ${south}, CASE WHEN ${allLongitudes} THEN 180.0 ELSE ${maxX} + ${w} END AS ${east}, ${maxY} + ${val(dLat, 'float')} AS ${north} FROM ${widened}`,
  );
}

/**
 * The same box as withDistanceEnvelope's, worked out while compiling for a geometry whose box
 * is known then (a point parameter): bound as four numbers, as a person writes it, the engine
 * neither computes nor plans it per query.
 */
export function distanceBoxAround(
  [minX, minY, maxX, maxY]: readonly [number, number, number, number],
  meters: number,
): [west: number, south: number, east: number, north: number] {
  const dLat = (meters / MIN_METERS_PER_DEGREE_LATITUDE) * MARGIN;
  const farthest = Math.max(Math.abs(minY), Math.abs(maxY)) + dLat;
  const halfWidth =
    farthest >= 90
      ? 360
      : ((meters / MIN_METERS_PER_DEGREE_LONGITUDE_AT_EQUATOR) * MARGIN) /
        Math.cos((farthest * Math.PI) / 180);
  const allLongitudes = minX - halfWidth <= -180 || maxX + halfWidth >= 180;
  return [
    allLongitudes ? -180 : minX - halfWidth,
    minY - dLat,
    allLongitudes ? 180 : maxX + halfWidth,
    maxY + dLat,
  ];
}

/** The box of `alias` (a relation from withDistanceEnvelope) as a rectangle in SRID 4326. */
export function distanceBox(alias: string): SqlNode {
  return spatial(
    'makeEnvelope',
    DISTANCE_BOX_COLUMNS.map((c) => ident(alias, c)),
    { srid: 4326 },
  );
}

/** The bounding box of `alias` (from withBoundingBox) touches the distance box of `other`: plain numbers, no geometry call. */
export function boxTouchesDistanceBox(alias: string, other: string): SqlNode {
  const c = (a: string, column: string) => ident(a, column);
  return sql`${c(alias, 'bbox_maxx_')} >= ${c(other, 'dwithin_minx_')} AND ${c(alias, 'bbox_minx_')} <= ${c(other, 'dwithin_maxx_')} AND ${c(alias, 'bbox_maxy_')} >= ${c(other, 'dwithin_miny_')} AND ${c(alias, 'bbox_miny_')} <= ${c(other, 'dwithin_maxy_')}`;
}
