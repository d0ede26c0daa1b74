import Fastify, { type FastifyInstance, type FastifyError, type FastifyBaseLogger } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import { randomUUID } from 'node:crypto';
import type { AppContext } from './AppContext.ts';
import { registerMcpRoutes, type McpRouteOptions, trustedBrowserOrigins } from './mcp/index.ts';
import { registerSignInRoutes } from './workspace/signInRoutes.ts';
import { redirectRetiredPages } from './workspace/redirectRetiredPages.ts';
import { registerWorkflowsApiRoutes } from './workspace/api/workflowsApiRoutes.ts';
import { registerWorkflowCanvasApiRoutes } from './workspace/api/workflowCanvasApiRoutes.ts';
import { registerJobsApiRoutes } from './workspace/api/jobsApiRoutes.ts';
import { registerConnectionsApiRoutes } from './workspace/api/connectionsApiRoutes.ts';
import type { McpEndpoint } from './mcp/index.ts';
import type { OAuthServerOptions } from './auth/index.ts';
import { registerOAuthCallbackRoute } from './workspace/oauthCallbackRoute.ts';
import { registerCredentialsApiRoutes } from './workspace/api/credentialsApiRoutes.ts';
import { registerOAuthClientsApiRoutes } from './workspace/api/oauthClientsApiRoutes.ts';
import { registerConnectedAppsApiRoutes } from './workspace/api/connectedAppsApiRoutes.ts';
import { registerWebApp } from './workspace/registerWebApp.ts';
import { registerSecurityHeaders } from './http/securityHeaders.ts';
import { registerBrowserClientCors } from './http/browserClientCors.ts';
import { ReadinessProbe } from './http/ReadinessProbe.ts';
import { registerSessionApiRoutes } from './workspace/api/sessionApiRoutes.ts';
import { registerMapsApiRoutes } from './workspace/api/mapsApiRoutes.ts';

export interface BuiltApp {
  app: FastifyInstance;
  mcp: McpEndpoint;
}

/** Assembles the HTTP face: security headers, limits, error mapping, and every route. */
export async function buildApp(
  ctx: AppContext,
  options: { mcp?: McpRouteOptions; oauth?: OAuthServerOptions } = {},
): Promise<BuiltApp> {
  const { config } = ctx;
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    genReqId: () => randomUUID(),
    bodyLimit: config.bodyLimit,
    // Only configured proxies may speak for the client address (rate limits key on it).
    trustProxy: config.trustProxy.length ? config.trustProxy : false,
    // Slowloris: a client must send its headers and body promptly. Node enforces both timeouts
    // only when it sweeps its connections (every 30 s by default), so a dribbling client could
    // hold a socket for the timeout plus up to 30 s; sweep at a fraction of the headers timeout.
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: 5_000,
    http: {
      headersTimeout: config.headersTimeoutMs,
      connectionsCheckingInterval: Math.max(50, Math.min(5_000, Math.floor(config.headersTimeoutMs / 4))),
    },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });

  registerSecurityHeaders(app, config);
  await app.register(cookie);
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  // Count at preHandler, once the body is parsed: the sign-in limiter keys on (address, account)
  // and reads the account from the form. At the default onRequest hook the body is not there
  // yet, every attempt shared one per-address bucket, and one account's failures locked every
  // other account on that address (or NAT) out.
  await app.register(rateLimit, { global: false, hook: 'preHandler' });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    // RFC 9457 problem details; a 5xx says nothing about internals, only the request id.
    const detail =
      status >= 500 ? `Something went wrong on our side (request ${request.id}).` : error.message;
    return reply
      .code(status)
      .type('application/problem+json')
      .send({
        type: 'about:blank',
        title: status >= 500 ? 'Internal Server Error' : (error.code ?? 'Bad Request'),
        status,
        detail,
      });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .type('application/problem+json')
      .send({
        type: 'about:blank',
        title: 'Not Found',
        status: 404,
        detail: `No route for ${request.method} ${request.url.split('?')[0]}`,
      }),
  );

  app.get('/healthz', async () => ({ status: 'ok' }));
  const readiness = new ReadinessProbe(ctx.store, ctx.logger);
  app.get('/readyz', async (_request, reply) => {
    const state = await readiness.check();
    if (state.ready) return { status: 'ready' };
    return reply
      .code(503)
      .type('application/problem+json')
      .send({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: state.detail });
  });

  // Loaded on demand: oidc-provider prints a runtime notice on import, which CLI commands that
  // never serve (user, token, client) should not show.
  const [{ registerOAuthServer }, { OAUTH_ROUTES }] = await Promise.all([
    import('./auth/oauth/registerOAuthServer.ts'),
    import('./auth/oauth/createOidcProvider.ts'),
  ]);
  const oauth = await registerOAuthServer(app, ctx, options.oauth);
  // Browser clients (MCP Inspector, MCP Jam) call /mcp and register themselves cross-origin; the
  // provider answers CORS on its discovery and token endpoints itself.
  registerBrowserClientCors(app, {
    origins: trustedBrowserOrigins(config),
    routes: { [config.mcpUrl.pathname]: 'GET, POST, DELETE', [OAUTH_ROUTES.registration]: 'POST' },
  });
  const mcp = registerMcpRoutes(app, ctx, {
    ...options.mcp,
    otherVerifiers: [oauth.verifier, ...(options.mcp?.otherVerifiers ?? [])],
  });
  registerSignInRoutes(app, ctx);
  registerOAuthCallbackRoute(app);
  redirectRetiredPages(app);
  registerSessionApiRoutes(app, ctx);
  registerCredentialsApiRoutes(app, ctx);
  registerOAuthClientsApiRoutes(app, ctx);
  registerConnectedAppsApiRoutes(app, ctx);
  await registerWebApp(app, ctx);
  registerWorkflowsApiRoutes(app, ctx);
  registerWorkflowCanvasApiRoutes(app, ctx);
  registerJobsApiRoutes(app, ctx);
  registerConnectionsApiRoutes(app, ctx);
  registerMapsApiRoutes(app, ctx);
  return { app, mcp };
}
