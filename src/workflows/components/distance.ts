import { geoJsonGeometrySchema } from '../document/GeoJsonGeometry.ts';
import { isParamRef, paramOr } from '../document/ParamRef.ts';
import { ident, spatial } from '../sql/SqlNode.ts';
import { ComponentConfigError } from '../validation/WorkflowIssue.ts';
import { boundGeometry } from './boundValue.ts';
import { columnRef, newColumnName, requireColumn, srid } from './columnRules.ts';
import { defineGeometryFunction } from './defineGeometryFunction.ts';

export const distance = defineGeometryFunction({
  name: 'distance',
  description:
    'Adds the distance in meters on the ellipsoid from each geometry to a target: a GeoJSON geometry (literal or geometry parameter, `to`) or another geometry column of the same row (`to_column`). Column name: `as` (default distance_m).',
  shape: {
    as: newColumnName.default('distance_m'),
    to: paramOr(geoJsonGeometrySchema, 'geometry')
      .optional()
      .describe('target geometry (WGS 84 GeoJSON or {"$param": "name"})'),
    to_column: columnRef.optional().describe('or: a geometry column of the row'),
  },
  validate: (c, _input, columns) => {
    if ((c.to === undefined) === (c.to_column === undefined)) {
      throw new ComponentConfigError(
        'invalid_config',
        'to',
        'give exactly one target',
        'set either `to` (a geometry) or `to_column` (a geometry column)',
      );
    }
    if (c.to_column !== undefined) requireColumn(columns, c.to_column, 'to_column', 'geometry');
  },
  output: () => ({ type: 'number' }),
  expression: (g, input, c, columns) => {
    const toColumn =
      c.to_column === undefined ? undefined : requireColumn(columns, c.to_column, 'to_column', 'geometry');
    const target =
      toColumn !== undefined
        ? spatial('transform', [ident(toColumn.name)], { srid: srid(input), fromSrid: srid(toColumn) })
        : isParamRef(c.to) || c.to === undefined
          ? undefined
          : spatial('transform', [boundGeometry(c.to)], { srid: srid(input), fromSrid: 4326 });
    if (!target) throw new Error('distance compiled with an unresolved target');
    return spatial('distanceMeters', [g, target], { srid: srid(input) });
  },
});
