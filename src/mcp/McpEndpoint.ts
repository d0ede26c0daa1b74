import {
  bearerAuthChallengeResponse,
  createMcpHandler,
  isLegacyRequest,
  verifyBearerToken,
  type AuthInfo,
  type McpHttpHandler,
  type McpServerFactory,
  type OAuthTokenVerifier,
  type ServerEventBus,
} from '@modelcontextprotocol/server';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../store/schema.ts';
import { endMcpSession, findMcpSession, openMcpSession } from '../store/repositories/mcpSessions.ts';
import { mcpCallerOf } from './McpCaller.ts';
import { StoreUnavailableError } from './StoreUnavailableError.ts';
import { ListResponseCache } from './ListResponseCache.ts';

export interface McpEndpointOptions {
  db: Kysely<Database>;
  factory: McpServerFactory;
  verifier: OAuthTokenVerifier;
  mcpUrl: URL;
  /** Where clients discover how to get a token (RFC 9728). */
  resourceMetadataUrl: string;
  /** Origins a browser may call from; any other present Origin is refused (DNS rebinding, CSRF). */
  allowedOrigins: ReadonlySet<string>;
  /** Hostnames the Host header may name; empty disables the check (behind a proxy that sets it). */
  allowedHostnames: ReadonlySet<string>;
  maxRequestBodySize: number;
  logger: Logger;
  bus?: ServerEventBus;
  /** Changes whenever an organization's tool catalog changes; part of every list-cache key. */
  catalogVersion?: (orgId: string) => string | number;
}

const SESSION_HEADER = 'mcp-session-id';

/** Stands in for a body that was not valid JSON; answered with a parse error once authenticated. */
export const INVALID_JSON_BODY = Object.freeze({ 'meridian/invalid-json': true });

function jsonRpcError(status: number, code: number, message: string, headers?: Record<string, string>): Response {
  return Response.json({ jsonrpc: '2.0', error: { code, message }, id: null }, { status, headers });
}

function hostnameOf(hostHeader: string): string | undefined {
  try {
    return new URL(`http://${hostHeader}`).hostname;
  } catch {
    return undefined;
  }
}

/**
 * The /mcp endpoint: Origin and Host checks, bearer authentication, 2025-protocol sessions held
 * in the store, then the SDK's handler for the 2026-07-28 protocol and its stateless fallback
 * for 2025 clients. Nothing here lives in one process's memory, so any process can answer.
 */
export class McpEndpoint {
  readonly handler: McpHttpHandler;

  constructor(private readonly options: McpEndpointOptions) {
    this.handler = createMcpHandler(options.factory, {
      legacy: 'stateless',
      maxRequestBodySize: options.maxRequestBodySize,
      ...(options.bus && { bus: options.bus }),
      onerror: (error) => options.logger.debug({ err: error }, 'mcp request rejected'),
    });
  }

  private readonly listCache = new ListResponseCache();

  /**
   * Serves one request. `parsedBody` is the JSON body the HTTP layer already read (within the
   * size limit); without it the body is read from the request.
   */
  fetch = async (request: Request, options: { parsedBody?: unknown } = {}): Promise<Response> => {
    const rejected = this.checkHostAndOrigin(request);
    if (rejected) return rejected;

    const auth = await this.authenticate(request);
    if (auth instanceof Response) return auth;
    const { parsedBody } = options;
    if (parsedBody === INVALID_JSON_BODY) return jsonRpcError(400, -32700, 'Parse error: the body is not valid JSON');

    // A request declaring the modern revision goes straight to the SDK, which validates the
    // header against the body envelope itself; only the others need the (body-parsing) check.
    const modernHeader = request.headers.get('mcp-protocol-version') === '2026-07-28';
    if (
      request.method !== 'POST' ||
      (!modernHeader && (await isLegacyRequest(request, parsedBody, { maxRequestBodySize: this.options.maxRequestBodySize })))
    ) {
      return this.serveLegacy(request, auth, parsedBody);
    }
    // 2026-07-28 is stateless: a stray session id is ignored (and never echoed).
    return this.serve(request, auth, parsedBody);
  };

  /** Hands a request to the SDK, answering repeated listings from the cache. */
  private async serve(request: Request, auth: AuthInfo, parsedBody: unknown): Promise<Response> {
    const caller = mcpCallerOf(auth);
    const visibility = `${caller.orgId}|${caller.role}|${caller.scopes.join(' ')}|${this.options.catalogVersion?.(caller.orgId) ?? 0}`;
    const key = request.method === 'POST' ? this.listCache.keyFor(visibility, request, parsedBody) : undefined;
    if (key) {
      const hit = this.listCache.get(key);
      if (hit) return ListResponseCache.replay(hit, (parsedBody as { id: unknown }).id);
    }
    const response = await this.handler.fetch(request, { authInfo: auth, ...(parsedBody !== undefined && { parsedBody }) });
    return key ? this.listCache.remember(key, response) : response;
  }

