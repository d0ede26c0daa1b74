import { z } from 'zod';
import { spatial } from '../sql/SqlNode.ts';
import { srid } from './columnRules.ts';
import { defineGeometryFunction } from './defineGeometryFunction.ts';

export const transform = defineGeometryFunction({
  name: 'transform',
  description:
    'Reprojects each geometry to another coordinate system given by its EPSG code (e.g. 3857 Web Mercator, 326NN/327NN UTM zones). Results are always returned as WGS 84 GeoJSON; reproject to measure or grid in a projected CRS.',
  shape: {
    srid: z.number().int().min(1024).max(998_999).describe('target EPSG code'),
  },
  output: (input, c) => ({ type: 'geometry', srid: c.srid, geometryType: input.geometryType }),
  expression: (g, input, c) => spatial('transform', [g], { srid: c.srid, fromSrid: srid(input) }),
});
