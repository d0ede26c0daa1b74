import { z } from 'zod';
import type { ColumnSchema } from '../catalog/ColumnSchema.ts';
import { type SqlNode, ident, sql } from '../sql/SqlNode.ts';
import { columnRef, geometryColumn, newColumnName, replaceColumn, withAddedColumns } from './columnRules.ts';
import { type Component, defineComponent } from './Component.ts';
import { selectColumns } from './selectColumns.ts';

const common = {
  geometry: columnRef.optional().describe('geometry column to read (default: the first one)'),
  as: newColumnName
    .optional()
    .describe('write the result to this new column instead of replacing the geometry'),
};

interface GeometryFunctionSpec<S extends z.ZodRawShape> {
  name: string;
  description: string;
  shape: S;
  /** The output column (name and srid are filled in) from the input geometry column. */
  output: (input: ColumnSchema, config: z.infer<z.ZodObject<S>>) => Omit<ColumnSchema, 'name'>;
  expression: (
    geometry: SqlNode,
    input: ColumnSchema,
    config: z.infer<z.ZodObject<S>>,
    columns: ColumnSchema[],
  ) => SqlNode;
  validate?: (config: z.infer<z.ZodObject<S>>, input: ColumnSchema, columns: ColumnSchema[]) => void;
}

/**
 * The many components that compute one value per row from its geometry (buffer, centroid,
 * area…) share this shape: read a geometry column, replace it or add a column, keep order.
 */
export function defineGeometryFunction<S extends z.ZodRawShape>(
  spec: GeometryFunctionSpec<S>,
): Component<z.infer<z.ZodObject<S>> & { geometry?: string; as?: string }> {
  const config = z.strictObject({ ...common, ...spec.shape });
  type C = z.infer<z.ZodObject<S>> & { geometry?: string; as?: string };
  const outputColumns = (
    columns: ColumnSchema[],
    c: C,
  ): { columns: ColumnSchema[]; input: ColumnSchema; target: string } => {
    const input = geometryColumn(columns, c.geometry);
    spec.validate?.(c, input, columns);
    const produced = { ...spec.output(input, c) };
    if (c.as)
      return { columns: withAddedColumns(columns, [{ ...produced, name: c.as }], 'as'), input, target: c.as };
    return { columns: replaceColumn(columns, { ...produced, name: input.name }), input, target: input.name };
  };
  return defineComponent<C>({
    name: spec.name,
    category: 'spatial',
    description: spec.description,
    inputs: [{ name: 'input', description: 'rows with a geometry column' }],
    config: config as unknown as z.ZodType<C>,
    execution: 'sql',
    order: 'preserve',
    columns: ({ config: c, inputs }) => outputColumns(inputs.input ?? [], c).columns,
    sql({ config: c, inputs, relations }) {
      const { columns, input, target } = outputColumns(inputs.input ?? [], c);
      const expression = spec.expression(ident(input.name), input, c, inputs.input ?? []);
      return sql`SELECT ${selectColumns(columns, undefined, { [target]: expression })} FROM ${relations.input!}`;
    },
  });
}
