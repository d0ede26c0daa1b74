import type { WorkflowDocument, WorkflowParameter } from '../document/WorkflowDocument.ts';
import { DEFAULT_MAX_STRING_LENGTH, expected } from './validateArguments.ts';

type JsonSchema = Record<string, unknown>;

/**
 * The JSON Schema of a workflow's arguments, for an MCP tool's `inputSchema`: types, enums,
 * bounds, defaults and descriptions, so a model can call the tool right the first time.
 */
export function parameterInputSchema(doc: Pick<WorkflowDocument, 'parameters'>): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const p of doc.parameters) properties[p.name] = propertySchema(p);
  const required = doc.parameters.filter((p) => p.required && p.default === undefined).map((p) => p.name);
  return {
    type: 'object',
    properties,
    ...(required.length ? { required } : {}),
    additionalProperties: false,
  };
}

function propertySchema(p: WorkflowParameter): JsonSchema {
  const description = [p.description, `Expects ${expected(p)}.`].filter(Boolean).join(' ');
  const common = { description, ...(p.default !== undefined ? { default: p.default } : {}) };
  switch (p.type) {
    case 'string':
      return { type: 'string', maxLength: p.maxLength ?? DEFAULT_MAX_STRING_LENGTH, ...common };
    case 'number':
    case 'integer':
      return {
        type: p.type,
        ...(p.min !== undefined ? { minimum: p.min } : {}),
        ...(p.max !== undefined ? { maximum: p.max } : {}),
        ...common,
      };
    case 'boolean':
      return { type: 'boolean', ...common };
    case 'enum':
      return { type: 'string', enum: p.values, ...common };
    case 'date':
      return { type: 'string', format: 'date', ...common };
    case 'bbox':
      return {
        type: 'array',
        prefixItems: [
          { type: 'number', minimum: -180, maximum: 180, description: 'minLon' },
          { type: 'number', minimum: -90, maximum: 90, description: 'minLat' },
          { type: 'number', minimum: -180, maximum: 180, description: 'maxLon' },
          { type: 'number', minimum: -90, maximum: 90, description: 'maxLat' },
        ],
        items: { type: 'number' },
        minItems: 4,
        maxItems: 4,
        ...common,
      };
    case 'geometry':
      return {
        type: 'object',
        properties: {
          type: {
            type: 'string',
            enum: ['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon'],
          },
          coordinates: { type: 'array', description: 'GeoJSON coordinates, [lon, lat] positions in WGS 84' },
        },
        required: ['type', 'coordinates'],
        ...common,
      };
  }
}
