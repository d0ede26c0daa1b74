import type { z } from 'zod';
import type { CallToolResult, ServerContext, ToolAnnotations } from '@modelcontextprotocol/server';
import type { McpCaller } from '../auth/index.ts';

/**
 * One MCP tool as Meridian defines it: its schema, the scopes a token needs to call it, and a
 * handler that receives the authenticated caller. Tools whose scopes the token lacks are still
 * listed, and a call answers 403 insufficient_scope so the client can step up.
 */
export interface McpTool<Input extends z.ZodObject = z.ZodObject, Output extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  requiredScopes: string[];
  inputSchema: Input;
  outputSchema?: Output;
  annotations?: ToolAnnotations;
  /**
   * Validate arguments with zod only: the SDK accepts any arguments (still advertising the same
   * JSON Schema) and the tool's zod schema refuses bad ones as a tool error in our wording, with
   * the field path and the schema's own message ("layers.0.style.fillColor: a colour is #rgb or
   * #rrggbb…"), instead of the SDK's "data/layers/0/style/fillColor must match pattern …". For
   * deep schemas whose messages tell the model how to fix a value better than a pattern does.
   */
  validateWithZodOnly?: boolean;
  /** Listed with the tool in tools/list (MCP Apps: `{ ui: { resourceUri } }`). */
  _meta?: Record<string, unknown>;
  handler(
    args: z.infer<Input>,
    caller: McpCaller,
    ctx: ServerContext,
  ): Promise<CallToolResult> | CallToolResult;
}

/** Lets a list hold tools of different schemas without losing each one's own typing. */
export function defineTool<Input extends z.ZodObject, Output extends z.ZodObject>(
  tool: McpTool<Input, Output>,
): McpTool {
  return tool as unknown as McpTool;
}
