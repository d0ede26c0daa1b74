import { z } from 'zod';
import { type SqlNode, ident, raw, spatial, sql, val } from '../sql/SqlNode.ts';
import { columnRef, geometryColumn, srid } from './columnRules.ts';
import { defineComponent } from './Component.ts';
import {
  DISTANCE_BOX_COLUMNS,
  distanceBox,
  distanceBoxAround,
  withDistanceEnvelope,
} from './distanceEnvelope.ts';
import { type Box, rtreeCandidates, rtreeCandidatesOfAny } from './rtreeCandidates.ts';
import { selectColumns } from './selectColumns.ts';
import { BBOX_COLUMNS, withBoundingBox } from './withBoundingBox.ts';
import { checkDistance, distanceMeters, spatialPredicate, spatialPredicateName } from './spatialPredicate.ts';

const config = z.strictObject({
  predicate: spatialPredicateName,
  distance_m: distanceMeters.optional(),
  geometry: columnRef.optional().describe('geometry column of `input` (default: the first one)'),
  filter_geometry: columnRef.optional().describe('geometry column of `filter` (default: the first one)'),
});

export const spatialFilter = defineComponent({
  name: 'spatial_filter',
  category: 'filter',
  description:
    'Keeps the rows of `input` whose geometry satisfies a predicate against at least one geometry of `filter`: intersects, within, contains, or within_distance (meters on the ground). Feed `filter` from geometry_input or bbox_input to filter by a parameter.',
  inputs: [
    { name: 'input', description: 'rows to filter' },
    { name: 'filter', description: 'the geometries to test against' },
  ],
  config,
  execution: 'sql',
  order: 'preserve',
  columns({ config, inputs }) {
    geometryColumn(inputs.input ?? [], config.geometry);
    geometryColumn(inputs.filter ?? [], config.filter_geometry, 'filter_geometry');
    checkDistance(config.predicate, config.distance_m);
    return inputs.input ?? [];
  },
  sql(ctx) {
    const { config, inputs, relations, output, singleRowInputs } = ctx;
    const geom = geometryColumn(inputs.input ?? [], config.geometry);
    const other = geometryColumn(inputs.filter ?? [], config.filter_geometry, 'filter_geometry');
    const target = srid(geom);
    const otherGeom = spatial('transform', [ident('f', other.name)], { srid: target, fromSrid: srid(other) });
    let predicate = spatialPredicate(
      config.predicate,
      ident('i', geom.name),
      otherGeom,
      target,
      config.distance_m,
    );
    let filter = relations.filter!;
    let input = relations.input!;
    let candidates: SqlNode | undefined;
    // An indexed table filtered: its R*Tree gives the rows whose box touches a filter's box, all
    // filter rows at once, and only those rows are read and tested.
    const base = ctx.baseTables.input;
    const rtree = base?.rtree(geom.name);
    const isDistance = config.predicate === 'within_distance';
    const known = ctx.knownBounds.filter;
    if (isDistance && target === 4326 && known?.column === other.name) {
      // A point parameter: its box is four bound numbers, worked out here.
      const box = distanceBoxAround(known.bbox, config.distance_m as number).map((v) =>
        val(v, 'float'),
      ) as Box;
      if (base && rtree) candidates = rtreeCandidates('i', base, rtree, box);
      else
        predicate = sql`${spatial('bboxIntersects', [ident('i', geom.name), spatial('makeEnvelope', box, { srid: 4326 })])} AND ${predicate}`;
    } else if (isDistance && target === 4326 && srid(other) === 4326) {
      // Rows outside the box around each filter geometry are skipped before the geodesic test
      // (through the input table's spatial index on PostGIS).
      filter = withDistanceEnvelope(
        ctx,
        filter,
        inputs.filter ?? [],
        other.name,
        config.distance_m as number,
      );
      if (base && rtree) candidates = rtreeCandidatesOfAny('i', base, rtree, filter, DISTANCE_BOX_COLUMNS);
      // A candidate row still meets every filter row in EXISTS: the box test spares most of them.
      if (!candidates || !singleRowInputs.has('filter'))
        predicate = sql`${spatial('bboxIntersects', [ident('i', geom.name), distanceBox('f')])} AND ${predicate}`;
    } else if (!isDistance && base && rtree && srid(other) === target) {
      const boxed = withBoundingBox(ctx, filter, inputs.filter ?? [], other.name);
      candidates = rtreeCandidatesOfAny('i', base, rtree, boxed, BBOX_COLUMNS);
    }
    if (base && candidates) input = base.relation;
    const where = candidates ? sql`${candidates} AND ` : raw('');
    // One filter geometry (a drawn polygon, a bbox parameter): a plain join with that one row
    // filters the same rows without a semi-join, and reads like the query a person would write.
    if (singleRowInputs.has('filter'))
      return sql`SELECT ${selectColumns(output, 'i')} FROM ${input} AS "i" CROSS JOIN ${filter} AS "f" WHERE ${where}${predicate}`;
    return sql`SELECT ${selectColumns(output, 'i')} FROM ${input} AS "i" WHERE ${where}EXISTS (SELECT 1 FROM ${filter} AS "f" WHERE ${predicate})`;
  },
});
