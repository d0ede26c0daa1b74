import { z } from 'zod';
import { isParamRef, paramOr } from '../document/ParamRef.ts';
import { ident, spatial, sql, val } from '../sql/SqlNode.ts';
import { newColumnName } from './columnRules.ts';
import { defineComponent } from './Component.ts';

const config = z.strictObject({
  lon: paramOr(z.number().finite().min(-180).max(180), 'number').describe(
    'longitude in degrees (WGS 84), or {"$param": "name"}',
  ),
  lat: paramOr(z.number().finite().min(-90).max(90), 'number').describe(
    'latitude in degrees (WGS 84), or {"$param": "name"}',
  ),
  as: newColumnName.default('geom'),
});

export const pointInput = defineComponent({
  name: 'point_input',
  category: 'source',
  description:
    'One row holding a point built from a longitude and a latitude (WGS 84 degrees), literals or number parameters: the simplest way for a tool caller to give "a place".',
  inputs: [],
  config,
  execution: 'sql',
  singleRow: true,
  columns: ({ config }) => [{ name: config.as, type: 'geometry', srid: 4326, geometryType: 'POINT' }],
  knownBounds({ config }) {
    if (isParamRef(config.lon) || isParamRef(config.lat)) return undefined;
    return { column: config.as, bbox: [config.lon, config.lat, config.lon, config.lat] };
  },
  sql({ config }) {
    if (isParamRef(config.lon) || isParamRef(config.lat))
      throw new Error('point_input compiled with an unresolved parameter');
    return sql`SELECT ${spatial('makePoint', [val(config.lon, 'float'), val(config.lat, 'float')], { srid: 4326 })} AS ${ident(config.as)}`;
  },
});
