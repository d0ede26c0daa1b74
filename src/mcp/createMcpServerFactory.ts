import { McpServer, type McpRequestContext, type McpServerFactory } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import type { McpTool } from './McpTool.ts';
import { mcpCallerOf, type McpCaller } from '../auth/index.ts';
import { specFromTool, type McpToolSpec } from './McpToolSpec.ts';
import type { McpResourceSpec } from './McpResourceSpec.ts';

export const SERVER_INFO = { name: 'meridian', title: 'Meridian', version: '0.1.0' };

const INSTRUCTIONS =
  "Meridian gives you the spatial data of the signed-in user's organization: published workflows " +
  'you can run as tools (long ones return a job: poll get_job_status, then page get_job_results), ' +
  'data warehouse connections you can browse (list_connections, search_tables, describe_table), ' +
  'and saved maps. Call whoami to see which user and permissions this connection has.';

/**
 * Builds the per-request server the SDK asks for. Every request gets its own instance (sharing
 * one across callers leaked responses between clients in GHSA-345p-7cg4-v4c7); the tool specs
 * are built ahead and reused: static tools once, the caller's workflow tools per catalog version.
 */
export function createMcpServerFactory(options: {
  tools: McpTool[];
  logger: Logger;
  dynamicTools?: (caller: McpCaller) => Promise<McpToolSpec[]>;
  /** Static resources (the MCP Apps map view), the same for every caller. */
  resources?: McpResourceSpec[];
  /** The Tasks extension (2026-07-28 only: 2025 clients have their own, different, core tasks). */
  tasks?: { register(server: McpServer): void };
  /**
   * Features bound to the caller (prompts with their completions, resource templates, the 2025
   * session's setLevel), registered on each request's server after the tools.
   */
  perCaller?: (server: McpServer, caller: McpCaller, era: McpRequestContext['era']) => void;
}): McpServerFactory {
  const { logger, dynamicTools, resources = [], tasks, perCaller } = options;
  const staticSpecs = options.tools.map(specFromTool);
  return async (ctx) => {
    const server = new McpServer(SERVER_INFO, {
      capabilities: {
        tools: { listChanged: true },
        // Job progress and warnings of long workflow calls (see McpClientLog).
        logging: {},
        ...(resources.length && { resources: {} }),
      },
      instructions: INSTRUCTIONS,
    });
    const caller = ctx.authInfo ? mcpCallerOf(ctx.authInfo) : undefined;
    const specs = caller && dynamicTools ? [...staticSpecs, ...(await dynamicTools(caller))] : staticSpecs;
    for (const spec of specs) {
      server.registerTool(
        spec.name,
        {
          title: spec.title,
          description: spec.description,
          inputSchema: spec.inputSchema,
          ...(spec.outputSchema && { outputSchema: spec.outputSchema }),
          ...(spec.annotations && { annotations: spec.annotations }),
          ...(spec._meta && { _meta: spec._meta }),
          ...(spec.scopeChallenge && { scopeChallenge: spec.scopeChallenge }),
        },
        async (args, toolCtx) => {
          const toolCaller = mcpCallerOf(toolCtx.http?.authInfo);
          try {
            return await spec.call(args, toolCaller, toolCtx);
          } catch (error) {
            // A tool failure is reported to the model as a tool error it can act on; the detail
            // (which may hold internals) goes to the log only.
            logger.error({ err: error, tool: spec.name, orgId: toolCaller.orgId }, 'tool failed');
            return {
              isError: true,
              content: [
                {
                  type: 'text',
                  text: `The tool ${spec.name} failed unexpectedly. Try again; if it keeps failing, tell the user.`,
                },
              ],
            };
          }
        },
      );
    }
    for (const resource of resources)
      server.registerResource(resource.name, resource.uri, resource.metadata, (uri) => resource.read(uri));
    if (caller && perCaller) perCaller(server, caller, ctx.era);
    if (tasks && ctx.era === 'modern') tasks.register(server);
    return server;
  };
}
