import { SqlDialect, requireArg } from './SqlDialect.ts';
import { type SqlNode, type SpatialOp, raw, sql, join, val } from './SqlNode.ts';

/**
 * SpatiaLite has no geography type. Measures use its ellipsoidal forms (`ST_Area(g, 1)`,
 * `ST_Length(g, 1)`, `ST_Distance(a, b, 1)`, all on EPSG:4326). Buffers in meters are drawn in
 * the UTM zone of the geometry's centroid: spl.js' embedded proj.db holds the UTM codes, PROJ
 * caches the last transformation, and the scale error stays under 0.1% near the zone (far below
 * the 1% we promise against PostGIS geography).
 */
export class SpatialiteDialect extends SqlDialect {
  readonly name = 'spatialite' as const;
  readonly joinsOnMaterializedBoundingBoxes = true;
  readonly readsRTreeTables = true;

  /** SpatiaLite lists geometry columns in geometry_columns; CREATE TABLE … AS does not add them. */
  override registerGeometryColumn(
    table: string,
    column: string,
    srid: number,
    geometryType: string,
  ): SqlNode {
    return sql`SELECT RecoverGeometryColumn(${val(table, 'text')}, ${val(column, 'text')}, ${val(srid, 'integer')}, ${val(geometryType, 'text')}, 'XY')`;
  }

  protected placeholder(): string {
    return '?';
  }

  protected series(from: SqlNode, to: SqlNode, column: string): SqlNode {
    return sql`(SELECT value AS ${raw(this.quoteIdentifier(column))} FROM generate_series(CAST(${from} AS INTEGER), CAST(${to} AS INTEGER)))`;
  }

  protected least(args: SqlNode[]): SqlNode {
    return sql`min(${join(args)})`;
  }

  /**
   * SQLite inlines a CTE used once into the query that reads it, so in a join its filters and
   * functions run once per pair instead of once per row (measured: 75 s instead of 6 s for the
   * demo cities × countries join). Materializing the join inputs keeps them computed once.
   */
  protected materializedHint(): string {
    return 'MATERIALIZED ';
  }

  protected toFloat(arg: SqlNode): SqlNode {
    return sql`CAST(${arg} AS REAL)`;
  }

  protected toText(arg: SqlNode): SqlNode {
    return sql`CAST(${arg} AS TEXT)`;
  }

  private srid(srid: number | undefined): SqlNode {
    return raw(String(Math.trunc(srid ?? 4326)));
  }

  private lonLat(g: SqlNode, srid: number | undefined): SqlNode {
    return srid === undefined || srid === 4326 ? g : sql`ST_Transform(${g}, 4326)`;
  }

  private utmZone(g4326: SqlNode): SqlNode {
    const c = sql`ST_Centroid(${g4326})`;
    return sql`(32601 + (CAST(floor((X(${c}) + 180.0) / 6.0) AS INTEGER) % 60) + CASE WHEN Y(${c}) < 0 THEN 100 ELSE 0 END)`;
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
        return sql`SetSRID(GeomFromGeoJSON(${a(0)}), 4326)`;
      case 'asGeoJSON':
        return sql`AsGeoJSON(${a(0)}, 9)`;
      case 'makeEnvelope':
        return sql`BuildMbr(${a(0)}, ${a(1)}, ${a(2)}, ${a(3)}, ${this.srid(srid)})`;
      case 'makePoint':
        return sql`MakePoint(${a(0)}, ${a(1)}, ${this.srid(srid)})`;
      case 'geomFromText':
        return sql`GeomFromText(${a(0)}, ${this.srid(srid)})`;
      case 'transform':
        return fromSrid === srid ? a(0) : sql`ST_Transform(${a(0)}, ${this.srid(srid)})`;
      case 'bufferMeters': {
        const g = this.lonLat(a(0), srid);
        const buffered = sql`ST_Transform(ST_Buffer(ST_Transform(${g}, ${this.utmZone(g)}), ${a(1)}, 16), ${this.srid(srid)})`;
        return buffered;
      }
      case 'areaSquareMeters':
        return sql`ST_Area(${this.lonLat(a(0), srid)}, 1)`;
      case 'lengthMeters':
        return sql`ST_Length(${this.lonLat(a(0), srid)}, 1)`;
      case 'distanceMeters':
        return sql`ST_Distance(${this.lonLat(a(0), srid)}, ${this.lonLat(a(1), srid)}, 1)`;
      case 'withinDistanceMeters':
        // PtDistWithin is only right for points; the ellipsoidal distance is right for all types.
        return sql`(ST_Distance(${this.lonLat(a(0), srid)}, ${this.lonLat(a(1), srid)}, 1) <= ${a(2)})`;
      case 'intersects':
        return sql`(ST_Intersects(${a(0)}, ${a(1)}) = 1)`;
      case 'within':
        return sql`(ST_Within(${a(0)}, ${a(1)}) = 1)`;
      case 'contains':
        return sql`(ST_Contains(${a(0)}, ${a(1)}) = 1)`;
      case 'bboxIntersects':
        return sql`(MbrIntersects(${a(0)}, ${a(1)}) = 1)`;
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
        return sql`SetSRID(Extent(${a(0)}), ${this.srid(srid)})`;
      case 'x':
        return sql`ST_X(${a(0)})`;
      case 'y':
        return sql`ST_Y(${a(0)})`;
      case 'minX':
        return sql`ST_MinX(${a(0)})`;
      case 'minY':
        return sql`ST_MinY(${a(0)})`;
      case 'maxX':
        return sql`ST_MaxX(${a(0)})`;
      case 'maxY':
        return sql`ST_MaxY(${a(0)})`;
      case 'subdivide':
        // geometries already small enough are left whole: subdividing costs more than it saves
        return sql`CASE WHEN ST_NPoints(${a(0)}) > ${a(1)} THEN ST_Subdivide(${a(0)}, ${a(1)}) ELSE ${a(0)} END`;
      case 'numGeometries':
        return sql`ST_NumGeometries(${a(0)})`;
      case 'geometryN':
        return sql`GeometryN(${a(0)}, ${a(1)})`;
    }
  }
}
