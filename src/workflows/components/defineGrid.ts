import { z } from 'zod';
import { ident, spatial, sql } from '../sql/SqlNode.ts';
import { columnRef, geometryColumn, srid } from './columnRules.ts';
import { type Component, defineComponent } from './Component.ts';
import { MAX_CELLS_PER_AXIS } from './gridCells.ts';

const config = z.strictObject({
  size: z
    .number()
    .finite()
    .gt(0)
    .max(1e7)
    .describe(
      "cell edge length in the units of the input's CRS (degrees for EPSG:4326; reproject with transform for meters)",
    ),
  geometry: columnRef.optional().describe('geometry column of the input (default: the first one)'),
  clip: z
    .enum(['intersecting', 'extent'])
    .default('intersecting')
    .describe('intersecting: only cells touching an input geometry; extent: every cell of the bounding box'),
});

type Config = z.infer<typeof config>;

/** Square and hexagon grids share everything but the cell generator. */
export function defineGrid(
  name: string,
  shape: string,
  cells: typeof import('./gridCells.ts').squareCells,
): Component<Config> {
  return defineComponent<Config>({
    name,
    category: 'spatial',
    description: `Generates a grid of ${shape} cells of edge \`size\` over the input geometries (anchored at the CRS origin, at most ${MAX_CELLS_PER_AXIS} cells per axis). Output: cell_x, cell_y (integer cell indices) and geom. Join or count points into it with points_in_polygon.`,
    inputs: [{ name: 'input', description: 'geometries defining the area to cover' }],
    config,
    execution: 'sql',
    columns({ config, inputs }) {
      const g = geometryColumn(inputs.input ?? [], config.geometry);
      return [
        { name: 'cell_x', type: 'integer' },
        { name: 'cell_y', type: 'integer' },
        { name: 'geom', type: 'geometry', srid: srid(g), geometryType: 'POLYGON' },
      ];
    },
    sql({ config, inputs, relations }) {
      const g = geometryColumn(inputs.input ?? [], config.geometry);
      const all = cells(relations.input!, g.name, config.size, srid(g));
      if (config.clip === 'extent') return all;
      const f = ident('f', g.name);
      const c = ident('c', 'geom');
      return sql`SELECT "c"."cell_x" AS "cell_x", "c"."cell_y" AS "cell_y", ${c} AS "geom" FROM (${all}) AS "c" WHERE EXISTS (SELECT 1 FROM ${relations.input!} AS "f" WHERE ${spatial('bboxIntersects', [c, f])} AND ${spatial('intersects', [c, f])})`;
    },
  });
}
