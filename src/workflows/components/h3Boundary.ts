import { z } from 'zod';
import { columnRef, newColumnName, requireColumn, withAddedColumns } from './columnRules.ts';
import { defineComponent } from './Component.ts';

const config = z.strictObject({
  cell: columnRef.default('h3_cell').describe('column holding H3 cell ids'),
  as: newColumnName.default('geom'),
});

export const h3Boundary = defineComponent({
  name: 'h3_boundary',
  category: 'h3',
  description:
    'Adds the hexagon (GeoJSON polygon, WGS 84) of each H3 cell, e.g. to map the output of h3_aggregate.',
  inputs: [{ name: 'input', description: 'rows with an H3 cell column' }],
  config,
  execution: 'host',
  order: 'preserve',
  columns({ config, inputs }) {
    requireColumn(inputs.input ?? [], config.cell, 'cell', 'text');
    return withAddedColumns(
      inputs.input ?? [],
      [{ name: config.as, type: 'geometry', srid: 4326, geometryType: 'POLYGON' }],
      'as',
    );
  },
  host: ({ config }) => ({ kind: 'h3_boundary', cell: config.cell, as: config.as }),
});
