import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import type { Caller } from '../Caller.ts';
import { revokeGrantArtifacts } from './oidcPayloads.ts';

export interface GrantView {
  id: string;
  clientId: string;
  clientName: string;
  userId: string;
  email: string;
  scopes: string[];
  createdAt: number;
  lastUsedAt: number | null;
}

interface GrantPayload {
  accountId?: string;
  clientId?: string;
  resources?: Record<string, string>;
  openid?: { scope?: string };
}

/**
 * OAuth grants (a user's consent to a client) of the caller, or of the caller's whole
 * organization for an admin who asks. The account id starts with the org id, so the org
 * filter is part of the indexed lookup.
 */
export async function listGrants(
  db: Kysely<Database>,
  caller: Caller,
  options: { wholeOrg?: boolean } = {},
): Promise<GrantView[]> {
  const wholeOrg = options.wholeOrg === true && caller.role === 'admin';
  let query = db
    .selectFrom('oidc_payloads')
    .leftJoin('oauth_clients', 'oauth_clients.id', 'oidc_payloads.client_id')
    .select([
      'oidc_payloads.id',
      'oidc_payloads.payload',
      'oidc_payloads.account_id',
      'oidc_payloads.client_id',
      'oidc_payloads.created_at',
      'oidc_payloads.last_used_at',
      'oidc_payloads.expires_at',
      'oauth_clients.name',
    ])
    .where('oidc_payloads.model', '=', 'Grant');
  query = wholeOrg
    ? query.where('oidc_payloads.account_id', 'like', `${caller.orgId}.%`)
    : query.where('oidc_payloads.account_id', '=', `${caller.orgId}.${caller.userId}`);
  const rows = await query.orderBy('oidc_payloads.created_at', 'desc').execute();
  const now = Date.now();
  const live = rows.filter((r) => r.expires_at === null || r.expires_at > now);
  const userIds = [...new Set(live.map((r) => String(r.account_id).split('.')[1]!))];
  const users = userIds.length
    ? await db.selectFrom('users').select(['id', 'email']).where('id', 'in', userIds).execute()
    : [];
  const emails = new Map(users.map((u) => [u.id, u.email]));
  return live.map((row) => {
    const payload = JSON.parse(row.payload) as GrantPayload;
    const scopes = new Set<string>();
    for (const value of Object.values(payload.resources ?? {}))
      value
        .split(' ')
        .filter(Boolean)
        .forEach((s) => scopes.add(s));
    (payload.openid?.scope ?? '')
      .split(' ')
      .filter((s) => s === 'offline_access')
      .forEach((s) => scopes.add(s));
    const userId = String(row.account_id).split('.')[1]!;
    const clientId = row.client_id ?? payload.clientId ?? '';
    return {
      id: row.id,
      clientId,
      clientName: row.name ?? (clientId.startsWith('https://') ? new URL(clientId).host : clientId),
      userId,
      email: emails.get(userId) ?? '',
      scopes: [...scopes],
      createdAt: row.created_at,
      lastUsedAt: row.last_used_at,
    };
  });
}

/** Revokes a grant and every token issued under it: the caller's own, or (admin) any in the org. */
export async function revokeGrant(db: Kysely<Database>, caller: Caller, grantId: string): Promise<boolean> {
  const row = await db
    .selectFrom('oidc_payloads')
    .select('account_id')
    .where('model', '=', 'Grant')
    .where('id', '=', grantId)
    .executeTakeFirst();
  if (!row?.account_id) return false;
  const own = row.account_id === `${caller.orgId}.${caller.userId}`;
  const orgAdmin = caller.role === 'admin' && row.account_id.startsWith(`${caller.orgId}.`);
  if (!own && !orgAdmin) return false;
  await revokeGrantArtifacts(db, grantId);
  return true;
}
