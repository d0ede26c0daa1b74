import {
  bearerAuthChallengeResponse,
  createMcpHandler,
  isLegacyRequest,
  OAuthError,
  OAuthErrorCode,
  verifyBearerToken,
  type AuthInfo,
  type McpHttpHandler,
  type McpServerFactory,
  type OAuthTokenVerifier,
  type ScopeChallenge,
} from '@modelcontextprotocol/server';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../store/schema.ts';
import { findMcpSession } from '../store/repositories/mcpSessions.ts';
import { mcpCallerOf, DEFAULT_TOKEN_SCOPES, StoreUnavailableError, type McpCaller } from '../auth/index.ts';
import { ListResponseCache, type HeaderLookup } from './ListResponseCache.ts';
import { CatalogWatcher, type CatalogWatchOptions } from './CatalogWatcher.ts';
import { jsonRpcError } from './jsonRpcError.ts';
import { LegacyEventStreams } from './LegacyEventStreams.ts';
import { LegacySessionLayer } from './LegacySessionLayer.ts';
import { ListenStreamSlots } from './ListenStreamSlots.ts';
import { McpRequestGuards } from './McpRequestGuards.ts';
import { observeEnd } from './observeEnd.ts';
import { MODERN_PROTOCOL_VERSION } from './protocolVersions.ts';

/**
 * The scopes a 401 challenge tells a client to request (MCP authorization: a client uses the
 * challenge's `scope` before the PRM's `scopes_supported`). Everything the MCP endpoint offers,
 * but not `offline_access`: refresh tokens are issued to MCP grants anyway, and asking for it
 * only adds a line to the consent page. The 403 challenges name just the operation's scope
 * (RFC 6750 §3.1; 2026-07-28 leaves accumulating scopes to the client).
 */
const CHALLENGE_SCOPE = DEFAULT_TOKEN_SCOPES.join(' ');

export interface McpEndpointOptions extends CatalogWatchOptions {
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
  /** Open `subscriptions/listen` streams one user may hold on this process (idle-stream DoS). */
  maxListenStreamsPerUser?: number;
  logger: Logger;
  /**
   * The scope challenge for a `tools/call` of a tool the caller's scopes keep off this request's
   * server (so the SDK, which challenges only for registered tools, would answer "Tool not
   * found"); undefined leaves the call to the SDK.
   */
  unlistedToolChallenge?: (caller: McpCaller, toolName: string) => Promise<ScopeChallenge | undefined>;
}

/** Stands in for a body that was not valid JSON; answered with a parse error once authenticated. */
export const INVALID_JSON_BODY = Object.freeze({ 'meridian/invalid-json': true });
/** Stands in for valid JSON that is not one JSON-RPC message (an array, a scalar, or nested too deep). */
export const NOT_ONE_MESSAGE_BODY = Object.freeze({ 'meridian/not-one-message': true });

/**
 * The /mcp endpoint, a router: request guards, bearer authentication (once per request), then
 * the layer that serves the verified caller: the SDK's handler for the 2026-07-28 protocol (its
 * listen streams capped per user), or the 2025 session layer in front of the SDK's stateless
 * fallback. Nothing here lives in one process's memory, so any process can answer.
 */
export class McpEndpoint {
  /**
   * One SDK handler per organization: each has its own change bus, so a `tools/list_changed`
   * for one organization never reaches another's listeners (SECURITY-TESTS F9).
   */
  private readonly handlers = new Map<string, McpHttpHandler>();
  private readonly listCache = new ListResponseCache();
  readonly guards: McpRequestGuards;
  private readonly slots: ListenStreamSlots;
  private readonly legacyStreams: LegacyEventStreams;
  private readonly legacySessions: LegacySessionLayer;
  private readonly catalogWatcher: CatalogWatcher;

  constructor(private readonly options: McpEndpointOptions) {
    this.guards = new McpRequestGuards(options);
    this.slots = new ListenStreamSlots(options.maxListenStreamsPerUser);
    this.legacyStreams = new LegacyEventStreams(this.slots, (orgId) => void this.catalogWatcher.watch(orgId));
    this.legacySessions = new LegacySessionLayer({
      db: options.db,
      streams: this.legacyStreams,
      handlerFor: (orgId) => this.handlerFor(orgId),
      serve: (request, auth, caller, parsedBody) => this.serve(request, auth, caller, parsedBody),
    });
    // Changes made elsewhere (another process, the CLI) reach this process through the store.
    this.catalogWatcher = new CatalogWatcher({
      ...options,
      watchedOrgs: () => [...this.legacyStreams.orgIds(), ...this.slots.orgIds()],
      notify: (orgId) => this.notifyToolsChanged(orgId),
    });
  }

  private handlerFor(orgId: string): McpHttpHandler {
    let handler = this.handlers.get(orgId);
    if (!handler) {
      handler = createMcpHandler(this.options.factory, {
        legacy: 'stateless',
        maxRequestBodySize: this.options.maxRequestBodySize,
        onerror: (error) => this.options.logger.debug({ err: error }, 'mcp request rejected'),
      });
      this.handlers.set(orgId, handler);
    }
    return handler;
  }

