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
  return withoutTupleItemsFalse(json) as Record<string, unknown>;
}

/**
 * zod writes a tuple as `prefixItems` + `items: false` + `minItems`/`maxItems`. The bare
 * `items: false` is redundant beside a `maxItems` equal to the prefix length, and several
 * clients' schema handling (the MCP Inspector among them) refuse a boolean `items`; drop it there.
 */
function withoutTupleItemsFalse(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutTupleItemsFalse);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = withoutTupleItemsFalse(value);
  const prefix = out.prefixItems;
  if (out.items === false && Array.isArray(prefix) && out.maxItems === prefix.length) delete out.items;
  return out;
}
