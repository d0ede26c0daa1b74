import { z } from 'zod';
import { bboxSchema, geoJsonGeometrySchema } from './GeoJsonGeometry.ts';

/** Names that become MCP tool names and argument names: the G10 pattern. */
export const workflowNamePattern = /^[A-Za-z0-9_-]{1,64}$/;
export const parameterNamePattern = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const nodeIdPattern = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
/** Names a workflow gives to new columns (catalog names may be anything and are quoted). */
export const columnNamePattern = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
export const MAX_DESCRIPTION_LENGTH = 8192;
export const MAX_NODES = 200;

const parameterCommon = {
  name: z
    .string()
    .regex(
      parameterNamePattern,
      'parameter names are letters, digits and _ (max 64), starting with a letter or _',
    ),
  description: z.string().max(2000).optional(),
  required: z.boolean().optional(),
};

const dateString = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'dates are YYYY-MM-DD');

export const parameterSchema = z.discriminatedUnion('type', [
  z.strictObject({
    ...parameterCommon,
    type: z.literal('string'),
    default: z.string().optional(),
    maxLength: z.number().int().min(1).max(100_000).optional(),
  }),
  z.strictObject({
    ...parameterCommon,
    type: z.literal('number'),
    default: z.number().finite().optional(),
    min: z.number().finite().optional(),
    max: z.number().finite().optional(),
  }),
  z.strictObject({
    ...parameterCommon,
    type: z.literal('integer'),
    default: z.number().int().optional(),
    min: z.number().int().optional(),
    max: z.number().int().optional(),
  }),
  z.strictObject({ ...parameterCommon, type: z.literal('boolean'), default: z.boolean().optional() }),
  z.strictObject({
    ...parameterCommon,
    type: z.literal('enum'),
    values: z.array(z.string().max(200)).min(1).max(500),
    default: z.string().optional(),
  }),
  z.strictObject({
    ...parameterCommon,
    type: z.literal('date'),
    default: dateString.optional(),
    min: dateString.optional(),
    max: dateString.optional(),
  }),
  z.strictObject({ ...parameterCommon, type: z.literal('bbox'), default: bboxSchema.optional() }),
  z.strictObject({
    ...parameterCommon,
    type: z.literal('geometry'),
    default: geoJsonGeometrySchema.optional(),
  }),
]);

export type WorkflowParameter = z.infer<typeof parameterSchema>;
export type ParameterType = WorkflowParameter['type'];

export const workflowNodeSchema = z.strictObject({
  id: z
    .string()
    .regex(nodeIdPattern, 'node ids are letters, digits, _ and - (max 64), starting with a letter or _'),
  component: z.string().max(100).describe('name of a component from the catalog'),
  inputs: z.record(z.string(), z.string()).optional().describe('input port name → id of the node feeding it'),
  config: z.record(z.string(), z.unknown()).optional().describe("the component's configuration"),
  /** Where the workspace canvas drew the node; the compiler ignores it. */
  position: z
    .strictObject({ x: z.number().finite(), y: z.number().finite() })
    .optional()
    .describe('where the workspace canvas places the node (ignored when running)'),
});

export type WorkflowNode = z.infer<typeof workflowNodeSchema>;

export const workflowDocumentSchema = z.strictObject({
  name: z.string().regex(workflowNamePattern, 'workflow names are letters, digits, _ and - (max 64)'),
  description: z.string().max(MAX_DESCRIPTION_LENGTH).optional(),
  connection: z.string().max(200).optional().describe('name of the connection the workflow runs on'),
  parameters: z.array(parameterSchema).max(100).default([]),
  nodes: z.array(workflowNodeSchema).min(1).max(MAX_NODES),
  output: z.string().describe('id of the node whose rows are the result'),
});

export type WorkflowDocument = z.infer<typeof workflowDocumentSchema>;
/** What a document looks like before defaults are applied (what people write). */
export type WorkflowDocumentInput = z.input<typeof workflowDocumentSchema>;
