import { z } from 'zod';
import { ident, join, raw, spatial, sql } from '../sql/SqlNode.ts';
import { ComponentConfigError } from '../validation/WorkflowIssue.ts';
import { aggregateColumn, aggregateExpression, aggregateSpec } from './aggregateFunctions.ts';
import { columnRef, geometryColumn, newColumnName, srid, withAddedColumns } from './columnRules.ts';
import { defineComponent } from './Component.ts';
import { selectColumns } from './selectColumns.ts';
import { boundingBoxesOverlap, withBoundingBox } from './withBoundingBox.ts';

const config = z.strictObject({
  count_as: newColumnName.default('point_count'),
  aggregates: z
    .array(aggregateSpec)
    .max(20)
    .default([])
    .describe(
      'also sum/avg/min/max columns of the points falling in each polygon (percentile is not available here)',
    ),
  polygon_geometry: columnRef.optional(),
  point_geometry: columnRef.optional(),
});

export const pointsInPolygon = defineComponent({
  name: 'points_in_polygon',
  category: 'aggregate',
  description:
    'Counts, for each polygon, the points that intersect it (points on the boundary count), and optionally sums/averages point columns. Every polygon is kept, with 0 when empty.',
  inputs: [
    { name: 'polygons', description: 'polygons to count into (e.g. countries, a hex_grid)' },
    { name: 'points', description: 'points to count (e.g. cities)' },
  ],
  config,
  execution: 'sql',
  order: 'preserve',
  columns({ config, inputs }) {
    geometryColumn(inputs.polygons ?? [], config.polygon_geometry, 'polygon_geometry');
    geometryColumn(inputs.points ?? [], config.point_geometry, 'point_geometry');
    const added = [
      { name: config.count_as, type: 'integer' as const },
      ...config.aggregates.map((a, i) => {
        if (a.op === 'percentile')
          throw new ComponentConfigError(
            'invalid_config',
            `aggregates.${i}.op`,
            'percentile is not available in points_in_polygon',
            'use spatial_join then aggregate for percentiles',
          );
        return aggregateColumn(a, inputs.points ?? [], `aggregates.${i}`);
      }),
    ];
    return withAddedColumns(inputs.polygons ?? [], added, 'count_as');
  },
  sql(ctx) {
    const { config, inputs, relations } = ctx;
    const polygons = inputs.polygons ?? [];
    const pg = geometryColumn(polygons, config.polygon_geometry, 'polygon_geometry');
    const pt = geometryColumn(inputs.points ?? [], config.point_geometry, 'point_geometry');
    const point = spatial('transform', [ident('q', pt.name)], { srid: srid(pg), fromSrid: srid(pt) });
    let where = sql`${spatial('bboxIntersects', [ident('p', pg.name), point])} AND ${spatial('intersects', [ident('p', pg.name), point])}`;
    let polygonRelation = relations.polygons!;
    let pointRelation = relations.points!;
    if (ctx.capabilities.joinsOnMaterializedBoundingBoxes && srid(pg) === srid(pt)) {
      polygonRelation = withBoundingBox(ctx, polygonRelation, polygons, pg.name);
      pointRelation = withBoundingBox(ctx, pointRelation, inputs.points ?? [], pt.name);
      where = sql`${boundingBoxesOverlap('p', 'q')} AND ${where}`;
    }
    // Correlated subqueries keep every polygon (count 0) without grouping by geometry columns.
    const sub = (expression: ReturnType<typeof sql>) =>
      sql`(SELECT ${expression} FROM ${pointRelation} AS "q" WHERE ${where})`;
    const extra = [
      sql`${sub(raw('count(*)'))} AS ${ident(config.count_as)}`,
      ...config.aggregates.map(
        (a) => sql`${sub(aggregateExpression(a, (c) => ident('q', c)))} AS ${ident(a.as)}`,
      ),
    ];
    return sql`SELECT ${selectColumns(polygons, 'p')}, ${join(extra)} FROM ${polygonRelation} AS "p"`;
  },
});
