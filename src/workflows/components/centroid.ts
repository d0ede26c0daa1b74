import { spatial } from '../sql/SqlNode.ts';
import { srid } from './columnRules.ts';
import { defineGeometryFunction } from './defineGeometryFunction.ts';

export const centroid = defineGeometryFunction({
  name: 'centroid',
  description:
    'Replaces each geometry with its centroid (center of mass; may fall outside concave polygons — use point_on_surface for a point guaranteed inside).',
  shape: {},
  output: (input) => ({ type: 'geometry', srid: srid(input), geometryType: 'POINT' }),
  expression: (g) => spatial('centroid', [g]),
});
