import { z } from 'zod';
import { paramOr } from '../document/ParamRef.ts';
import { spatial, val } from '../sql/SqlNode.ts';
import { srid } from './columnRules.ts';
import { defineGeometryFunction } from './defineGeometryFunction.ts';

export const MAX_BUFFER_METERS = 1_000_000;

export const buffer = defineGeometryFunction({
  name: 'buffer',
  description: `Grows each geometry by a distance in meters on the ground (0 to ${MAX_BUFFER_METERS / 1000} km), whatever the CRS of the data. Accurate to well under 1% for buffers up to a few hundred km.`,
  shape: {
    distance_m: paramOr(z.number().finite().min(0).max(MAX_BUFFER_METERS), 'number').describe(
      'buffer distance in meters',
    ),
  },
  output: (input) => ({ type: 'geometry', srid: srid(input), geometryType: 'POLYGON' }),
  expression: (g, input, c) =>
    spatial('bufferMeters', [g, val(c.distance_m, 'float')], { srid: srid(input) }),
});
