import { z } from 'zod';
import { components } from '../components/components.ts';
import { workflowDocumentSchema } from './WorkflowDocument.ts';

/**
 * The published JSON Schema of a workflow document (`meridian workflow schema`). Component
 * configs are described per component in `componentCatalog`; here `component` lists the names.
 */
export function workflowDocumentJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(workflowDocumentSchema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  const nodes = (schema.properties as Record<string, Record<string, unknown>>).nodes!;
  const node = nodes.items as { properties: Record<string, Record<string, unknown>> };
  node.properties.component = { ...node.properties.component, enum: [...components.keys()] };
  return {
    $id: 'urn:meridian:workflow-document',
    title: 'Meridian workflow',
    description:
      'A graph of spatial components compiled to one SQL query. Config values written {"$param": "name"} take the value of a declared parameter, always bound.',
    ...schema,
  };
}
