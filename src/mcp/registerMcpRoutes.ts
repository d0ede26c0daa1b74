import type { FastifyInstance } from 'fastify';
import { toNodeHandler } from '@modelcontextprotocol/node';
import type { AppContext } from '../http/AppContext.ts';
import { McpEndpoint } from './McpEndpoint.ts';
import { createMcpServerFactory } from './createMcpServerFactory.ts';
import { createTokenVerifier, type BearerVerifier } from './createTokenVerifier.ts';
import { protectedResourceMetadata, resourceMetadataUrlOf } from './protectedResourceMetadata.ts';
import type { McpTool } from './McpTool.ts';
import { whoamiTool } from './tools/whoamiTool.ts';
import { isLoopbackHost } from '../config.ts';

export const BUILT_IN_TOOLS: McpTool[] = [whoamiTool];

export interface McpRouteOptions {
  tools?: McpTool[];
  otherVerifiers?: BearerVerifier[];
}

/** Mounts /mcp and its protected-resource metadata. Returns the endpoint for shutdown. */
export function registerMcpRoutes(app: FastifyInstance, ctx: AppContext, options: McpRouteOptions = {}): McpEndpoint {
  const { config, logger } = ctx;
  const metadata = protectedResourceMetadata(config);
  const sendMetadata = async (_request: unknown, reply: import('fastify').FastifyReply) =>
    reply.header('Cache-Control', 'public, max-age=300').header('Access-Control-Allow-Origin', '*').send(metadata);
  app.get(`/.well-known/oauth-protected-resource${config.mcpUrl.pathname}`, sendMetadata);
  app.get('/.well-known/oauth-protected-resource', sendMetadata);

  const publicHost = config.publicUrl.hostname;
  // DNS-rebinding protection: on a loopback install only loopback names (and the configured
  // public host) may appear in Host. Behind a public URL the proxy decides which hosts reach us.
  const allowedHostnames = isLoopbackHost(config.host) || isLoopbackHost(publicHost)
    ? new Set(['localhost', '127.0.0.1', '[::1]', '::1', publicHost])
    : new Set<string>();

  const endpoint = new McpEndpoint({
    db: ctx.store.db,
    factory: createMcpServerFactory({ tools: options.tools ?? BUILT_IN_TOOLS, logger }),
    verifier: createTokenVerifier({ db: ctx.store.db, mcpUrl: config.mcpUrl, otherVerifiers: options.otherVerifiers }),
    mcpUrl: config.mcpUrl,
    resourceMetadataUrl: resourceMetadataUrlOf(config),
    allowedOrigins: new Set([config.publicUrl.origin, ...config.allowedOrigins]),
    allowedHostnames,
    maxRequestBodySize: config.bodyLimit,
    logger,
  });
  const nodeHandler = toNodeHandler(
    {
      fetch: async (request) => {
        try {
          return await endpoint.fetch(request);
        } catch (error) {
          logger.error({ err: error }, 'mcp request failed');
          const storeUp = await ctx.store.ping().then(
            () => true,
            () => false,
          );
          return Response.json(
            { jsonrpc: '2.0', error: { code: -32603, message: storeUp ? 'Internal error' : 'Meridian is temporarily unavailable; retry shortly' }, id: null },
            { status: storeUp ? 500 : 503, headers: storeUp ? {} : { 'Retry-After': '5' } },
          );
        }
      },
    },
    { maxRequestBodySize: config.bodyLimit },
  );

  app.register(async (scope) => {
    // Leave the body unread: the SDK reads it, with its own size bound and JSON-RPC errors.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    scope.all(config.mcpUrl.pathname, async (request, reply) => {
      reply.hijack();
      reply.raw.setHeader('X-Request-Id', request.id);
      // Node keeps only the first of several Authorization headers; an ambiguous credential is
      // refused here, from the raw header list, before anything else reads the request.
      const raw = request.raw.rawHeaders;
      let authorizationHeaders = 0;
      for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === 'authorization') authorizationHeaders++;
      if (authorizationHeaders > 1) {
        // Read and discard the body: closing with unread bytes makes the kernel reset the
        // connection, and the client may lose this answer.
        request.raw.resume();
        reply.raw.writeHead(400, {
          'Content-Type': 'application/json',
          'WWW-Authenticate': `Bearer error="invalid_request", resource_metadata="${resourceMetadataUrlOf(config)}"`,
        });
        reply.raw.end(JSON.stringify({ error: 'invalid_request', error_description: 'Send exactly one Authorization header' }));
        return;
      }
      await nodeHandler(request.raw, reply.raw);
    });
  });
  return endpoint;
}
