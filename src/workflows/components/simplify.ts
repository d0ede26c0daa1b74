import { z } from 'zod';
import { paramOr } from '../document/ParamRef.ts';
import { spatial, val } from '../sql/SqlNode.ts';
import { srid } from './columnRules.ts';
import { defineGeometryFunction } from './defineGeometryFunction.ts';

export const simplify = defineGeometryFunction({
  name: 'simplify',
  description:
    "Simplifies each geometry (Douglas-Peucker, topology preserved) with a tolerance in the units of the data's CRS: degrees for WGS 84 data (0.01° ≈ 1.1 km), meters for projected data.",
  shape: {
    tolerance: paramOr(z.number().finite().gt(0).max(10_000), 'number').describe(
      "tolerance in the CRS's units (degrees for EPSG:4326)",
    ),
  },
  output: (input) => ({ type: 'geometry', srid: srid(input), geometryType: input.geometryType }),
  expression: (g, _input, c) => spatial('simplify', [g, val(c.tolerance, 'float')]),
});
