import { spatial } from '../sql/SqlNode.ts';
import { srid } from './columnRules.ts';
import { defineGeometryFunction } from './defineGeometryFunction.ts';

export const envelope = defineGeometryFunction({
  name: 'envelope',
  description: "Replaces each geometry with its bounding rectangle (in the data's CRS).",
  shape: {},
  output: (input) => ({ type: 'geometry', srid: srid(input), geometryType: 'POLYGON' }),
  expression: (g) => spatial('envelope', [g]),
});
