import { z } from 'zod';
import { bboxSchema } from '../document/GeoJsonGeometry.ts';
import { isParamRef, paramOr } from '../document/ParamRef.ts';
import { ident, raw, spatial, sql, val } from '../sql/SqlNode.ts';
import { columnRef, geometryColumn, srid } from './columnRules.ts';
import { defineComponent } from './Component.ts';
import { selectColumns } from './selectColumns.ts';

const config = z.strictObject({
  bbox: paramOr(bboxSchema, 'bbox').describe('[minLon, minLat, maxLon, maxLat] in WGS 84, or {"$param": "name"}'),
  geometry: columnRef.optional().describe('geometry column (default: the first one)'),
});

export const bboxFilter = defineComponent({
  name: 'bbox_filter',
  category: 'filter',
  description: 'Keeps the rows whose geometry intersects a bounding box [minLon, minLat, maxLon, maxLat] (WGS 84, from a literal or a bbox parameter).',
  inputs: [{ name: 'input', description: 'rows with a geometry column' }],
  config,
  execution: 'sql',
  order: 'preserve',
  columns({ config, inputs }) {
    geometryColumn(inputs.input ?? [], config.geometry);
    return inputs.input ?? [];
  },
  sql({ config, inputs, relations, output }) {
    if (isParamRef(config.bbox)) throw new Error('bbox_filter compiled with an unresolved parameter');
    const geom = geometryColumn(inputs.input ?? [], config.geometry);
    const [a, b, c, d] = config.bbox;
    const box = spatial(
      'transform',
      [spatial('makeEnvelope', [val(a, 'float'), val(b, 'float'), val(c, 'float'), val(d, 'float')], { srid: 4326 })],
      { srid: srid(geom), fromSrid: 4326 },
    );
    const column = ident(geom.name);
    // A point meets a rectangle exactly when it meets its bounding box: skip the GEOS test.
    const exact = geom.geometryType === 'POINT' ? raw('') : sql` AND ${spatial('intersects', [column, box])}`;
    return sql`SELECT ${selectColumns(output)} FROM ${relations.input!} WHERE ${spatial('bboxIntersects', [column, box])}${exact}`;
  },
});
