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
import { endMcpSession, findMcpSession, openMcpSession } from '../store/repositories/mcpSessions.ts';
import { mcpCallerOf, type McpCaller, StoreUnavailableError, DEFAULT_TOKEN_SCOPES } from '../auth/index.ts';
import { ListResponseCache, type HeaderLookup } from './ListResponseCache.ts';
import { withLegacySession } from './McpClientLog.ts';

/**
 * The scopes a 401 challenge tells a client to request (MCP authorization: a client uses the
 * challenge's `scope` before the PRM's `scopes_supported`). Everything the MCP endpoint offers,
 * but not `offline_access`: refresh tokens are issued to MCP grants anyway, and asking for it
 * only adds a line to the consent page. The 403 challenges name just the operation's scope
 * (RFC 6750 §3.1; 2026-07-28 leaves accumulating scopes to the client).
 */
const CHALLENGE_SCOPE = DEFAULT_TOKEN_SCOPES.join(' ');

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
  /** Open `subscriptions/listen` streams one user may hold on this process (idle-stream DoS). */
  maxListenStreamsPerUser?: number;
  logger: Logger;
  /** Changes whenever an organization's tool catalog changes; part of every list-cache key. */
  catalogVersion?: (orgId: string) => Promise<number>;
  /** How often open listeners' organizations are checked for catalog changes. */
  catalogWatchMs?: number;
  /**
   * Pushes catalog changes committed by any process as they happen (PostgreSQL LISTEN/NOTIFY).
   * `changed` takes the organization id; `resync` asks for a check of every watched
   * organization (after the feed reconnects, since changes made while it was down are lost).
   */
  catalogChangeFeed?: (events: { changed(orgId: string): void; resync(): void }) => {
    close(): Promise<void>;
  };
  /**
   * The scope challenge for a `tools/call` of a tool the caller's scopes keep off this request's
   * server (so the SDK, which challenges only for registered tools, would answer "Tool not
   * found"); undefined leaves the call to the SDK.
   */
  unlistedToolChallenge?: (caller: McpCaller, toolName: string) => Promise<ScopeChallenge | undefined>;
}

const SESSION_HEADER = 'mcp-session-id';
const DEFAULT_MAX_LISTEN_STREAMS_PER_USER = 10;
const MODERN_PROTOCOL_VERSION = '2026-07-28';
// JSON-RPC batching was removed from MCP in 2025-06-18; only 2025-03-26 and older sessions may batch.
const FIRST_VERSION_WITHOUT_BATCHING = '2025-06-18';

/** Stands in for a body that was not valid JSON; answered with a parse error once authenticated. */
export const INVALID_JSON_BODY = Object.freeze({ 'meridian/invalid-json': true });
/** Stands in for valid JSON that is not one JSON-RPC message (an array, a scalar, or nested too deep). */
export const NOT_ONE_MESSAGE_BODY = Object.freeze({ 'meridian/not-one-message': true });

function jsonRpcError(
  status: number,
  code: number,
  message: string,
  headers?: Record<string, string>,
): Response {
  return Response.json({ jsonrpc: '2.0', error: { code, message }, id: null }, { status, headers });
}

/**
 * Whether an Accept header admits a media type (`type/subtype`), wildcards included and `q=0`
 * ranges excluded. Both protocol generations require clients to list application/json and
 * text/event-stream, because the server chooses per request which one it answers with.
 */
export function acceptsMediaType(accept: string, mediaType: string): boolean {
  const [type] = mediaType.split('/');
  return accept.split(',').some((part) => {
    const [range = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    if (q !== undefined && !(Number(q.slice(2)) > 0)) return false;
    return range === mediaType || range === `${type}/*` || range === '*/*';
  });
}

/** The JSON-RPC message of a JSON or single-event SSE body (an initialize response). */
function firstMessageOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const data = /^data: ?(.*)$/m.exec(text);
    try {
      return data ? JSON.parse(data[1]!) : undefined;
    } catch {
      return undefined;
    }
  }
}

/**
 * Passes a body through unchanged and calls `onEnd` once, when it ends, fails or is cancelled,
 * or when `signal` aborts (the client closed the connection). The Node adapter acts on a closed
 * socket only once the body yields its next chunk, which on an idle stream is the next keep-alive
 * (up to 15 s later): waiting for that held the stream's slot after the client left (audit #12).
 */
