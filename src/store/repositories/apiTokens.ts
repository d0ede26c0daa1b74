import type { Kysely } from 'kysely';
import { randomBytes } from 'node:crypto';
import type { Database } from '../schema.ts';
import type { Caller } from '../Caller.ts';
import type { Principal } from './users.ts';
import { hashSecret, safeEqual } from '../../crypto/index.ts';
import { reusableQuery } from '../reusableQuery.ts';

/**
 * API access tokens for CLI agents: `mrd_<24 hex id>_<43 base64url secret>`. The id finds the
 * row; the secret is compared by hash in constant time. The full token is returned once, at
 * creation, and never stored.
 */
export const API_TOKEN_PATTERN = /^mrd_([0-9a-f]{24})_([A-Za-z0-9_-]{43})$/;

export interface ApiTokenSummary {
  id: string;
  name: string;
  scopes: string[];
  createdAt: number;
  lastUsedAt: number | null;
  expiresAt: number | null;
  revokedAt: number | null;
}

export interface CreatedApiToken extends ApiTokenSummary {
  /** Shown once. */
  token: string;
}

export async function createApiToken(
  db: Kysely<Database>,
  caller: Caller,
  input: { name: string; scopes: string[]; expiresAt: number | null },
): Promise<CreatedApiToken> {
  const id = randomBytes(12).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const createdAt = Date.now();
  await db
    .insertInto('api_tokens')
    .values({
      id,
      org_id: caller.orgId,
      user_id: caller.userId,
      name: input.name,
      secret_hash: hashSecret(secret),
      scopes: input.scopes.join(' '),
      created_at: createdAt,
      last_used_at: null,
      expires_at: input.expiresAt,
      revoked_at: null,
    })
    .execute();
  return {
    id,
    name: input.name,
    scopes: input.scopes,
    createdAt,
    lastUsedAt: null,
    expiresAt: input.expiresAt,
    revokedAt: null,
    token: `mrd_${id}_${secret}`,
  };
}

/** The caller's own tokens, newest first. */
export async function listApiTokens(db: Kysely<Database>, caller: Caller): Promise<ApiTokenSummary[]> {
  const rows = await db
    .selectFrom('api_tokens')
    .select(['id', 'name', 'scopes', 'created_at', 'last_used_at', 'expires_at', 'revoked_at'])
    .where('org_id', '=', caller.orgId)
    .where('user_id', '=', caller.userId)
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    scopes: r.scopes.split(' ').filter(Boolean),
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
  }));
}

/** Revokes one of the caller's tokens; false when no such token of theirs exists. */
export async function revokeApiToken(db: Kysely<Database>, caller: Caller, id: string): Promise<boolean> {
  const result = await db
    .updateTable('api_tokens')
    .set({ revoked_at: Date.now() })
    .where('id', '=', id)
    .where('org_id', '=', caller.orgId)
    .where('user_id', '=', caller.userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export interface VerifiedApiToken {
  tokenId: string;
  principal: Principal;
  scopes: string[];
  expiresAt: number | null;
  /** The organization's tool catalog version, read in the same query. */
  toolCatalogVersion: number;
}

export type ApiTokenRejection = 'malformed' | 'unknown' | 'revoked' | 'expired' | 'user_inactive';

const dummyHash = hashSecret('not-a-token');
// Recording every use would write on every request; a minute's resolution is plenty for
// "last used" and keeps the hot path read-only.
const LAST_USED_RESOLUTION_MS = 60_000;

/** The token row with its user, membership and organization: one query, built once (hot path). */
const selectTokenWithPrincipal = reusableQuery(
  (db: Kysely<Database>, id: string) =>
    db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .leftJoin('memberships', (join) =>
        join
          .onRef('memberships.user_id', '=', 'api_tokens.user_id')
          .onRef('memberships.org_id', '=', 'api_tokens.org_id'),
      )
      .innerJoin('organizations', 'organizations.id', 'api_tokens.org_id')
      .select([
        'api_tokens.id',
        'api_tokens.secret_hash',
        'api_tokens.scopes',
        'api_tokens.expires_at',
        'api_tokens.revoked_at',
        'api_tokens.last_used_at',
        'users.id as userId',
        'users.email',
        'users.display_name',
        'users.disabled_at',
        'memberships.role',
        'organizations.id as orgId',
        'organizations.name as orgName',
        'organizations.slug as orgSlug',
        'organizations.tool_catalog_version as toolCatalogVersion',
      ])
      .where('api_tokens.id', '=', id),
  1,
);

/** Checks a presented token in one query: token, user, membership and organization. */
export async function verifyApiToken(
  db: Kysely<Database>,
  presented: string,
  now = Date.now(),
): Promise<VerifiedApiToken | ApiTokenRejection> {
  const match = API_TOKEN_PATTERN.exec(presented);
  if (!match) return 'malformed';
  const [, id, secret] = match as unknown as [string, string, string];
  const [row] = await selectTokenWithPrincipal(db, id);
  if (!row) {
    safeEqual(hashSecret(secret), dummyHash);
    return 'unknown';
  }
  if (!safeEqual(hashSecret(secret), row.secret_hash)) return 'unknown';
  if (row.revoked_at !== null) return 'revoked';
  if (row.expires_at !== null && row.expires_at <= now) return 'expired';
  if (row.disabled_at !== null || row.role === null) return 'user_inactive';
  if (row.last_used_at === null || now - row.last_used_at > LAST_USED_RESOLUTION_MS) {
    await db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', row.id).execute();
  }
  return {
    tokenId: row.id,
    scopes: row.scopes.split(' ').filter(Boolean),
    expiresAt: row.expires_at,
    toolCatalogVersion: Number(row.toolCatalogVersion),
    principal: {
      userId: row.userId,
      email: row.email,
      displayName: row.display_name,
      orgId: row.orgId,
      orgName: row.orgName,
      orgSlug: row.orgSlug,
      role: row.role,
    },
  };
}
