import type { FastifyInstance } from 'fastify';
import { toNodeHandler } from '@modelcontextprotocol/node';
import type { AppContext } from '../AppContext.ts';
import {
  INVALID_JSON_BODY,
  NOT_ONE_MESSAGE_BODY,
  McpEndpoint,
  type McpEndpointOptions,
} from './McpEndpoint.ts';
import type { Logger } from 'pino';
import { PgChannelListener } from '../store/PgChannelListener.ts';
import { TOOL_CATALOG_CHANNEL } from '../store/toolCatalogChannel.ts';

/** application_name of the catalog listener's PostgreSQL session (not one of the pool's). */
export const CATALOG_LISTENER_APPLICATION_NAME = 'meridian-catalog-listener';
import { jsonDepthExceeds } from './jsonDepthExceeds.ts';

/** Deeper than any MCP message or GeoJSON argument needs (a MultiPolygon is 5 levels). */
const MAX_JSON_DEPTH = 64;
import { createMcpServerFactory } from './createMcpServerFactory.ts';
import { createTokenVerifier, type BearerVerifier } from '../auth/index.ts';
import { protectedResourceMetadata, resourceMetadataUrlOf } from './protectedResourceMetadata.ts';
import type { McpTool } from './McpTool.ts';
import { whoamiTool } from './tools/whoamiTool.ts';
import { isLoopbackHost } from '../config.ts';
import { trustedBrowserOrigins } from './trustedBrowserOrigins.ts';
import { createConnectionTools } from './tools/connectionTools.ts';
import type { McpServices } from './McpServices.ts';
import { createJobTools } from './tools/jobTools.ts';
import { WorkflowToolCatalog } from './tools/WorkflowToolCatalog.ts';
import { toolCatalogVersion } from '../store/toolCatalogVersion.ts';
import { createMapAppResource, createMapTools } from './tools/mapTools.ts';
import { createMapServices, type MapServices } from '../maps/index.ts';
import { CallerNameCompleter } from './CallerNameCompleter.ts';
import { registerSpatialPrompts } from './SpatialPrompts.ts';
import { registerSpatialResourceTemplates } from './SpatialResourceTemplates.ts';
import { registerSessionLogLevel } from './McpClientLog.ts';

/** LISTEN on the store's tool catalog channel, in a session of its own. */
function catalogChangeFeed(databaseUrl: string, logger: Logger): McpEndpointOptions['catalogChangeFeed'] {
  return (events) => {
    const listener = new PgChannelListener({
      connectionString: databaseUrl,
      channel: TOOL_CATALOG_CHANNEL,
      applicationName: CATALOG_LISTENER_APPLICATION_NAME,
      logger,
      onNotification: (orgId) => events.changed(orgId),
      onListening: () => events.resync(),
    });
    listener.start();
    return listener;
  };
}

/** Tools that need no services (for tests that replace the tool set). */
export const BUILT_IN_TOOLS: McpTool[] = [whoamiTool];

export function defaultTools(services: McpServices, maps?: MapServices): McpTool[] {
  return [
    whoamiTool,
    ...createConnectionTools(services),
    ...createJobTools(services),
    ...(maps ? createMapTools(maps) : []),
  ];
}

export interface McpRouteOptions {
  tools?: McpTool[];
  otherVerifiers?: BearerVerifier[];
}

