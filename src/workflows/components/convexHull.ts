import { spatial } from '../sql/SqlNode.ts';
import { srid } from './columnRules.ts';
import { defineGeometryFunction } from './defineGeometryFunction.ts';

export const convexHull = defineGeometryFunction({
  name: 'convex_hull',
  description: 'Replaces each geometry with its convex hull (the smallest convex polygon containing it).',
  shape: {},
  output: (input) => ({ type: 'geometry', srid: srid(input) }),
  expression: (g) => spatial('convexHull', [g]),
});
