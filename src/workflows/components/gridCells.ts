import { type SqlNode, ident, raw, spatial, sql, val } from '../sql/SqlNode.ts';

/**
 * Cells of a regular grid covering the bounding box of a relation's geometries, anchored at the
 * CRS origin so the same cell always has the same (cell_x, cell_y) whatever the input. Built
 * from integer series and arithmetic (not ST_SquareGrid / ST_HexagonGrid) so that both engines
 * produce exactly the same cells.
 */
export const MAX_CELLS_PER_AXIS = 1000;

function bound(
  relation: SqlNode,
  geometry: string,
  fn: 'minX' | 'minY' | 'maxX' | 'maxY',
  step: number,
  round: 'floor' | 'ceil',
  pad: number,
): SqlNode {
  const agg = fn.startsWith('min') ? 'min' : 'max';
  return sql`(SELECT ${raw(round)}(${raw(agg)}(${spatial(fn, [ident(geometry)])}) / ${val(step, 'float')}) + ${val(pad, 'integer')} FROM ${relation})`;
}

function axis(
  relation: SqlNode,
  geometry: string,
  min: 'minX' | 'minY',
  max: 'maxX' | 'maxY',
  step: number,
  pad: number,
  column: string,
): SqlNode {
  const from = bound(relation, geometry, min, step, 'floor', -pad);
  const to = bound(relation, geometry, max, step, 'floor', pad);
  // The cap keeps a tiny cell size over a continent from generating billions of rows.
  return {
    kind: 'series',
    from,
    to: { kind: 'least', args: [to, sql`${from} + ${val(MAX_CELLS_PER_AXIS - 1, 'integer')}`] },
    column,
  };
}

/** SELECT cell_x, cell_y, geom for square cells of edge `size`. */
export function squareCells(relation: SqlNode, geometry: string, size: number, srid: number): SqlNode {
  const x = ident('cell_x');
  const y = ident('cell_y');
  const s = () => val(size, 'float');
  const cell = spatial(
    'makeEnvelope',
    [sql`${x} * ${s()}`, sql`${y} * ${s()}`, sql`(${x} + 1) * ${s()}`, sql`(${y} + 1) * ${s()}`],
    { srid },
  );
  return sql`SELECT ${x}, ${y}, ${cell} AS "geom" FROM ${axis(relation, geometry, 'minX', 'maxX', size, 0, 'cell_x')} AS "gx" CROSS JOIN ${axis(relation, geometry, 'minY', 'maxY', size, 0, 'cell_y')} AS "gy"`;
}

/**
 * SELECT cell_x, cell_y, geom for flat-topped hexagons of edge `size`: column i is centred at
 * x = 1.5·size·i, row j at y = √3·size·(j + ½ when i is odd).
 */
export function hexagonCells(relation: SqlNode, geometry: string, size: number, srid: number): SqlNode {
  const dx = 1.5 * size;
  const dy = Math.sqrt(3) * size;
  const h = (Math.sqrt(3) / 2) * size;
  const x = ident('cell_x');
  const y = ident('cell_y');
  const centers = sql`SELECT ${x}, ${y}, ${x} * ${val(dx, 'float')} AS "cx", (${y} + 0.5 * (((${x} % 2) + 2) % 2)) * ${val(dy, 'float')} AS "cy" FROM ${axis(relation, geometry, 'minX', 'maxX', dx, 1, 'cell_x')} AS "gx" CROSS JOIN ${axis(relation, geometry, 'minY', 'maxY', dy, 1, 'cell_y')} AS "gy"`;
  const offsets: [number, number][] = [
    [size, 0],
    [size / 2, h],
    [-size / 2, h],
    [-size, 0],
    [-size / 2, -h],
    [size / 2, -h],
    [size, 0],
  ];
  const text = (n: SqlNode): SqlNode => ({ kind: 'toText', arg: n });
  let wkt: SqlNode = raw("'POLYGON(('");
  offsets.forEach(([ox, oy], i) => {
    const px = text(sql`("cx" + ${val(ox, 'float')})`);
    const py = text(sql`("cy" + ${val(oy, 'float')})`);
    wkt = sql`${wkt} || ${i ? raw("', '") : raw("''")} || ${px} || ' ' || ${py}`;
  });
  wkt = sql`${wkt} || '))'`;
  return sql`SELECT ${x}, ${y}, ${spatial('geomFromText', [wkt], { srid })} AS "geom" FROM (${centers}) AS "centers"`;
}