  /** Tells every client listening in this organization, on this process, that its tools changed. */
  notifyToolsChanged(orgId: string): void {
    this.handlers.get(orgId)?.notify.toolsChanged();
    this.legacyStreams.toolsChanged(orgId);
  }

  async close(): Promise<void> {
    await this.catalogWatcher.close();
    await Promise.allSettled([...this.handlers.values()].map((h) => h.close()));
    this.legacyStreams.closeAll();
  }

  /**
   * Serves one request. `parsedBody` is the JSON body the HTTP layer already read (within the
   * size limit); without it the body is read from the request.
   */
  fetch = async (request: Request, options: { parsedBody?: unknown } = {}): Promise<Response> => {
    const header: HeaderLookup = (name) => request.headers.get(name);
    const rejected = this.guards.hostOrOrigin(header);
    if (rejected) return rejected;

    const auth = await this.authenticate(request);
    if (auth instanceof Response) return auth;
    const caller = mcpCallerOf(auth);
    const { parsedBody } = options;
    if (parsedBody === INVALID_JSON_BODY)
      return jsonRpcError(400, -32700, 'Parse error: the body is not valid JSON');
    // One JSON-RPC message per POST. Batches left MCP in 2025-06-18 (older revisions are not
    // served here), and refusing them before the SDK also keeps arbitrarily deep arrays out of it.
    if (parsedBody === NOT_ONE_MESSAGE_BODY) {
      return jsonRpcError(
        400,
        -32600,
        'Invalid Request: send one JSON-RPC message (a JSON object, nested at most 64 levels) per POST; batches are not supported',
      );
    }

    if (request.method === 'POST') {
      const unacceptable = this.guards.accept(header);
      if (unacceptable) return unacceptable;
    }

    // A request declaring the modern revision goes straight to the SDK, which validates the
    // header against the body envelope itself; only the others need the (body-parsing) check.
    const modernHeader = request.headers.get('mcp-protocol-version') === MODERN_PROTOCOL_VERSION;
    if (
      request.method !== 'POST' ||
      (!modernHeader &&
        (await isLegacyRequest(request, parsedBody, { maxRequestBodySize: this.options.maxRequestBodySize })))
    ) {
      return this.legacySessions.serve(request, auth, caller, parsedBody);
    }
    // 2026-07-28 is stateless: a stray session id is ignored (and never echoed).
    if (request.headers.get('mcp-method') === 'subscriptions/listen')
      return this.serveListen(request, auth, caller, parsedBody);
    return this.serve(request, auth, caller, parsedBody);
  };

  /** Hands a request to the SDK, answering repeated listings from the cache. */
  private async serve(
    request: Request,
    auth: AuthInfo,
    caller: McpCaller,
    parsedBody: unknown,
  ): Promise<Response> {
    let key: string | undefined;
    if (request.method === 'POST' && ListResponseCache.mayCache(parsedBody)) {
      // Tool lists depend on the user (connection access), role, scopes and the catalog version.
      const version = await this.catalogVersionFor(caller);
      key = this.listCache.keyFor(
        `${caller.orgId}|${caller.userId}|${caller.role}|${caller.scopes.join(' ')}|${version}`,
        request,
        parsedBody,
      );
    }
    if (key) {
      const hit = this.listCache.get(key);
      if (hit) return ListResponseCache.replay(hit, (parsedBody as { id: unknown }).id);
    }
    const challenge = await this.unlistedToolChallenge(caller, parsedBody);
    if (challenge) return challenge;
    const response = await this.handlerFor(caller.orgId).fetch(request, {
      authInfo: auth,
      ...(parsedBody !== undefined && { parsedBody }),
    });
    return key ? this.listCache.remember(key, response) : response;
  }

  /** A 403 insufficient_scope answer, shaped like the SDK's own, for a tool hidden by scopes. */
  private async unlistedToolChallenge(caller: McpCaller, body: unknown): Promise<Response | undefined> {
    const resolve = this.options.unlistedToolChallenge;
    const message = body as { method?: unknown; params?: { name?: unknown } } | undefined;
    if (!resolve || message?.method !== 'tools/call' || typeof message.params?.name !== 'string')
      return undefined;
    const challenge = await resolve(caller, message.params.name);
    if (!challenge) return undefined;
    return bearerAuthChallengeResponse(
      new OAuthError(OAuthErrorCode.InsufficientScope, challenge.errorDescription ?? 'Insufficient scope'),
      { requiredScopes: [...challenge.scopes], resourceMetadataUrl: this.options.resourceMetadataUrl },
    );
  }

