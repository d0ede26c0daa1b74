import { z } from 'zod';
import { bboxSchema } from '../document/GeoJsonGeometry.ts';
import { isParamRef, paramOr } from '../document/ParamRef.ts';
import { type SqlNode, ident, spatial, sql, val } from '../sql/SqlNode.ts';
import { columnRef, geometryColumn, srid } from './columnRules.ts';
import { defineComponent } from './Component.ts';
import { type Box, rtreeCandidates } from './rtreeCandidates.ts';
import { selectColumns } from './selectColumns.ts';

const config = z.strictObject({
  bbox: paramOr(bboxSchema, 'bbox').describe(
    '[minLon, minLat, maxLon, maxLat] in WGS 84, or {"$param": "name"}',
  ),
  geometry: columnRef.optional().describe('geometry column (default: the first one)'),
});

export const bboxFilter = defineComponent({
  name: 'bbox_filter',
  category: 'filter',
  description:
    'Keeps the rows whose geometry intersects a bounding box [minLon, minLat, maxLon, maxLat] (WGS 84, from a literal or a bbox parameter).',
  inputs: [{ name: 'input', description: 'rows with a geometry column' }],
  config,
  execution: 'sql',
  order: 'preserve',
  columns({ config, inputs }) {
    geometryColumn(inputs.input ?? [], config.geometry);
    return inputs.input ?? [];
  },
  sql({ config, inputs, relations, output, baseTables }) {
    if (isParamRef(config.bbox)) throw new Error('bbox_filter compiled with an unresolved parameter');
    const geom = geometryColumn(inputs.input ?? [], config.geometry);
    const [a, b, c, d] = config.bbox;
    const box = spatial(
      'transform',
      [
        spatial('makeEnvelope', [val(a, 'float'), val(b, 'float'), val(c, 'float'), val(d, 'float')], {
          srid: 4326,
        }),
      ],
      { srid: srid(geom), fromSrid: 4326 },
    );
    // A point meets a rectangle exactly when it meets its bounding box: skip the GEOS test.
    const test = (column: SqlNode) =>
      geom.geometryType === 'POINT'
        ? spatial('bboxIntersects', [column, box])
        : sql`${spatial('bboxIntersects', [column, box])} AND ${spatial('intersects', [column, box])}`;
    // An indexed table in WGS 84: its R*Tree names the rows in the box, only those are read.
    const base = baseTables.input;
    const rtree = srid(geom) === 4326 ? base?.rtree(geom.name) : undefined;
    if (base && rtree) {
      const values: Box = [val(a, 'float'), val(b, 'float'), val(c, 'float'), val(d, 'float')];
      return sql`SELECT ${selectColumns(output, 'i')} FROM ${base.relation} AS "i" WHERE ${rtreeCandidates('i', base, rtree, values)} AND ${test(ident('i', geom.name))}`;
    }
    return sql`SELECT ${selectColumns(output)} FROM ${relations.input!} WHERE ${test(ident(geom.name))}`;
  },
});
