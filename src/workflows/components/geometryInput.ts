import { z } from 'zod';
import { geoJsonGeometrySchema } from '../document/GeoJsonGeometry.ts';
import { paramOr } from '../document/ParamRef.ts';
import { ident, sql } from '../sql/SqlNode.ts';
import { boundGeometry } from './boundValue.ts';
import { newColumnName } from './columnRules.ts';
import { defineComponent } from './Component.ts';

const config = z.strictObject({
  geometry: paramOr(geoJsonGeometrySchema, 'geometry').describe(
    'a GeoJSON geometry, or {"$param": "name"} of a geometry parameter',
  ),
  as: newColumnName.default('geom'),
});

export const geometryInput = defineComponent({
  name: 'geometry_input',
  category: 'source',
  description:
    'One row holding a geometry given as a GeoJSON literal or a geometry parameter (WGS 84 lon/lat). Typically the "drawn polygon" or "point of interest" fed to a spatial filter or join.',
  inputs: [],
  config,
  execution: 'sql',
  singleRow: true,
  columns: ({ config }) => [{ name: config.as, type: 'geometry', srid: 4326 }],
  sql({ config }) {
    if (typeof config.geometry !== 'object' || '$param' in config.geometry)
      throw new Error('geometry_input compiled with an unresolved parameter');
    return sql`SELECT ${boundGeometry(config.geometry)} AS ${ident(config.as)}`;
  },
});
