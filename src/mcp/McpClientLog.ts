import {
  LOG_LEVEL_META_KEY,
  ProtocolError,
  ProtocolErrorCode,
  type AuthInfo,
  type LoggingLevel,
  type McpServer,
  type ServerContext,
} from '@modelcontextprotocol/server';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import { setMcpSessionLogLevel } from '../store/repositories/mcpSessions.ts';
import { mcpCallerOf } from '../auth/index.ts';

/** RFC 5424 severities in the order MCP uses them, least severe first. */
export const LOG_LEVELS = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
] as const satisfies readonly LoggingLevel[];

/**
 * A 2025 session that has not set a level gets `info` and above: the 2025 revisions let the
 * server choose ("MAY decide which messages to send automatically"), and we send no debug noise.
 */
const DEFAULT_SESSION_LEVEL: LoggingLevel = 'info';

const SESSION_KEY = 'meridian/mcpSession';

/** The 2025-protocol session a request belongs to, as the endpoint found it in the store. */
export interface LegacySessionInfo {
  id: string;
  logLevel: string | null;
}

/** Hands the session the endpoint checked on to the per-request server (in AuthInfo.extra). */
export function withLegacySession(auth: AuthInfo, session: LegacySessionInfo): AuthInfo {
  return { ...auth, extra: { ...auth.extra, [SESSION_KEY]: session } };
}

export function legacySessionOf(auth: AuthInfo | undefined): LegacySessionInfo | undefined {
  return auth?.extra?.[SESSION_KEY] as LegacySessionInfo | undefined;
}

function severity(level: string | undefined | null): number {
  return LOG_LEVELS.indexOf(level as LoggingLevel);
}

/**
 * Sends `notifications/message` on this request's response stream when the client asked for
 * this level. 2026-07-28 has no setLevel: a request asks for log messages with
 * `_meta["io.modelcontextprotocol/logLevel"]`, and without it the server MUST NOT send any.
 * A 2025 session's level is the one its logging/setLevel stored with the session.
 */
export async function logToClient(
  ctx: ServerContext,
  level: LoggingLevel,
  data: unknown,
  logger = 'meridian',
): Promise<void> {
  const session = legacySessionOf(ctx.http?.authInfo);
  const threshold = session
    ? (session.logLevel ?? DEFAULT_SESSION_LEVEL)
    : ((ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[LOG_LEVEL_META_KEY] as
        string | undefined);
  if (severity(threshold) < 0 || severity(level) < severity(threshold)) return;
  await ctx.mcpReq
    .notify({ method: 'notifications/message', params: { level, logger, data } })
    .catch(() => undefined);
}

/**
 * The SDK keeps a setLevel in the server instance, which here lives for one request; a 2025
 * session's level is stored with the session instead, so the next request (on any process)
 * applies it.
 */
export function registerSessionLogLevel(server: McpServer, db: Kysely<Database>): void {
  server.server.setRequestHandler('logging/setLevel', async (request, ctx) => {
    const session = legacySessionOf(ctx.http?.authInfo);
    const caller = mcpCallerOf(ctx.http?.authInfo);
    if (!session || !(await setMcpSessionLogLevel(db, session.id, caller, request.params.level))) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidRequest,
        'logging/setLevel needs a 2025-protocol session; with 2026-07-28 send the level in each request\'s _meta["io.modelcontextprotocol/logLevel"]',
      );
    }
    return {};
  });
}
