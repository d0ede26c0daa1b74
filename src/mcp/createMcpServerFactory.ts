import { McpServer, requireScopes, type McpServerFactory } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import type { McpTool } from './McpTool.ts';
import { mcpCallerOf } from './McpCaller.ts';
import { precompiledSchema } from './precompiledSchema.ts';

export const SERVER_INFO = { name: 'meridian', title: 'Meridian', version: '0.1.0' };

const INSTRUCTIONS =
  'Meridian gives you the spatial data of the signed-in user\'s organization: published workflows ' +
  'you can run as tools, data warehouse connections you can browse, and saved maps. Call whoami ' +
  'to see which user and permissions this connection has.';

/**
 * Builds the per-request server the SDK asks for. Every request gets its own instance (sharing
 * one across callers leaked responses between clients in GHSA-345p-7cg4-v4c7); the tool
 * definitions themselves are built once and reused.
 */
export function createMcpServerFactory(options: { tools: McpTool[]; logger: Logger }): McpServerFactory {
  const { tools, logger } = options;
  const compiled = tools.map((tool) => {
    const [first, ...rest] = tool.requiredScopes;
    return {
      tool,
      inputSchema: precompiledSchema(tool.inputSchema),
      outputSchema: tool.outputSchema && precompiledSchema(tool.outputSchema),
      scopeChallenge: first !== undefined ? requireScopes(first, ...rest) : undefined,
    };
  });
  return () => {
    const server = new McpServer(SERVER_INFO, {
      capabilities: { tools: { listChanged: true } },
      instructions: INSTRUCTIONS,
    });
    for (const { tool, inputSchema, outputSchema, scopeChallenge } of compiled) {
      server.registerTool(
        tool.name,
        {
          title: tool.title,
          description: tool.description,
          inputSchema,
          ...(outputSchema && { outputSchema }),
          ...(tool.annotations && { annotations: tool.annotations }),
          ...(scopeChallenge && { scopeChallenge }),
        },
        async (args, ctx) => {
          const caller = mcpCallerOf(ctx.http?.authInfo);
          // The SDK validated against the JSON Schema; zod then applies defaults and refinements.
          const parsed = tool.inputSchema.safeParse(args ?? {});
          if (!parsed.success) {
            return {
              isError: true,
              content: [{ type: 'text', text: `Invalid arguments for ${tool.name}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ')}` }],
            };
          }
          try {
            return await tool.handler(parsed.data as never, caller, ctx);
          } catch (error) {
            // A tool failure is reported to the model as a tool error it can act on; the detail
            // (which may hold internals) goes to the log only.
            logger.error({ err: error, tool: tool.name, orgId: caller.orgId }, 'tool failed');
            return {
              isError: true,
              content: [{ type: 'text', text: `The tool ${tool.name} failed unexpectedly. Try again; if it keeps failing, tell the user.` }],
            };
          }
        },
      );
    }
    return server;
  };
}
