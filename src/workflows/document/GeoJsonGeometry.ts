import { z } from 'zod';

/**
 * GeoJSON geometries accepted from parameters and literals. Caps keep a hostile argument from
 * costing the engine (or GEOS in WASM) unbounded work: vertices, nesting, finite lon/lat only.
 */
export const MAX_GEOMETRY_VERTICES = 100_000;
export const MAX_GEOJSON_BYTES = 2_000_000;

const lon = z.number().finite().min(-180).max(180);
const lat = z.number().finite().min(-90).max(90);
const position = z.union([z.tuple([lon, lat]), z.tuple([lon, lat, z.number().finite()])]);
const ring = z.array(position).min(4);
const line = z.array(position).min(2);

const point = z.strictObject({ type: z.literal('Point'), coordinates: position });
const multiPoint = z.strictObject({ type: z.literal('MultiPoint'), coordinates: z.array(position).min(1) });
const lineString = z.strictObject({ type: z.literal('LineString'), coordinates: line });
const multiLineString = z.strictObject({
  type: z.literal('MultiLineString'),
  coordinates: z.array(line).min(1),
});
const polygon = z.strictObject({ type: z.literal('Polygon'), coordinates: z.array(ring).min(1) });
const multiPolygon = z.strictObject({
  type: z.literal('MultiPolygon'),
  coordinates: z.array(z.array(ring).min(1)).min(1),
});

/** Simple geometries only (no GeometryCollection): they are what both engines parse alike. */
export const geoJsonGeometrySchema = z
  .discriminatedUnion('type', [point, multiPoint, lineString, multiLineString, polygon, multiPolygon])
  .superRefine((g, ctx) => {
    const vertices = countVertices(g.coordinates);
    if (vertices > MAX_GEOMETRY_VERTICES) {
      ctx.addIssue({
        code: 'custom',
        message: `geometry has ${vertices} vertices; the limit is ${MAX_GEOMETRY_VERTICES}`,
      });
    }
    for (const r of rings(g)) {
      const first = r[0];
      const last = r[r.length - 1];
      if (!first || !last || first[0] !== last[0] || first[1] !== last[1]) {
        ctx.addIssue({
          code: 'custom',
          message: 'polygon rings must be closed (first position equal to the last)',
        });
        return;
      }
    }
  })
  .meta({
    description:
      'A GeoJSON geometry (RFC 7946) in WGS 84 longitude/latitude: Point, MultiPoint, LineString, MultiLineString, Polygon or MultiPolygon',
  });

export type GeoJsonGeometry = z.infer<typeof geoJsonGeometrySchema>;

function countVertices(coords: unknown): number {
  if (!Array.isArray(coords)) return 0;
  if (typeof coords[0] === 'number') return 1;
  let n = 0;
  for (const c of coords) n += countVertices(c);
  return n;
}

function rings(g: GeoJsonGeometry): number[][][] {
  if (g.type === 'Polygon') return g.coordinates;
  if (g.type === 'MultiPolygon') return g.coordinates.flat();
  return [];
}

/** [minLon, minLat, maxLon, maxLat] in WGS 84, min below max. */
export const bboxSchema = z
  .tuple([lon, lat, lon, lat])
  .refine((b) => b[0] < b[2] && b[1] < b[3], {
    message: 'bbox must be [minLon, minLat, maxLon, maxLat] with min < max',
  })
  .meta({
    description:
      'Bounding box [minLon, minLat, maxLon, maxLat] in WGS 84 degrees (lon -180..180, lat -90..90)',
  });

export type Bbox = [number, number, number, number];
