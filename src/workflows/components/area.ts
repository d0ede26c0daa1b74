import { spatial } from '../sql/SqlNode.ts';
import { newColumnName, srid } from './columnRules.ts';
import { defineGeometryFunction } from './defineGeometryFunction.ts';

export const area = defineGeometryFunction({
  name: 'area',
  description:
    'Adds the area of each geometry in square meters on the ellipsoid (WGS 84), whatever the CRS of the data. Column name: `as` (default area_m2).',
  shape: { as: newColumnName.default('area_m2') },
  output: () => ({ type: 'number' }),
  expression: (g, input) => spatial('areaSquareMeters', [g], { srid: srid(input) }),
});
