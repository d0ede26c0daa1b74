import type { Geometry, Position } from 'geojson';

/**
 * Vertex counting and Douglas–Peucker simplification of GeoJSON geometries in JS, for sources
 * the engine cannot simplify (job results) and as the second pass when the engine's
 * simplification still leaves a layer over its vertex budget. Rings keep at least four positions
 * (closed); a hole that would collapse is dropped, an outer ring keeps its coarsest shape.
 */
export function countVertices(geometry: Geometry | null): number {
  if (!geometry) return 0;
  switch (geometry.type) {
    case 'Point':
      return 1;
    case 'MultiPoint':
    case 'LineString':
      return geometry.coordinates.length;
    case 'MultiLineString':
    case 'Polygon':
      return geometry.coordinates.reduce((n, line) => n + line.length, 0);
    case 'MultiPolygon':
      return geometry.coordinates.reduce(
        (n, polygon) => n + polygon.reduce((m, ring) => m + ring.length, 0),
        0,
      );
    case 'GeometryCollection':
      return geometry.geometries.reduce((n, g) => n + countVertices(g), 0);
  }
}

function squaredSegmentDistance(p: Position, a: Position, b: Position): number {
  let [x, y] = a as [number, number];
  let dx = b[0]! - x;
  let dy = b[1]! - y;
  if (dx !== 0 || dy !== 0) {
    const t = ((p[0]! - x) * dx + (p[1]! - y) * dy) / (dx * dx + dy * dy);
    if (t > 1) {
      x = b[0]!;
      y = b[1]!;
    } else if (t > 0) {
      x += dx * t;
      y += dy * t;
    }
  }
  dx = p[0]! - x;
  dy = p[1]! - y;
  return dx * dx + dy * dy;
}

/** Douglas–Peucker, iterative (deep recursion on long lines would overflow the stack). */
export function simplifyLine(points: Position[], tolerance: number): Position[] {
  if (points.length <= 2 || tolerance <= 0) return points;
  const sqTolerance = tolerance * tolerance;
  const keep = new Uint8Array(points.length);
  keep[0] = 1;
  keep[points.length - 1] = 1;
  const stack: [number, number][] = [[0, points.length - 1]];
  while (stack.length) {
    const [first, last] = stack.pop()!;
    let maxDistance = 0;
    let index = -1;
    for (let i = first + 1; i < last; i++) {
      const d = squaredSegmentDistance(points[i]!, points[first]!, points[last]!);
      if (d > maxDistance) {
        maxDistance = d;
        index = i;
      }
    }
    if (index !== -1 && maxDistance > sqTolerance) {
      keep[index] = 1;
      stack.push([first, index], [index, last]);
    }
  }
  return points.filter((_, i) => keep[i] === 1);
}

function simplifyRing(ring: Position[], tolerance: number, outer: boolean): Position[] | null {
  const simplified = simplifyLine(ring, tolerance);
  if (simplified.length >= 4) return simplified;
  if (!outer) return null;
  if (ring.length <= 4) return ring;
  // The coarsest closed shape that still has an area: first, two spread points, closing point.
  const third = Math.floor(ring.length / 3);
  return [ring[0]!, ring[third]!, ring[2 * third]!, ring[0]!];
}

function simplifyPolygon(rings: Position[][], tolerance: number): Position[][] {
  return rings
    .map((ring, i) => simplifyRing(ring, tolerance, i === 0))
    .filter((ring): ring is Position[] => ring !== null);
}

export function simplifyGeometry(geometry: Geometry, tolerance: number): Geometry {
  switch (geometry.type) {
    case 'Point':
    case 'MultiPoint':
      return geometry;
    case 'LineString':
      return { type: 'LineString', coordinates: simplifyLine(geometry.coordinates, tolerance) };
    case 'MultiLineString':
      return {
        type: 'MultiLineString',
        coordinates: geometry.coordinates.map((line) => simplifyLine(line, tolerance)),
      };
    case 'Polygon':
      return { type: 'Polygon', coordinates: simplifyPolygon(geometry.coordinates, tolerance) };
    case 'MultiPolygon':
      return {
        type: 'MultiPolygon',
        coordinates: geometry.coordinates.map((polygon) => simplifyPolygon(polygon, tolerance)),
      };
    case 'GeometryCollection':
      return {
        type: 'GeometryCollection',
        geometries: geometry.geometries.map((g) => simplifyGeometry(g, tolerance)),
      };
  }
}

/**
 * Simplifies a set of geometries until their vertices fit `budget`, doubling the tolerance from
 * `startTolerance` (degrees). Returns whether anything was simplified.
 */
export function fitVertexBudget(
  geometries: (Geometry | null)[],
  budget: number,
  startTolerance: number,
): { geometries: (Geometry | null)[]; simplified: boolean } {
  let total = geometries.reduce((n, g) => n + countVertices(g), 0);
  if (total <= budget) return { geometries, simplified: false };
  let tolerance = Math.max(startTolerance, 1e-7);
  let current = geometries;
  for (let attempt = 0; attempt < 24 && total > budget; attempt++) {
    current = geometries.map((g) => (g ? simplifyGeometry(g, tolerance) : g));
    total = current.reduce((n, g) => n + countVertices(g), 0);
    tolerance *= 2;
  }
  return { geometries: current, simplified: true };
}

/**
 * Coordinates rounded to `decimals` (6 ≈ 0.1 m: finer than any map we draw). Workflows write
 * GeoJSON with 9 decimals; each dropped digit is a byte per number in every render_map result.
 */
export function roundCoordinates(geometry: Geometry, decimals = 6): Geometry {
  const f = 10 ** decimals;
  const round = (p: Position): Position => p.map((v) => Math.round(v * f) / f);
  switch (geometry.type) {
    case 'Point':
      return { type: 'Point', coordinates: round(geometry.coordinates) };
    case 'MultiPoint':
    case 'LineString':
      return { type: geometry.type, coordinates: geometry.coordinates.map(round) } as Geometry;
    case 'MultiLineString':
    case 'Polygon':
      return { type: geometry.type, coordinates: geometry.coordinates.map((l) => l.map(round)) } as Geometry;
    case 'MultiPolygon':
      return {
        type: 'MultiPolygon',
        coordinates: geometry.coordinates.map((polygon) => polygon.map((ring) => ring.map(round))),
      };
    case 'GeometryCollection':
      return {
        type: 'GeometryCollection',
        geometries: geometry.geometries.map((g) => roundCoordinates(g, decimals)),
      };
  }
}
