import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import { hashSecret, randomId } from '../../crypto/index.ts';
import { loadPrincipal, type Principal } from './users.ts';

/**
 * Workspace sign-in sessions. The cookie holds a random 256-bit id; the store keeps only its
 * hash, so a leaked database cannot be replayed as cookies. Each session carries its own CSRF
 * token for the forms it renders.
 */
export interface WebSession {
  principal: Principal;
  csrfToken: string;
  expiresAt: number;
}

export async function createWebSession(
  db: Kysely<Database>,
  input: { userId: string; orgId: string; ttlMs: number },
): Promise<{ cookieValue: string; csrfToken: string; expiresAt: number }> {
  const cookieValue = randomId(32);
  const csrfToken = randomId(32);
  const now = Date.now();
  const expiresAt = now + input.ttlMs;
  await db
    .insertInto('web_sessions')
    .values({
      id_hash: hashSecret(cookieValue),
      user_id: input.userId,
      org_id: input.orgId,
      csrf_token: csrfToken,
      created_at: now,
      expires_at: expiresAt,
    })
    .execute();
  return { cookieValue, csrfToken, expiresAt };
}

export async function findWebSession(
  db: Kysely<Database>,
  cookieValue: string,
): Promise<WebSession | undefined> {
  const row = await db
    .selectFrom('web_sessions')
    .select(['user_id', 'org_id', 'csrf_token', 'expires_at'])
    .where('id_hash', '=', hashSecret(cookieValue))
    .executeTakeFirst();
  if (!row || row.expires_at <= Date.now()) return undefined;
  const principal = await loadPrincipal(db, row.user_id, row.org_id);
  return principal && { principal, csrfToken: row.csrf_token, expiresAt: row.expires_at };
}

export async function deleteWebSession(db: Kysely<Database>, cookieValue: string): Promise<void> {
  await db.deleteFrom('web_sessions').where('id_hash', '=', hashSecret(cookieValue)).execute();
}

export async function deleteExpiredWebSessions(db: Kysely<Database>, now = Date.now()): Promise<number> {
  const result = await db.deleteFrom('web_sessions').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
