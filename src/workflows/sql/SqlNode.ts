/**
 * The compiler's tree, Kysely-style: components build dialect-neutral nodes and a dialect
 * visits them into text + bound parameters. There is deliberately no way to put a runtime
 * string into SQL text: `raw` only comes from template literals written in this code base,
 * identifiers are quoted by the dialect, and every value becomes a bound parameter.
 */
export type ValueType = 'text' | 'float' | 'integer' | 'boolean' | 'date' | 'json';

export type SpatialOp =
  | 'geomFromGeoJSON' // (text) -> geometry, SRID 4326
  | 'asGeoJSON' // (geometry) -> text
  | 'makeEnvelope' // (minx, miny, maxx, maxy) -> polygon, SRID from `srid`
  | 'makePoint' // (x, y) -> point, SRID from `srid`
  | 'geomFromText' // (wkt) -> geometry, SRID from `srid`
  | 'transform' // (geometry) -> geometry in `srid`; `fromSrid` is the input SRID
  | 'bufferMeters' // (geometry, meters) -> geometry in `srid` (its input SRID)
  | 'areaSquareMeters' // (geometry) -> double, `srid` is the input SRID
  | 'lengthMeters' // (geometry) -> double
  | 'distanceMeters' // (a, b) -> double, both in `srid`
  | 'withinDistanceMeters' // (a, b, meters) -> boolean, both in `srid`
  | 'intersects' // (a, b)
  | 'within' // (a, b): a within b
  | 'contains' // (a, b): a contains b
  | 'bboxIntersects' // (a, b): bounding boxes intersect (index-friendly prefilter)
  | 'centroid'
  | 'pointOnSurface'
  | 'envelope'
  | 'convexHull'
  | 'simplify' // (geometry, tolerance in CRS units), topology-preserving
  | 'unionAggregate' // aggregate union of a geometry column
  | 'x'
  | 'y'
  | 'minX'
  | 'minY'
  | 'maxX'
  | 'maxY'
  | 'subdivide' // (geometry, max vertices) -> the geometry, or a collection of parts of at most that many vertices
  | 'numGeometries' // (geometry) -> parts of a collection (1 for a single geometry)
  | 'geometryN' // (geometry, n) -> the n-th part (1-based)
  | 'extentAggregate'; // aggregate bounding box of a geometry column

export type SqlNode =
  | { kind: 'raw'; text: string }
  | { kind: 'identifier'; names: string[] }
  | { kind: 'value'; value: unknown; type: ValueType }
  | { kind: 'sequence'; parts: SqlNode[] }
  | { kind: 'spatial'; op: SpatialOp; args: SqlNode[]; srid?: number; fromSrid?: number }
  | { kind: 'series'; from: SqlNode; to: SqlNode; column: string }
  | { kind: 'least'; args: SqlNode[] }
  | { kind: 'toFloat'; arg: SqlNode }
  | { kind: 'toText'; arg: SqlNode }
  /** `MATERIALIZED ` where the engine needs it to evaluate a CTE once (SpatiaLite), else nothing. */
  | { kind: 'materializedHint' };

/** Trusted SQL text; only ever called with literals written in this code base. */
export function raw(text: string): SqlNode {
  return { kind: 'raw', text };
}

/** A quoted identifier, optionally qualified (`schema.table`, `alias.column`). */
export function ident(...names: string[]): SqlNode {
  return { kind: 'identifier', names };
}

/** A bound parameter. */
export function val(value: unknown, type: ValueType): SqlNode {
  return { kind: 'value', value, type };
}

export function spatial(
  op: SpatialOp,
  args: SqlNode[],
  srids: { srid?: number; fromSrid?: number } = {},
): SqlNode {
  return { kind: 'spatial', op, args, ...srids };
}

/** `sql\`...\`` builds a sequence; interpolations must be nodes, so no string slips into the text. */
export function sql(strings: TemplateStringsArray, ...nodes: SqlNode[]): SqlNode {
  const parts: SqlNode[] = [];
  strings.forEach((text, i) => {
    if (text) parts.push(raw(text));
    const node = nodes[i];
    if (node) parts.push(node);
  });
  return { kind: 'sequence', parts };
}

export function join(nodes: SqlNode[], separator = ', '): SqlNode {
  const parts: SqlNode[] = [];
  nodes.forEach((node, i) => {
    if (i > 0) parts.push(raw(separator));
    parts.push(node);
  });
  return { kind: 'sequence', parts };
}