  private checkHostAndOrigin(request: Request): Response | undefined {
    const { allowedHostnames, allowedOrigins } = this.options;
    if (allowedHostnames.size > 0) {
      const host = request.headers.get('host');
      const hostname = host ? hostnameOf(host) : undefined;
      if (!hostname || !allowedHostnames.has(hostname)) {
        return jsonRpcError(403, -32000, `Forbidden: the Host header ${JSON.stringify(host ?? '')} is not served here`);
      }
    }
    const origin = request.headers.get('origin');
    if (origin !== null && !allowedOrigins.has(origin)) {
      return jsonRpcError(
        403,
        -32000,
        `Forbidden: requests from the origin ${JSON.stringify(origin)} are not allowed; an administrator can allow it with MERIDIAN_ALLOWED_ORIGINS`,
      );
    }
    return undefined;
  }

  private async authenticate(request: Request): Promise<AuthInfo | Response> {
    const { resourceMetadataUrl, verifier, mcpUrl } = this.options;
    const header = request.headers.get('authorization');
    if (!header) {
      // RFC 6750 §3.1: no credentials, no error code; just how to get some.
      return Response.json(
        { error: 'unauthorized', error_description: 'This endpoint needs an access token: Authorization: Bearer <token>' },
        { status: 401, headers: { 'WWW-Authenticate': `Bearer resource_metadata="${resourceMetadataUrl}"` } },
      );
    }
    try {
      return await verifyBearerToken(header.replace(/^\s+/, ''), { verifier, expectedResource: mcpUrl, resourceMetadataUrl });
    } catch (error) {
      if (error instanceof StoreUnavailableError) {
        this.options.logger.error({ err: error.cause }, 'store unavailable during bearer check');
        return jsonRpcError(503, -32000, 'Meridian is temporarily unavailable; retry shortly', { 'Retry-After': '5' });
      }
      return bearerAuthChallengeResponse(error, { resourceMetadataUrl });
    }
  }

  /**
   * 2025-protocol clients: the SDK serves each request statelessly; we add the session layer the
   * 2025 revisions describe, kept in the store and bound to the user who opened it.
   */
  private async serveLegacy(request: Request, auth: AuthInfo, parsedBody: unknown): Promise<Response> {
    const { db } = this.options;
    const caller = mcpCallerOf(auth);
    const owner = { userId: caller.userId, orgId: caller.orgId };
    const sessionId = request.headers.get(SESSION_HEADER);

    if (request.method === 'DELETE') {
      if (!sessionId) return jsonRpcError(400, -32000, 'Bad Request: Mcp-Session-Id header is required');
      const ended = await endMcpSession(db, sessionId, owner);
      return ended ? new Response(null, { status: 200 }) : jsonRpcError(404, -32001, 'Session not found');
    }
    if (request.method === 'GET') {
      if (sessionId && !(await findMcpSession(db, sessionId, owner))) return jsonRpcError(404, -32001, 'Session not found');
      return jsonRpcError(405, -32000, 'Method not allowed: this server sends no standalone event stream', { Allow: 'POST, DELETE' });
    }
    if (request.method !== 'POST') return jsonRpcError(405, -32000, 'Method not allowed', { Allow: 'POST, GET, DELETE' });

    let body = parsedBody;
    if (body === undefined) {
      try {
        body = await request.clone().json();
      } catch {
        return this.handler.fetch(request, { authInfo: auth }); // the SDK answers the parse error
      }
    }
    const isInitialize = !Array.isArray(body) && (body as { method?: unknown })?.method === 'initialize';
    if (isInitialize) {
      const response = await this.handler.fetch(request, { authInfo: auth, parsedBody: body });
      if (!response.ok) return response;
      const protocolVersion = String((body as { params?: { protocolVersion?: unknown } }).params?.protocolVersion ?? 'unknown');
      const id = await openMcpSession(db, { ...owner, protocolVersion });
      const headers = new Headers(response.headers);
      headers.set('Mcp-Session-Id', id);
      return new Response(response.body, { status: response.status, headers });
    }
    if (!sessionId) {
      return jsonRpcError(400, -32000, 'Bad Request: Mcp-Session-Id header is required; send initialize first');
    }
    if (!(await findMcpSession(db, sessionId, owner))) {
      return jsonRpcError(404, -32001, 'Session not found: initialize a new session');
    }
    return this.serve(request, auth, body);
  }
}
