import { z } from 'zod';
import { defineComponent } from './Component.ts';

const config = z.strictObject({
  table: z
    .string()
    .regex(
      /^[A-Za-z_][A-Za-z0-9_]{0,62}$/,
      'table names are letters, digits and _ (max 63), starting with a letter or _',
    )
    .describe('name of the new table (it must not exist)'),
});

export const saveTable = defineComponent({
  name: 'save_table',
  category: 'output',
  description:
    'Editors only: also stores the rows in a new table of the connection (CREATE TABLE … AS), run as a separate write statement. The rows are returned as with result.',
  inputs: [{ name: 'input', description: 'the rows to store and return' }],
  config,
  execution: 'output',
  requiresRole: 'editor',
  writes: true,
  order: 'preserve',
  columns: ({ inputs }) => inputs.input ?? [],
});
