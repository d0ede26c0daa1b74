import { fromJsonSchema, type StandardSchemaWithJSON } from '@modelcontextprotocol/server';
import { z } from 'zod';

/**
 * A tool schema converted to JSON Schema and compiled to a validator once, at start-up. The SDK
 * builds a server per request and would otherwise re-convert every zod schema on every
 * `tools/list` (the bulk of its per-request cost, measured with `npm run bench`).
 */
export function precompiledSchema(schema: z.ZodType): StandardSchemaWithJSON {
  return fromJsonSchema(inputJsonSchema(schema));
}

/** The JSON Schema a client sees for a zod input schema (what callers may send, defaults optional). */
export function inputJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}