function observeEnd(
  body: ReadableStream<Uint8Array>,
  onEnd: () => void,
  signal: AbortSignal,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let ended = false;
  const end = () => {
    if (!ended) {
      ended = true;
      onEnd();
    }
  };
  const abandon = () => {
    end();
    reader.cancel(signal.reason).catch(() => undefined);
  };
  if (signal.aborted) abandon();
  else signal.addEventListener('abort', abandon, { once: true });
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await reader.read();
        if (done) {
          end();
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        end();
        controller.error(error);
      }
    },
    async cancel(reason) {
      end();
      await reader.cancel(reason);
    },
  });
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
  /**
   * One SDK handler per organization: each has its own change bus, so a `tools/list_changed`
   * for one organization never reaches another's listeners (SECURITY-TESTS F9).
   */
  private readonly handlers = new Map<string, McpHttpHandler>();
  /** 2025-protocol clients listening on GET, per organization. */
  private readonly legacyListeners = new Map<string, Set<(message: string) => void>>();
  private readonly seenVersions = new Map<string, number>();
  private watchTimer?: NodeJS.Timeout;
  private readonly changeFeed?: { close(): Promise<void> };
  /**
   * Open listen streams per user, on this process. A limit, not request state: a client over it
   * elsewhere is bounded by that process's own count (N processes → at most N × the cap).
   */
  private readonly listenStreams = new Map<string, number>();

  constructor(private readonly options: McpEndpointOptions) {
    // Changes made elsewhere (another process, the CLI) reach this process through the store.
    if (options.catalogVersion) {
      this.watchTimer = setInterval(() => void this.watchCatalogs(), options.catalogWatchMs ?? 1000);
      this.watchTimer.unref();
    }
    this.changeFeed = options.catalogChangeFeed?.({
      changed: (orgId) => void this.catalogChanged(orgId),
      resync: () => void this.watchCatalogs(),
    });
  }

  /** A change announced by the store (any process): listeners are told now, not at the next poll. */
  private async catalogChanged(orgId: string): Promise<void> {
    if (this.seenVersions.has(orgId) && this.options.catalogVersion) {
      // The poll, a safety net here, must not announce the same change a second time.
      try {
        this.seenVersions.set(orgId, Number(await this.options.catalogVersion(orgId)));
      } catch (error) {
        this.options.logger.warn({ err: error }, 'tool catalog version read failed');
      }
    }
    this.notifyToolsChanged(orgId);
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
    const message = `event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' })}\n\n`;
    for (const send of this.legacyListeners.get(orgId) ?? []) send(message);
  }

  private async watchCatalogs(): Promise<void> {
    const orgs = new Set<string>([
      ...this.legacyListeners.keys(),
      ...[...this.listenStreams.keys()].map((key) => key.split(':')[0]!),
    ]);
    for (const orgId of orgs) {
      try {
        const version = Number(await this.options.catalogVersion!(orgId));
        const seen = this.seenVersions.get(orgId);
        this.seenVersions.set(orgId, version);
        if (seen !== undefined && seen !== version) this.notifyToolsChanged(orgId);
      } catch (error) {
        this.options.logger.warn({ err: error }, 'tool catalog watch failed');
      }
    }
  }

  async close(): Promise<void> {
    if (this.watchTimer) clearInterval(this.watchTimer);
    await this.changeFeed?.close();
    await Promise.allSettled([...this.handlers.values()].map((h) => h.close()));
    for (const listeners of this.legacyListeners.values()) for (const send of listeners) send('');
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
      // The SDK checks this only on a 2025 initialize; without it a client that cannot read SSE
      // would get a stream it cannot parse (SECURITY-TESTS F6: 406).
      const accept = request.headers.get('accept') ?? '';
      if (!acceptsMediaType(accept, 'application/json') || !acceptsMediaType(accept, 'text/event-stream')) {
        return jsonRpcError(
          406,
          -32000,
          'Not Acceptable: the Accept header must list both application/json and text/event-stream',
        );
      }
    }

    // A request declaring the modern revision goes straight to the SDK, which validates the
    // header against the body envelope itself; only the others need the (body-parsing) check.
    const modernHeader = request.headers.get('mcp-protocol-version') === MODERN_PROTOCOL_VERSION;
    if (
      request.method !== 'POST' ||
      (!modernHeader &&
        (await isLegacyRequest(request, parsedBody, { maxRequestBodySize: this.options.maxRequestBodySize })))
    ) {
      return this.serveLegacy(request, auth, parsedBody);
    }
    // 2026-07-28 is stateless: a stray session id is ignored (and never echoed).
    if (request.headers.get('mcp-method') === 'subscriptions/listen')
      return this.serveListen(request, auth, parsedBody);
    return this.serve(request, auth, parsedBody);
  };

  /** Hands a request to the SDK, answering repeated listings from the cache. */
  private async serve(request: Request, auth: AuthInfo, parsedBody: unknown): Promise<Response> {
    const caller = mcpCallerOf(auth);
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
    const response = await this.handlerFor(mcpCallerOf(auth).orgId).fetch(request, {
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
   * `subscriptions/listen` answers with a stream that stays open; without a cap one token could
   * hold hundreds of idle streams (SECURITY-TESTS J3). The SDK rejects a request whose body is
   * not the method its Mcp-Method header names, so counting by the header is sound.
   */
  private serveListen = async (request: Request, auth: AuthInfo, parsedBody: unknown): Promise<Response> => {
    const caller = mcpCallerOf(auth);
    const key = `${caller.orgId}:${caller.userId}`;
    const cap = this.options.maxListenStreamsPerUser ?? DEFAULT_MAX_LISTEN_STREAMS_PER_USER;
    const open = this.listenStreams.get(key) ?? 0;
    if (open >= cap) {
      return jsonRpcError(
        429,
        -32000,
        `Too many open subscription streams: at most ${cap} per user; close one first`,
        { 'Retry-After': '30' },
      );
    }
    this.listenStreams.set(key, open + 1);
    if (!this.seenVersions.has(caller.orgId)) {
      const version = await this.options.catalogVersion?.(caller.orgId);
      if (version !== undefined) this.seenVersions.set(caller.orgId, Number(version));
    }
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const left = (this.listenStreams.get(key) ?? 1) - 1;
      if (left > 0) this.listenStreams.set(key, left);
      else this.listenStreams.delete(key);
    };
    let response: Response;
    try {
      response = await this.handlerFor(mcpCallerOf(auth).orgId).fetch(request, {
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
  };

  /**
   * The standalone event stream of a 2025-protocol session: server notifications (today
   * `notifications/tools/list_changed`) for the session's organization, with keep-alives. Counted
   * against the same per-user stream cap as 2026-07-28 listen streams.
   */
  private legacyEventStream(orgId: string, userId: string, signal: AbortSignal): Response {
    const key = `${orgId}:${userId}`;
    const cap = this.options.maxListenStreamsPerUser ?? DEFAULT_MAX_LISTEN_STREAMS_PER_USER;
    const open = this.listenStreams.get(key) ?? 0;
    if (open >= cap) {
      return jsonRpcError(
        429,
        -32000,
        `Too many open event streams: at most ${cap} per user; close one first`,
        { 'Retry-After': '30' },
      );
    }
    this.listenStreams.set(key, open + 1);
    const encoder = new TextEncoder();
    let cleanup = () => undefined as void;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        const listeners = this.legacyListeners.get(orgId) ?? new Set();
        this.legacyListeners.set(orgId, listeners);
        const send = (message: string) => {
          if (message === '') return cleanup();
          try {
            controller.enqueue(encoder.encode(message));
          } catch {
            cleanup();
          }
        };
        const keepAlive = setInterval(() => send(': keepalive\n\n'), 15_000);
        keepAlive.unref();
        listeners.add(send);
        void this.options.catalogVersion?.(orgId).then((v) => {
          if (!this.seenVersions.has(orgId)) this.seenVersions.set(orgId, Number(v));
        });
        cleanup = () => {
          if (!listeners.delete(send)) return;
          clearInterval(keepAlive);
          if (listeners.size === 0) this.legacyListeners.delete(orgId);
          const left = (this.listenStreams.get(key) ?? 1) - 1;
          if (left > 0) this.listenStreams.set(key, left);
          else this.listenStreams.delete(key);
          try {
            controller.close();
          } catch {
            /* already closed */
          }
        };
        controller.enqueue(encoder.encode(': stream open\n\n'));
        // The slot is freed when the client's socket closes, not at the next keep-alive write.
        if (signal.aborted) cleanup();
        else signal.addEventListener('abort', () => cleanup(), { once: true });
      },
      cancel: () => cleanup(),
    });
    return new Response(body, {
      status: 200,
      headers: {
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-cache, no-transform',
        Connection: 'keep-alive',
      },
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
    if (this.hostOrOriginRejection(header)) return undefined;
    const accept = header('accept') ?? '';
    if (!acceptsMediaType(accept, 'application/json') || !acceptsMediaType(accept, 'text/event-stream'))
      return undefined;
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

  private checkHostAndOrigin(request: Request): Response | undefined {
    return this.hostOrOriginRejection((name) => request.headers.get(name));
  }

  private hostOrOriginRejection(header: HeaderLookup): Response | undefined {
    const { allowedHostnames, allowedOrigins } = this.options;
    if (allowedHostnames.size > 0) {
      const host = header('host');
      const hostname = host ? hostnameOf(host) : undefined;
      if (!hostname || !allowedHostnames.has(hostname)) {
        return jsonRpcError(
          403,
          -32000,
          `Forbidden: the Host header ${JSON.stringify(host ?? '')} is not served here`,
        );
      }
    }
    const origin = header('origin');
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
      // 2026-07-28 has no sessions and no DELETE (405); a DELETE without a session id has
      // nothing to end, whichever generation sent it.
      if (!sessionId || request.headers.get('mcp-protocol-version') === MODERN_PROTOCOL_VERSION) {
        return jsonRpcError(
          405,
          -32000,
          'Method not allowed: this endpoint takes POST; DELETE only ends a 2025-protocol session',
          { Allow: 'POST' },
        );
      }
      const ended = await endMcpSession(db, sessionId, owner);
      return ended ? new Response(null, { status: 200 }) : jsonRpcError(404, -32001, 'Session not found');
    }
    if (request.method === 'GET') {
      // Without a session this is a 2026-07-28-style GET, which the protocol does not have.
      if (!sessionId)
        return jsonRpcError(
          405,
          -32000,
          'Method not allowed: this endpoint takes POST; GET opens the event stream of a 2025-protocol session',
          { Allow: 'POST' },
        );
      if (!(await findMcpSession(db, sessionId, owner)))
        return jsonRpcError(404, -32001, 'Session not found');
      if (!acceptsMediaType(request.headers.get('accept') ?? '', 'text/event-stream')) {
        return jsonRpcError(406, -32000, 'Not Acceptable: the event stream needs Accept: text/event-stream');
      }
      return this.legacyEventStream(caller.orgId, caller.userId, request.signal);
    }
    if (request.method !== 'POST')
      return jsonRpcError(405, -32000, 'Method not allowed', { Allow: 'POST, GET, DELETE' });

    let body = parsedBody;
    if (body === undefined) {
      try {
        body = await request.clone().json();
      } catch {
        return this.handlerFor(mcpCallerOf(auth).orgId).fetch(request, { authInfo: auth }); // the SDK answers the parse error
      }
    }
    const isInitialize = !Array.isArray(body) && (body as { method?: unknown })?.method === 'initialize';
    if (isInitialize) {
      const response = await this.handlerFor(mcpCallerOf(auth).orgId).fetch(request, {
        authInfo: auth,
        parsedBody: body,
      });
      if (!response.ok) return response;
      // Record the version the server negotiated, not the one the client asked for (an unknown
      // request is answered with the latest 2025 revision): later checks depend on it.
      const text = await response.text();
      const negotiated = (firstMessageOf(text) as { result?: { protocolVersion?: unknown } } | undefined)
        ?.result?.protocolVersion;
      const protocolVersion = typeof negotiated === 'string' ? negotiated : 'unknown';
      const id = await openMcpSession(db, { ...owner, protocolVersion });
      const headers = new Headers(response.headers);
      headers.set('Mcp-Session-Id', id);
      headers.delete('content-length');
      return new Response(text, { status: response.status, headers });
    }
    if (!sessionId) {
      return jsonRpcError(
        400,
        -32000,
        'Bad Request: Mcp-Session-Id header is required; send initialize first',
      );
    }
    const session = await findMcpSession(db, sessionId, owner);
    if (!session) {
      return jsonRpcError(404, -32001, 'Session not found: initialize a new session');
    }
    if (Array.isArray(body) && !(session.protocolVersion < FIRST_VERSION_WITHOUT_BATCHING)) {
      return jsonRpcError(
        400,
        -32600,
        `Invalid Request: JSON-RPC batches are not part of protocol ${session.protocolVersion}; send one message per POST`,
      );
    }
    return this.serve(request, withLegacySession(auth, { id: sessionId, logLevel: session.logLevel }), body);
  }
}
