import { z } from 'zod';
import { paramOr } from '../document/ParamRef.ts';
import { ident, join, raw, spatial, sql, val } from '../sql/SqlNode.ts';
import { columnRef, geometryColumn, newColumnName, srid, withAddedColumns } from './columnRules.ts';
import { defineComponent } from './Component.ts';
import { joinedColumns, joinedSelectList } from './joinColumns.ts';

const config = z.strictObject({
  k: paramOr(z.number().int().min(1).max(100), 'integer').describe(
    'how many nearest right rows per left row (1 to 100)',
  ),
  max_distance_m: paramOr(z.number().finite().gt(0).max(20_000_000), 'number')
    .optional()
    .describe('ignore right rows farther than this (meters)'),
  left_geometry: columnRef.optional(),
  right_geometry: columnRef.optional(),
  right_prefix: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,20}$/)
    .default('right_'),
  distance_as: newColumnName.default('distance_m'),
  rank_as: newColumnName.default('rank'),
});

type Config = z.infer<typeof config>;

function outputColumns(
  config: Config,
  left: Parameters<typeof joinedColumns>[0],
  rightColumns: Parameters<typeof joinedColumns>[1],
) {
  const joined = joinedColumns(left, rightColumns, config.right_prefix);
  return {
    ...joined,
    columns: withAddedColumns(
      joined.columns,
      [
        { name: config.distance_as, type: 'number' },
        { name: config.rank_as, type: 'integer' },
      ],
      'distance_as',
    ),
  };
}

export const nearest = defineComponent({
  name: 'nearest',
  category: 'join',
  description:
    'For each left row, the k nearest right rows by distance on the ellipsoid (meters), with the distance and the rank (1 = nearest). E.g. left: a geometry_input point, right: cities, k: 5.',
  inputs: [
    { name: 'left', description: 'rows to find neighbours for' },
    { name: 'right', description: 'candidate neighbours' },
  ],
  config,
  execution: 'sql',
  order: (config) => [{ column: config.distance_as, direction: 'asc' }],
  columns({ config, inputs }) {
    geometryColumn(inputs.left ?? [], config.left_geometry, 'left_geometry');
    geometryColumn(inputs.right ?? [], config.right_geometry, 'right_geometry');
    return outputColumns(config, inputs.left ?? [], inputs.right ?? []).columns;
  },
  sql(ctx) {
    const { config, inputs, relations, output } = ctx;
    const left = inputs.left ?? [];
    const lg = geometryColumn(left, config.left_geometry, 'left_geometry');
    const rg = geometryColumn(inputs.right ?? [], config.right_geometry, 'right_geometry');
    const { right } = outputColumns(config, left, inputs.right ?? []);
    const target = srid(lg);
    const rightGeom = spatial('transform', [ident('r', rg.name)], { srid: target, fromSrid: srid(rg) });
    const dist = spatial('distanceMeters', [ident('l', lg.name), rightGeom], { srid: target });
    const within =
      typeof config.max_distance_m === 'number'
        ? sql` WHERE ${spatial('withinDistanceMeters', [ident('l', lg.name), rightGeom, val(config.max_distance_m, 'float')], { srid: target })}`
        : raw('');
    if (ctx.singleRowInputs.has('left')) {
      // One place: a top-k sort (ORDER BY … LIMIT) instead of ranking every pair (4× faster).
      const pairs = sql`SELECT ${joinedSelectList(left, right)}, ${dist} AS ${ident(config.distance_as)} FROM ${relations.left!} AS "l" CROSS JOIN ${relations.right!} AS "r"${within}`;
      const top = sql`SELECT * FROM (${pairs}) AS "pairs" ORDER BY ${ident(config.distance_as)} LIMIT ${val(config.k, 'integer')}`;
      return sql`SELECT ${join(output.map((c) => (c.name === config.rank_as ? sql`ROW_NUMBER() OVER (ORDER BY ${ident(config.distance_as)}) AS ${ident(config.rank_as)}` : ident(c.name))))} FROM (${top}) AS "top"`;
    }
    const numbered = sql`SELECT ${join(left.map((c) => ident(c.name)))}, ROW_NUMBER() OVER () AS "left_row_" FROM ${relations.left!}`;
    const pairs = sql`SELECT ${joinedSelectList(left, right)}, "l"."left_row_" AS "left_row_", ${dist} AS ${ident(config.distance_as)} FROM (${numbered}) AS "l" CROSS JOIN ${relations.right!} AS "r"${within}`;
    const ranked = sql`SELECT "pairs".*, ROW_NUMBER() OVER (PARTITION BY "left_row_" ORDER BY ${ident(config.distance_as)}) AS ${ident(config.rank_as)} FROM (${pairs}) AS "pairs"`;
    return sql`SELECT ${join(output.map((c) => ident(c.name)))} FROM (${ranked}) AS "ranked" WHERE ${ident(config.rank_as)} <= ${val(config.k, 'integer')}`;
  },
});
