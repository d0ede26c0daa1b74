import {
  requireScopes,
  type CallToolResult,
  type ScopeChallengeHandler,
  type ServerContext,
  type StandardSchemaWithJSON,
  type ToolAnnotations,
} from '@modelcontextprotocol/server';
import type { McpCaller } from '../auth/index.ts';
import type { McpTool } from './McpTool.ts';
import { toolError } from './toolResults.ts';
import { inputJsonSchema, precompiledSchema } from './precompiledSchema.ts';

/**
 * A tool ready to register on a per-request server: schemas already converted and compiled,
 * scope challenge prepared. Built once (static tools at start, workflow tools per catalog
 * version), registered many times.
 */
export interface McpToolSpec {
  name: string;
  title: string;
  description: string;
  inputSchema: StandardSchemaWithJSON;
  outputSchema?: StandardSchemaWithJSON;
  annotations?: ToolAnnotations;
  _meta?: Record<string, unknown>;
  scopeChallenge?: ScopeChallengeHandler;
  call(args: unknown, caller: McpCaller, ctx: ServerContext): Promise<CallToolResult>;
}

export function scopeChallengeFor(scopes: string[]): ScopeChallengeHandler | undefined {
  const [first, ...rest] = scopes;
  return first === undefined ? undefined : requireScopes(first, ...rest);
}

/**
 * A zod-defined tool as a spec: JSON Schema validation by the SDK, then zod for defaults (or zod
 * alone when the tool asks for `validateWithZodOnly`: the same schema is advertised either way).
 */
export function specFromTool(tool: McpTool): McpToolSpec {
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: tool.validateWithZodOnly
      ? advertisedSchema(inputJsonSchema(tool.inputSchema))
      : precompiledSchema(tool.inputSchema),
    ...(tool.outputSchema && { outputSchema: precompiledSchema(tool.outputSchema) }),
    ...(tool.annotations && { annotations: tool.annotations }),
    ...(tool._meta && { _meta: tool._meta }),
    scopeChallenge: scopeChallengeFor(tool.requiredScopes),
    async call(args, caller, ctx) {
      const parsed = tool.inputSchema.safeParse(args ?? {});
      if (!parsed.success) {
        return toolError(
          `Invalid arguments for ${tool.name}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ')}. Call ${tool.name} again with corrected arguments.`,
        );
      }
      return tool.handler(parsed.data as never, caller, ctx);
    },
  };
}

/** Accepts any arguments at the SDK layer while advertising `schema`: the tool validates itself. */
export function advertisedSchema(schema: Record<string, unknown>): StandardSchemaWithJSON {
  return {
    '~standard': {
      version: 1,
      vendor: 'meridian',
      jsonSchema: { input: () => schema, output: () => schema },
      validate: (value: unknown) => ({ value }),
    },
  } as StandardSchemaWithJSON;
}
