import { z } from 'zod';
import { isParamRef, paramOr } from '../document/ParamRef.ts';
import { ComponentConfigError } from '../validation/WorkflowIssue.ts';
import { columnRef, geometryColumn, newColumnName, withAddedColumns } from './columnRules.ts';
import { defineComponent } from './Component.ts';

const config = z.strictObject({
  resolution: paramOr(z.number().int().min(0).max(15), 'integer').describe(
    'H3 resolution 0 (cells ~1,100 km across) to 15 (~1 m); 5 ≈ 9 km, 7 ≈ 1.4 km',
  ),
  geometry: columnRef.optional().describe('point geometry column (default: the first geometry)'),
  as: newColumnName.default('h3_cell'),
});

export const h3Index = defineComponent({
  name: 'h3_index',
  category: 'h3',
  description:
    'Adds the H3 cell id (hexagonal global grid) containing each point at a resolution (0–15). Runs after the SQL part, in the server; only H3 components and the output may follow it. Use centroid first for polygons.',
  inputs: [{ name: 'input', description: 'rows with a point geometry' }],
  config,
  execution: 'host',
  order: 'preserve',
  columns({ config, inputs }) {
    const g = geometryColumn(inputs.input ?? [], config.geometry);
    if (g.geometryType && g.geometryType !== 'POINT') {
      throw new ComponentConfigError(
        'type_mismatch',
        'geometry',
        `column "${g.name}" holds ${g.geometryType} geometries, and h3_index needs points`,
        'add a centroid or point_on_surface node before h3_index',
      );
    }
    return withAddedColumns(inputs.input ?? [], [{ name: config.as, type: 'text' }], 'as');
  },
  host({ config, inputs }) {
    if (isParamRef(config.resolution)) throw new Error('h3_index compiled with an unresolved parameter');
    return {
      kind: 'h3_index',
      geometry: geometryColumn(inputs.input ?? [], config.geometry).name,
      resolution: config.resolution,
      as: config.as,
    };
  },
});
