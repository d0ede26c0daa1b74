import type { z } from 'zod';
import type { CallToolResult, ServerContext, ToolAnnotations } from '@modelcontextprotocol/server';
import type { McpCaller } from './McpCaller.ts';

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
  /** Listed with the tool in tools/list (MCP Apps: `{ ui: { resourceUri } }`). */
  _meta?: Record<string, unknown>;
  handler(args: z.infer<Input>, caller: McpCaller, ctx: ServerContext): Promise<CallToolResult> | CallToolResult;
}

/** Lets a list hold tools of different schemas without losing each one's own typing. */
export function defineTool<Input extends z.ZodObject, Output extends z.ZodObject>(tool: McpTool<Input, Output>): McpTool {
  return tool as unknown as McpTool;
}
