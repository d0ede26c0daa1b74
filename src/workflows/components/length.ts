import { spatial } from '../sql/SqlNode.ts';
import { newColumnName, srid } from './columnRules.ts';
import { defineGeometryFunction } from './defineGeometryFunction.ts';

export const length = defineGeometryFunction({
  name: 'length',
  description:
    'Adds the length of each line geometry in meters on the ellipsoid (WGS 84), whatever the CRS. Column name: `as` (default length_m).',
  shape: { as: newColumnName.default('length_m') },
  output: () => ({ type: 'number' }),
  expression: (g, input) => spatial('lengthMeters', [g], { srid: srid(input) }),
});
