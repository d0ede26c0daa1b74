import { spatial } from '../sql/SqlNode.ts';
import { srid } from './columnRules.ts';
import { defineGeometryFunction } from './defineGeometryFunction.ts';

export const pointOnSurface = defineGeometryFunction({
  name: 'point_on_surface',
  description:
    'Replaces each geometry with a point guaranteed to lie on it (inside polygons), e.g. for labels.',
  shape: {},
  output: (input) => ({ type: 'geometry', srid: srid(input), geometryType: 'POINT' }),
  expression: (g) => spatial('pointOnSurface', [g]),
});
