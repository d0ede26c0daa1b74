import { SqlDialect, requireArg } from './SqlDialect.ts';
import { type SqlNode, type SpatialOp, type ValueType, join, raw, sql } from './SqlNode.ts';

const castFor: Record<ValueType, string> = {
  text: 'text',
  float: 'double precision',
  integer: 'bigint',
  boolean: 'boolean',
  date: 'date',
  json: 'text',
};

/**
 * PostGIS: measures go through `geography` (spheroid), which is the reference the SpatiaLite
 * dialect is tested against. Placeholders carry explicit casts because `pg` sends untyped text
 * parameters and PostgreSQL cannot always infer a type (e.g. `$1 IS NULL`).
 */
export class PostgisDialect extends SqlDialect {
  readonly name = 'postgis' as const;
  readonly joinsOnMaterializedBoundingBoxes = false;
  readonly readsRTreeTables = false;

  protected placeholder(index: number, type: ValueType): string {
    return `$${index}::${castFor[type]}`;
  }

  protected series(from: SqlNode, to: SqlNode, column: string): SqlNode {
    return sql`(SELECT ${raw(this.quoteIdentifier(column))} FROM generate_series(CAST(${from} AS bigint), CAST(${to} AS bigint)) AS series_(${raw(this.quoteIdentifier(column))}))`;
  }

  protected least(args: SqlNode[]): SqlNode {
    return sql`LEAST(${join(args)})`;
  }

  /**
   * Only helper CTEs (a distance box per right-side row) ask for this, never a node's relation:
   * PostgreSQL still inlines those, so GiST indexes on the base tables stay usable. A helper
   * inlined would have its expressions copied into every reference and folded while planning
   * (0.6 ms per query for the distance box, more than running it); materialized, it runs once.
   */
  protected materializedHint(): string {
    return 'MATERIALIZED ';
  }

  protected toFloat(arg: SqlNode): SqlNode {
    return sql`CAST(${arg} AS double precision)`;
  }

  protected toText(arg: SqlNode): SqlNode {
    return sql`CAST(${arg} AS text)`;
  }

  private geography(g: SqlNode, srid: number | undefined): SqlNode {
    return srid === undefined || srid === 4326
      ? sql`CAST(${g} AS geography)`
      : sql`CAST(ST_Transform(${g}, 4326) AS geography)`;
  }

  private srid(srid: number | undefined): SqlNode {
    return raw(String(Math.trunc(srid ?? 4326)));
  }

  protected spatial(
    op: SpatialOp,
    args: SqlNode[],
    srid: number | undefined,
    fromSrid: number | undefined,
  ): SqlNode {
    const a = (i: number) => requireArg(args, i, op);
    switch (op) {
      case 'geomFromGeoJSON':
        return sql`ST_SetSRID(ST_GeomFromGeoJSON(${a(0)}), 4326)`;
      case 'asGeoJSON':
        return sql`ST_AsGeoJSON(${a(0)}, 9)`;
      case 'makeEnvelope':
        return sql`ST_MakeEnvelope(${a(0)}, ${a(1)}, ${a(2)}, ${a(3)}, ${this.srid(srid)})`;
      case 'makePoint':
        return sql`ST_SetSRID(ST_MakePoint(${a(0)}, ${a(1)}), ${this.srid(srid)})`;
      case 'geomFromText':
        return sql`ST_GeomFromText(${a(0)}, ${this.srid(srid)})`;
      case 'transform':
        return fromSrid === srid ? a(0) : sql`ST_Transform(${a(0)}, ${this.srid(srid)})`;
      case 'bufferMeters': {
        const buffered = sql`CAST(ST_Buffer(${this.geography(a(0), srid)}, ${a(1)}, 'quad_segs=16') AS geometry)`;
        return srid === undefined || srid === 4326
          ? buffered
          : sql`ST_Transform(${buffered}, ${this.srid(srid)})`;
      }
      case 'areaSquareMeters':
        return sql`ST_Area(${this.geography(a(0), srid)})`;
      case 'lengthMeters':
        return sql`ST_Length(${this.geography(a(0), srid)})`;
      case 'distanceMeters':
        return sql`ST_Distance(${this.geography(a(0), srid)}, ${this.geography(a(1), srid)})`;
      case 'withinDistanceMeters':
        return sql`ST_DWithin(${this.geography(a(0), srid)}, ${this.geography(a(1), srid)}, ${a(2)})`;
      case 'intersects':
        return sql`ST_Intersects(${a(0)}, ${a(1)})`;
      case 'within':
        return sql`ST_Within(${a(0)}, ${a(1)})`;
      case 'contains':
        return sql`ST_Contains(${a(0)}, ${a(1)})`;
      case 'bboxIntersects':
        return sql`(${a(0)} && ${a(1)})`;
      case 'centroid':
        return sql`ST_Centroid(${a(0)})`;
      case 'pointOnSurface':
        return sql`ST_PointOnSurface(${a(0)})`;
      case 'envelope':
        return sql`ST_Envelope(${a(0)})`;
      case 'convexHull':
        return sql`ST_ConvexHull(${a(0)})`;
      case 'simplify':
        return sql`ST_SimplifyPreserveTopology(${a(0)}, ${a(1)})`;
      case 'unionAggregate':
        return sql`ST_Union(${a(0)})`;
      case 'extentAggregate':
        return sql`ST_SetSRID(CAST(ST_Extent(${a(0)}) AS geometry), ${this.srid(srid)})`;
      case 'x':
        return sql`ST_X(${a(0)})`;
      case 'y':
        return sql`ST_Y(${a(0)})`;
      case 'minX':
        return sql`ST_XMin(${a(0)})`;
      case 'minY':
        return sql`ST_YMin(${a(0)})`;
      case 'maxX':
        return sql`ST_XMax(${a(0)})`;
      case 'maxY':
        return sql`ST_YMax(${a(0)})`;
      case 'subdivide':
        return sql`CASE WHEN ST_NPoints(${a(0)}) > ${a(1)} THEN (SELECT ST_Collect(s_) FROM ST_Subdivide(${a(0)}, ${a(1)}) AS s_) ELSE ${a(0)} END`;
      case 'numGeometries':
        return sql`ST_NumGeometries(${a(0)})`;
      case 'geometryN':
        return sql`ST_GeometryN(${a(0)}, ${a(1)})`;
    }
  }
}
