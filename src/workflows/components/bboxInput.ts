import { z } from 'zod';
import { bboxSchema } from '../document/GeoJsonGeometry.ts';
import { isParamRef, paramOr } from '../document/ParamRef.ts';
import { ident, spatial, sql, val } from '../sql/SqlNode.ts';
import { newColumnName } from './columnRules.ts';
import { defineComponent } from './Component.ts';

const config = z.strictObject({
  bbox: paramOr(bboxSchema, 'bbox').describe(
    '[minLon, minLat, maxLon, maxLat], or {"$param": "name"} of a bbox parameter',
  ),
  as: newColumnName.default('geom'),
});

export const bboxInput = defineComponent({
  name: 'bbox_input',
  category: 'source',
  description:
    'One row holding the rectangle of a bounding box [minLon, minLat, maxLon, maxLat] (WGS 84), from a literal or a bbox parameter.',
  inputs: [],
  config,
  execution: 'sql',
  singleRow: true,
  columns: ({ config }) => [{ name: config.as, type: 'geometry', srid: 4326, geometryType: 'POLYGON' }],
  sql({ config }) {
    if (isParamRef(config.bbox)) throw new Error('bbox_input compiled with an unresolved parameter');
    const [a, b, c, d] = config.bbox;
    const envelope = spatial(
      'makeEnvelope',
      [val(a, 'float'), val(b, 'float'), val(c, 'float'), val(d, 'float')],
      { srid: 4326 },
    );
    return sql`SELECT ${envelope} AS ${ident(config.as)}`;
  },
});
