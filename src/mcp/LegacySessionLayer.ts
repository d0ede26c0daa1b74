import type { AuthInfo, McpHttpHandler } from '@modelcontextprotocol/server';
import type { Kysely } from 'kysely';
import type { McpCaller } from '../auth/index.ts';
import type { Database } from '../store/schema.ts';
import { endMcpSession, findMcpSession, openMcpSession } from '../store/repositories/mcpSessions.ts';
import { acceptsMediaType } from './acceptsMediaType.ts';
import { jsonRpcError } from './jsonRpcError.ts';
import type { LegacyEventStreams } from './LegacyEventStreams.ts';
import { withLegacySession } from './McpClientLog.ts';
import { FIRST_VERSION_WITHOUT_BATCHING, MODERN_PROTOCOL_VERSION } from './protocolVersions.ts';

const SESSION_HEADER = 'mcp-session-id';

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
 * 2025-protocol clients: the SDK serves each request statelessly; this adds the session layer
 * the 2025 revisions describe, kept in the store and bound to the user who opened it (so any
 * process can answer), with the session's event stream on GET.
 */
export class LegacySessionLayer {
  constructor(
    private readonly options: {
      db: Kysely<Database>;
      streams: LegacyEventStreams;
      /** The organization's SDK handler. */
      handlerFor: (orgId: string) => McpHttpHandler;
      /** Serves a message of a live session (the endpoint's cached path to the SDK). */
      serve: (request: Request, auth: AuthInfo, caller: McpCaller, parsedBody: unknown) => Promise<Response>;
    },
  ) {}

  async serve(request: Request, auth: AuthInfo, caller: McpCaller, parsedBody: unknown): Promise<Response> {
    const { db, handlerFor } = this.options;
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
      return this.options.streams.open(caller.orgId, caller.userId, request.signal);
    }
    if (request.method !== 'POST')
      return jsonRpcError(405, -32000, 'Method not allowed', { Allow: 'POST, GET, DELETE' });

    let body = parsedBody;
    if (body === undefined) {
      try {
        body = await request.clone().json();
      } catch {
        return handlerFor(caller.orgId).fetch(request, { authInfo: auth }); // the SDK answers the parse error
      }
    }
    const isInitialize = !Array.isArray(body) && (body as { method?: unknown })?.method === 'initialize';
    if (isInitialize) {
      const response = await handlerFor(caller.orgId).fetch(request, { authInfo: auth, parsedBody: body });
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
    return this.options.serve(
      request,
      withLegacySession(auth, { id: sessionId, logLevel: session.logLevel }),
      caller,
      body,
    );
  }
}
