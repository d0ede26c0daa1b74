import type { FastifyInstance } from 'fastify';

/**
 * Request headers browser MCP clients send: the bearer token, both protocol generations'
 * transport headers (2025: Mcp-Session-Id, Last-Event-ID; 2026-07-28: Mcp-Method, Mcp-Name) and
 * what OAuth client registration posts.
 */
const ALLOWED_REQUEST_HEADERS = new Set([
  'authorization',
  'content-type',
  'accept',
  'mcp-protocol-version',
  'mcp-session-id',
  'mcp-method',
  'mcp-name',
  'last-event-id',
]);
/** Tool parameters marked `x-mcp-header` travel as `Mcp-Param-{name}`; the names vary per tool. */
const PARAM_HEADER = /^mcp-param-[!#$%&'*+.^_`|~0-9a-z-]+$/;
/** What a client must read off a response: the 2025 session id, the OAuth challenge, back-off. */
const EXPOSED_HEADERS = 'Mcp-Session-Id, WWW-Authenticate, Retry-After';

export interface BrowserClientCorsOptions {
  /** Origins allowed to call cross-origin; any other gets no CORS headers from here. */
  origins: ReadonlySet<string>;
  /** The paths browsers may call cross-origin, each with the methods allowed there. */
  routes: Readonly<Record<string, string>>;
}

/**
 * CORS for browser-based MCP clients (MCP Inspector's web UI, MCP Jam) on the few routes they
 * call cross-origin. A preflight from an allowed origin is answered here, before authentication
 * (a preflight carries no token); actual responses get the allow-origin and expose headers. A
 * request from any other origin passes through untouched, so /mcp still refuses it with 403
 * (SECURITY-TESTS F1) and the browser gets no CORS headers.
 *
 * The headers go on the raw response: /mcp and the OAuth provider write their answers straight
 * to Node's response, past Fastify's reply headers. That is also why this is not @fastify/cors,
 * which sets reply headers and answers disallowed preflights itself instead of letting /mcp
 * refuse them.
 */
export function registerBrowserClientCors(app: FastifyInstance, options: BrowserClientCorsOptions): void {
  const { origins, routes } = options;
  app.addHook('onRequest', (request, reply, done) => {
    const origin = request.headers.origin;
    const methods = routes[request.url.split('?', 1)[0]!];
    if (methods === undefined || origin === undefined || !origins.has(origin)) return done();
    reply.raw.setHeader('Access-Control-Allow-Origin', origin);
    reply.raw.setHeader('Vary', 'Origin');
    if (request.method !== 'OPTIONS' || request.headers['access-control-request-method'] === undefined) {
      reply.raw.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
      return done();
    }
    const requested = String(request.headers['access-control-request-headers'] ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean);
    // Only the headers we take are echoed: a preflight asking for anything else fails in the browser.
    const allowed = requested.filter((name) => ALLOWED_REQUEST_HEADERS.has(name) || PARAM_HEADER.test(name));
    void reply
      .code(204)
      .headers({
        'Access-Control-Allow-Methods': methods,
        ...(allowed.length > 0 && { 'Access-Control-Allow-Headers': allowed.join(', ') }),
        'Access-Control-Max-Age': '600',
      })
      .send();
  });
}
