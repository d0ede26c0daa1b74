import { z } from 'zod';
import { defineComponent } from './Component.ts';

export const result = defineComponent({
  name: 'result',
  category: 'output',
  description:
    'The rows returned by the workflow (geometries as WGS 84 GeoJSON). Usually the workflow output node.',
  inputs: [{ name: 'input', description: 'the rows to return' }],
  config: z.strictObject({}),
  execution: 'output',
  order: 'preserve',
  columns: ({ inputs }) => inputs.input ?? [],
});