/** Mounts /mcp and its protected-resource metadata. Returns the endpoint for shutdown. */
export function registerMcpRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  options: McpRouteOptions = {},
): McpEndpoint {
  const { config, logger } = ctx;
  const metadata = protectedResourceMetadata(config);
  const sendMetadata = async (_request: unknown, reply: import('fastify').FastifyReply) =>
    reply
      .header('Cache-Control', 'public, max-age=300')
      .header('Access-Control-Allow-Origin', '*')
      .send(metadata);
  // The metadata is public: any page may read it, also with the MCP-Protocol-Version header the
  // SDK clients send, which makes a browser ask first.
  const sendMetadataPreflight = async (_request: unknown, reply: import('fastify').FastifyReply) =>
    reply
      .code(204)
      .header('Access-Control-Allow-Origin', '*')
      .header('Access-Control-Allow-Methods', 'GET')
      .header('Access-Control-Allow-Headers', 'MCP-Protocol-Version')
      .header('Access-Control-Max-Age', '600')
      .send();
  for (const path of [
    `/.well-known/oauth-protected-resource${config.mcpUrl.pathname}`,
    '/.well-known/oauth-protected-resource',
  ]) {
    app.get(path, sendMetadata);
    app.options(path, sendMetadataPreflight);
  }

  const publicHost = config.publicUrl.hostname;
  // DNS-rebinding protection: on a loopback install only loopback names (and the configured
  // public host) may appear in Host. Behind a public URL the proxy decides which hosts reach us.
  const allowedHostnames =
    isLoopbackHost(config.host) || isLoopbackHost(publicHost)
      ? new Set(['localhost', '127.0.0.1', '[::1]', '::1', publicHost])
      : new Set<string>();

  const services: McpServices = {
    db: ctx.store.db,
    connections: ctx.connections,
    catalog: ctx.catalog,
    jobs: ctx.jobs,
    jobLimits: config.jobs,
  };
  const workflowTools = new WorkflowToolCatalog(services);
  const mapServices = createMapServices({ ...services, publicUrl: config.publicUrl, maps: config.maps });
  const names = new CallerNameCompleter(services, async (caller) =>
    (await workflowTools.specsFor(caller)).map((spec) => spec.name),
  );
  const endpoint = new McpEndpoint({
    db: ctx.store.db,
    factory: createMcpServerFactory({
      tools: options.tools ?? defaultTools(services, mapServices),
      resources: [createMapAppResource(config.maps.basemapStyleUrl)],
      dynamicTools: (caller) => workflowTools.specsFor(caller),
      tasks: workflowTools.tasks,
      perCaller: (server, caller, era) => {
        registerSpatialPrompts(server, caller, names);
        registerSpatialResourceTemplates(server, caller, { ...services, publicUrl: config.publicUrl }, names);
        if (era === 'legacy') registerSessionLogLevel(server, ctx.store.db);
      },
      logger,
    }),
    unlistedToolChallenge: (caller, toolName) => workflowTools.unlistedToolChallenge(caller, toolName),
    catalogVersion: (orgId) => toolCatalogVersion(ctx.store.db, orgId),
    // With PostgreSQL every process hears of a change at commit, and the poll is a slow safety
    // net; with SQLite the poll is how CLI changes arrive.
    catalogWatchMs: config.catalogPollMs ?? (config.databaseUrl ? 30_000 : 1000),
    ...(config.databaseUrl && { catalogChangeFeed: catalogChangeFeed(config.databaseUrl, logger) }),
    verifier: createTokenVerifier({
      db: ctx.store.db,
      mcpUrl: config.mcpUrl,
      otherVerifiers: options.otherVerifiers,
    }),
    mcpUrl: config.mcpUrl,
    resourceMetadataUrl: resourceMetadataUrlOf(config),
    allowedOrigins: trustedBrowserOrigins(config),
    allowedHostnames,
    maxRequestBodySize: config.bodyLimit,
    logger,
  });
  const nodeHandler = toNodeHandler(
    {
      fetch: async (request, fetchOptions) => {
        try {
          return await endpoint.fetch(request, { parsedBody: fetchOptions?.parsedBody });
        } catch (error) {
          logger.error({ err: error }, 'mcp request failed');
          const storeUp = await ctx.store.ping().then(
            () => true,
            () => false,
          );
          return Response.json(
            {
              jsonrpc: '2.0',
              error: {
                code: -32603,
                message: storeUp ? 'Internal error' : 'Meridian is temporarily unavailable; retry shortly',
              },
              id: null,
            },
            { status: storeUp ? 500 : 503, headers: storeUp ? {} : { 'Retry-After': '5' } },
          );
        }
      },
    },
    { maxRequestBodySize: config.bodyLimit },
  );

  app.register(async (scope) => {
    // JSON bodies are read once here, within the body limit (413 beyond it), and handed to the
    // SDK pre-parsed. Anything else is left unread for the SDK to answer (415, parse errors).
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      'application/json',
      { parseAs: 'string', bodyLimit: config.bodyLimit },
      (_request, text, done) => {
        if ((text as string).trim() === '') return done(null, undefined); // GET/DELETE with a JSON content type
        try {
          done(null, { parsed: JSON.parse(text as string) });
        } catch {
          done(null, { invalid: true });
        }
      },
    );
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    // Errors raised before the handler (a body over the limit) are answered as JSON-RPC errors.
    scope.setErrorHandler((error: { statusCode?: number; code?: string }, _request, reply) => {
      const status =
        error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
      const message =
        error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? `Request body too large: the limit is ${config.bodyLimit} bytes`
          : status === 500
            ? 'Internal error'
            : 'Bad request';
      return reply
        .code(status)
        .header('connection', status === 413 ? 'close' : 'keep-alive')
        .send({ jsonrpc: '2.0', error: { code: status === 500 ? -32603 : -32000, message }, id: null });
    });
    scope.all(config.mcpUrl.pathname, async (request, reply) => {
      reply.hijack();
      reply.raw.setHeader('X-Request-Id', request.id);
      // Node keeps only the first of several Authorization headers; an ambiguous credential is
      // refused here, from the raw header list, before anything else reads the request.
      const raw = request.raw.rawHeaders;
      let authorizationHeaders = 0;
      for (let i = 0; i < raw.length; i += 2)
        if (raw[i]!.toLowerCase() === 'authorization') authorizationHeaders++;
      if (authorizationHeaders > 1) {
        // Read and discard the body: closing with unread bytes makes the kernel reset the
        // connection, and the client may lose this answer.
        request.raw.resume();
        reply.raw.writeHead(400, {
          'Content-Type': 'application/json',
          'WWW-Authenticate': `Bearer error="invalid_request", resource_metadata="${resourceMetadataUrlOf(config)}"`,
        });
        reply.raw.end(
          JSON.stringify({
            error: 'invalid_request',
            error_description: 'Send exactly one Authorization header',
          }),
        );
        return;
      }
      const body = request.body as { parsed?: unknown; invalid?: true } | undefined;
      // Invalid JSON is answered by the endpoint after authentication, like any other request.
      // Only a single message object goes on to the SDK (which re-serializes it: a 10k-deep array
      // would overflow the stack there).
      const parsed = body?.parsed;
      const single =
        parsed !== null &&
        typeof parsed === 'object' &&
        !Array.isArray(parsed) &&
        !jsonDepthExceeds(parsed, MAX_JSON_DEPTH);
      if (single) {
        const headers = request.raw.headers;
        const cached = await endpoint.cachedListing((name) => {
          const value = headers[name];
          return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
        }, parsed);
        if (cached) {
          // A known length spares the client chunked decoding and us the chunk framing writes.
          reply.raw.writeHead(cached.status, {
            ...Object.fromEntries(cached.headers),
            'content-length': cached.body.length,
          });
          reply.raw.end(cached.body);
          return;
        }
      }
      await nodeHandler(
        request.raw,
        reply.raw,
        body?.invalid ? INVALID_JSON_BODY : body && !single ? NOT_ONE_MESSAGE_BODY : parsed,
      );
    });
  });
  return endpoint;
}
