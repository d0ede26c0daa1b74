import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import { hashSecret, randomId } from '../../crypto/index.ts';
import { reusableQuery } from '../reusableQuery.ts';

/**
 * Sessions of 2025-protocol MCP clients (`Mcp-Session-Id`). They live in the store, bound to
 * the user who opened them, so any process can serve any request and a session id is useless
 * with another user's token. They authenticate nothing: the bearer token does that.
 */
export async function openMcpSession(
  db: Kysely<Database>,
  input: { userId: string; orgId: string; protocolVersion: string },
): Promise<string> {
  const id = randomId(32);
  const now = Date.now();
  await db
    .insertInto('mcp_sessions')
    .values({
      id_hash: hashSecret(id),
      user_id: input.userId,
      org_id: input.orgId,
      protocol_version: input.protocolVersion,
      created_at: now,
      last_seen_at: now,
      ended_at: null,
      log_level: null,
    })
    .execute();
  return id;
}

export interface McpSessionRecord {
  protocolVersion: string;
  /** The level the client set with logging/setLevel, if it did. */
  logLevel: string | null;
}

/** Built once: a 2025 client's every request looks its session up. */
const selectSessionByIdHash = reusableQuery(
  (db: Kysely<Database>, idHash: string) =>
    db
      .selectFrom('mcp_sessions')
      .select(['protocol_version', 'user_id', 'org_id', 'ended_at', 'log_level'])
      .where('id_hash', '=', idHash),
  1,
);

/** The live session with this id belonging to this user, or undefined (unknown, ended, foreign). */
export async function findMcpSession(
  db: Kysely<Database>,
  id: string,
  owner: { userId: string; orgId: string },
): Promise<McpSessionRecord | undefined> {
  const [row] = await selectSessionByIdHash(db, hashSecret(id));
  if (!row || row.ended_at !== null || row.user_id !== owner.userId || row.org_id !== owner.orgId)
    return undefined;
  return { protocolVersion: row.protocol_version, logLevel: row.log_level };
}

/** Records logging/setLevel for the user's own live session; false when it is not theirs or ended. */
export async function setMcpSessionLogLevel(
  db: Kysely<Database>,
  id: string,
  owner: { userId: string; orgId: string },
  level: string,
): Promise<boolean> {
  const result = await db
    .updateTable('mcp_sessions')
    .set({ log_level: level })
    .where('id_hash', '=', hashSecret(id))
    .where('user_id', '=', owner.userId)
    .where('org_id', '=', owner.orgId)
    .where('ended_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function endMcpSession(
  db: Kysely<Database>,
  id: string,
  owner: { userId: string; orgId: string },
): Promise<boolean> {
  const result = await db
    .updateTable('mcp_sessions')
    .set({ ended_at: Date.now() })
    .where('id_hash', '=', hashSecret(id))
    .where('user_id', '=', owner.userId)
    .where('org_id', '=', owner.orgId)
    .where('ended_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