  /**
   * `subscriptions/listen` answers with a stream that stays open, so it takes one of the user's
   * stream slots until the stream ends or the socket closes. The SDK rejects a request whose
   * body is not the method its Mcp-Method header names, so counting by the header is sound.
   */
  private async serveListen(
    request: Request,
    auth: AuthInfo,
    caller: McpCaller,
    parsedBody: unknown,
  ): Promise<Response> {
    const release = this.slots.take(caller.orgId, caller.userId);
    if (!release) {
      return jsonRpcError(
        429,
        -32000,
        `Too many open subscription streams: at most ${this.slots.cap} per user; close one first`,
        { 'Retry-After': '30' },
      );
    }
    await this.catalogWatcher.watch(caller.orgId);
    let response: Response;
    try {
      response = await this.handlerFor(caller.orgId).fetch(request, {
        authInfo: auth,
        ...(parsedBody !== undefined && { parsedBody }),
      });
    } catch (error) {
      release();
      throw error;
    }
    if (!response.body) {
      release();
      return response;
    }
    return new Response(observeEnd(response.body, release, request.signal), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  }

  /**
   * The fast path for a repeated `tools/list`: the same checks as `fetch` (Host, Origin, Accept,
   * bearer token, catalog version, and for a 2025-protocol request its live session), answered
   * from the list cache straight from Node's request, without building web Request/Response
   * objects. A cached answer is one the SDK gave to the same headers and body (its key), so the
   * SDK's own checks hold for the replay. Anything unusual (a miss, a check that fails, another
   * method, a 2025 request without a session) returns undefined and takes the full path, which
   * answers it exactly as before.
   */
  async cachedListing(
    header: HeaderLookup,
    parsedBody: unknown,
  ): Promise<{ status: number; headers: [string, string][]; body: Buffer } | undefined> {
    const legacySessionId =
      header('mcp-protocol-version') === MODERN_PROTOCOL_VERSION ? null : header('mcp-session-id');
    if (legacySessionId === null && header('mcp-protocol-version') !== MODERN_PROTOCOL_VERSION)
      return undefined;
    if (!ListResponseCache.mayCache(parsedBody)) return undefined;
    if (this.guards.hostOrOrigin(header)) return undefined;
    if (!McpRequestGuards.acceptsBoth(header('accept') ?? '')) return undefined;
    const authorization = header('authorization');
    if (!authorization || !/^\s*bearer\s/i.test(authorization)) return undefined;
    const { resourceMetadataUrl, verifier, mcpUrl } = this.options;
    let auth: AuthInfo;
    try {
      auth = await verifyBearerToken(authorization.replace(/^\s+/, ''), {
        verifier,
        expectedResource: mcpUrl,
        resourceMetadataUrl,
      });
    } catch {
      return undefined;
    }
    const caller = mcpCallerOf(auth);
    if (legacySessionId !== null && !(await findMcpSession(this.options.db, legacySessionId, caller)))
      return undefined;
    const version = await this.catalogVersionFor(caller);
    const key = this.listCache.keyFor(
      `${caller.orgId}|${caller.userId}|${caller.role}|${caller.scopes.join(' ')}|${version}`,
      header,
      parsedBody,
    );
    const hit = key ? this.listCache.get(key) : undefined;
    if (!hit) return undefined;
    return {
      status: hit.status,
      headers: hit.headers,
      body: ListResponseCache.replayBody(hit, (parsedBody as { id: unknown }).id),
    };
  }

  /** The version the credential check read in this request, else one read of the store. */
  private async catalogVersionFor(caller: McpCaller): Promise<number> {
    if (caller.toolCatalogVersion !== undefined) return caller.toolCatalogVersion;
    return (await this.options.catalogVersion?.(caller.orgId)) ?? 0;
  }

  private async authenticate(request: Request): Promise<AuthInfo | Response> {
    const { resourceMetadataUrl, verifier, mcpUrl } = this.options;
    const header = request.headers.get('authorization');
    // RFC 6750 §3.1: a request without Bearer credentials, including one that "attempted using an
    // unsupported authentication method" (Basic, …), gets no error code; just how to get some.
    if (!header || !/^\s*bearer(\s|$)/i.test(header)) {
      return Response.json(
        {
          error: 'unauthorized',
          error_description: 'This endpoint needs an access token: Authorization: Bearer <token>',
        },
        {
          status: 401,
          headers: {
            'WWW-Authenticate': `Bearer scope="${CHALLENGE_SCOPE}", resource_metadata="${resourceMetadataUrl}"`,
          },
        },
      );
    }
    try {
      return await verifyBearerToken(header.replace(/^\s+/, ''), {
        verifier,
        expectedResource: mcpUrl,
        resourceMetadataUrl,
      });
    } catch (error) {
      if (error instanceof StoreUnavailableError) {
        this.options.logger.error({ err: error.cause }, 'store unavailable during bearer check');
        return jsonRpcError(503, -32000, 'Meridian is temporarily unavailable; retry shortly', {
          'Retry-After': '5',
        });
      }
      return bearerAuthChallengeResponse(error, {
        resourceMetadataUrl,
        requiredScopes: [...DEFAULT_TOKEN_SCOPES],
      });
    }
  }
}
