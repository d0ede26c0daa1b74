import type { Kysely } from 'kysely';
import type { Database, OAuthClientKind } from '../schema.ts';
import type { Caller } from '../Caller.ts';
import { hashSecret, randomId } from '../../crypto/index.ts';
import { revokeGrantArtifacts } from './oidcPayloads.ts';

/** Pre-registered client ids; DCR ids start with `dcr_`, CIMD ids are https URLs. */
export const PREREGISTERED_PREFIX = 'mcl_';
export const DCR_PREFIX = 'dcr_';

export interface OAuthClientView {
  id: string;
  kind: OAuthClientKind;
  name: string;
  redirectUris: string[];
  allowedOrigins: string[];
  createdAt: number;
  updatedAt: number;
  disabled: boolean;
  /** Grants held in the caller's organization. */
  activeGrants: number;
}

interface StoredMetadata {
  redirect_uris?: string[];
  allowed_origins?: string[];
  client_name?: string;
  [key: string]: unknown;
}

function parseMetadata(text: string): StoredMetadata {
  return JSON.parse(text) as StoredMetadata;
}

// ---- for the authorization server (system level: the client id is the only key it has) ----

/** Client metadata in oidc-provider's terms, or undefined (unknown, disabled, or a CIMD record). */
export async function clientMetadataForProvider(
  db: Kysely<Database>,
  id: string,
): Promise<Record<string, unknown> | undefined> {
  const row = await db.selectFrom('oauth_clients').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row || row.kind === 'cimd' || row.disabled_at !== null) return undefined;
  const metadata = parseMetadata(row.metadata);
  if (row.kind === 'preregistered') {
    return {
      client_id: row.id,
      client_name: row.name,
      redirect_uris: metadata.redirect_uris ?? [],
      // The provider compares this with the hash of the presented secret (see hashClientSecrets):
      // the store never holds a usable secret.
      client_secret: row.secret_hash,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      meridian_kind: 'preregistered',
      meridian_org_id: row.org_id,
    };
  }
  return { ...stripMeridianProperties(metadata), client_id: row.id, meridian_kind: 'dcr' };
}

function stripMeridianProperties(metadata: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(metadata).filter(([key]) => !key.startsWith('meridian_')));
}

/** Registration (RFC 7591) stores through here; identical metadata maps to the same id. */
export async function recordSelfRegisteredClient(
  db: Kysely<Database>,
  id: string,
  payload: Record<string, unknown>,
): Promise<void> {
  if (!id.startsWith(DCR_PREFIX))
    throw new Error('only self-registered clients are stored through the adapter');
  const now = Date.now();
  const metadata = stripMeridianProperties(payload);
  await db
    .insertInto('oauth_clients')
    .values({
      id,
      kind: 'dcr',
      org_id: null,
      name: String(payload.client_name ?? 'Unnamed client').slice(0, 200),
      metadata: JSON.stringify(metadata),
      secret_hash: null,
      previous_secret_hash: null,
      previous_secret_expires_at: null,
      created_by: null,
      created_at: now,
      updated_at: now,
      disabled_at: null,
    })
    .onConflict((oc) => oc.column('id').doUpdateSet({ updated_at: now }))
    .execute();
}

/**
 * Removes self-registered clients last registered more than `unusedForMs` ago that nothing live
 * refers to: no grant, authorization code or refresh token still valid (SECURITY-TESTS D4:
 * registration floods and abandoned sign-ins expire; clients holding live refresh tokens stay).
 * A client that registers again with the same metadata is seen as new (updated_at moves).
 */
export async function purgeUnusedSelfRegisteredClients(
  db: Kysely<Database>,
  unusedForMs: number,
  now = Date.now(),
): Promise<number> {
  const result = await db
    .deleteFrom('oauth_clients')
    .where('kind', '=', 'dcr')
    .where('updated_at', '<=', now - unusedForMs)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('oidc_payloads')
            .select('oidc_payloads.id')
            .whereRef('oidc_payloads.client_id', '=', 'oauth_clients.id')
            .where((eb) =>
              eb.or([eb('oidc_payloads.expires_at', 'is', null), eb('oidc_payloads.expires_at', '>', now)]),
            ),
        ),
      ),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function deleteSelfRegisteredClient(db: Kysely<Database>, id: string): Promise<void> {
  await db.deleteFrom('oauth_clients').where('id', '=', id).where('kind', '=', 'dcr').execute();
}

/** Remembers a CIMD client's name at consent, for the Connected apps page (never used to authorize). */
export async function rememberCimdClient(db: Kysely<Database>, id: string, name: string): Promise<void> {
  const now = Date.now();
  await db
    .insertInto('oauth_clients')
    .values({
      id,
      kind: 'cimd',
      org_id: null,
      name: name.slice(0, 200),
      metadata: '{}',
      secret_hash: null,
      previous_secret_hash: null,
      previous_secret_expires_at: null,
      created_by: null,
      created_at: now,
      updated_at: now,
      disabled_at: null,
    })
    .onConflict((oc) => oc.column('id').doUpdateSet({ name: name.slice(0, 200), updated_at: now }))
    .execute();
}

export interface ClientRecord {
  id: string;
  kind: OAuthClientKind;
  orgId: string | null;
  name: string;
  redirectUris: string[];
  disabled: boolean;
}

/** For error pages and the credential rewrite: what we know about a client id, if anything. */
export async function findClientRecord(db: Kysely<Database>, id: string): Promise<ClientRecord | undefined> {
  const row = await db.selectFrom('oauth_clients').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    kind: row.kind,
    orgId: row.org_id,
    name: row.name,
    redirectUris: parseMetadata(row.metadata).redirect_uris ?? [],
    disabled: row.disabled_at !== null,
  };
}

/**
 * The stored hash a presented client secret should be compared as: the current one, or the
 * previous one during its grace period after a rotation (mapped to the current hash).
 */
export async function secretHashFor(
  db: Kysely<Database>,
  clientId: string,
  presentedSecret: string,
): Promise<string> {
  const presented = hashSecret(presentedSecret);
  const row = await db
    .selectFrom('oauth_clients')
    .select(['secret_hash', 'previous_secret_hash', 'previous_secret_expires_at'])
    .where('id', '=', clientId)
    .where('kind', '=', 'preregistered')
    .executeTakeFirst();
  if (
    row?.secret_hash &&
    row.previous_secret_hash === presented &&
    row.previous_secret_expires_at !== null &&
    row.previous_secret_expires_at > Date.now()
  ) {
    return row.secret_hash;
  }
  return presented;
}

// ---- for the workspace and the CLI (always scoped to the caller's organization) ----

export interface CreatedOAuthClient {
  id: string;
  secret: string;
  name: string;
  redirectUris: string[];
}

export async function createPreregisteredClient(
  db: Kysely<Database>,
  caller: Caller,
  input: { name: string; redirectUris: string[]; allowedOrigins: string[] },
): Promise<CreatedOAuthClient> {
  const id = PREREGISTERED_PREFIX + randomId(16);
  const secret = 'mcs_' + randomId(32);
  const now = Date.now();
  await db
    .insertInto('oauth_clients')
    .values({
      id,
      kind: 'preregistered',
      org_id: caller.orgId,
      name: input.name,
      metadata: JSON.stringify({ redirect_uris: input.redirectUris, allowed_origins: input.allowedOrigins }),
      secret_hash: hashSecret(secret),
      previous_secret_hash: null,
      previous_secret_expires_at: null,
      created_by: caller.userId,
      created_at: now,
      updated_at: now,
      disabled_at: null,
    })
    .execute();
  return { id, secret, name: input.name, redirectUris: input.redirectUris };
}

/**
 * The caller's organization's clients: its pre-registered ones, plus self-registered and CIMD
 * clients that members of the organization have authorized (grants live in this org).
 */
export async function listOrgClients(db: Kysely<Database>, caller: Caller): Promise<OAuthClientView[]> {
  const grantCounts = await db
    .selectFrom('oidc_payloads')
    .select(['client_id', db.fn.countAll<number>().as('n')])
    .where('model', '=', 'Grant')
    .where('account_id', 'like', `${caller.orgId}.%`)
    .groupBy('client_id')
    .execute();
  const counts = new Map(grantCounts.map((r) => [r.client_id, Number(r.n)]));
  const foreignIds = [...counts.keys()].filter((id): id is string => !!id);
  const rows = await db
    .selectFrom('oauth_clients')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb.and([eb('org_id', '=', caller.orgId), eb('kind', '=', 'preregistered')]),
        ...(foreignIds.length
          ? [eb.and([eb('id', 'in', foreignIds), eb('kind', '!=', 'preregistered')])]
          : []),
      ]),
    )
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((row) => {
    const metadata = parseMetadata(row.metadata);
    return {
      id: row.id,
      kind: row.kind,
      name: row.name,
      redirectUris: metadata.redirect_uris ?? [],
      allowedOrigins: metadata.allowed_origins ?? [],
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      disabled: row.disabled_at !== null,
      activeGrants: counts.get(row.id) ?? 0,
    };
  });
}

async function ownedPreregistered(db: Kysely<Database>, caller: Caller, id: string) {
  return db
    .selectFrom('oauth_clients')
    .selectAll()
    .where('id', '=', id)
    .where('org_id', '=', caller.orgId)
    .where('kind', '=', 'preregistered')
    .executeTakeFirst();
}

export async function updateClientCallbacks(
  db: Kysely<Database>,
  caller: Caller,
  id: string,
  input: { redirectUris: string[]; allowedOrigins: string[] },
): Promise<boolean> {
  const row = await ownedPreregistered(db, caller, id);
  if (!row) return false;
  const metadata = {
    ...parseMetadata(row.metadata),
    redirect_uris: input.redirectUris,
    allowed_origins: input.allowedOrigins,
  };
  await db
    .updateTable('oauth_clients')
    .set({ metadata: JSON.stringify(metadata), updated_at: Date.now() })
    .where('id', '=', id)
    .execute();
  return true;
}

/** New secret, shown once; the old one keeps working for `graceMs` so deployments can roll. */
export async function rotateClientSecret(
  db: Kysely<Database>,
  caller: Caller,
  id: string,
  graceMs: number,
): Promise<string | undefined> {
  const row = await ownedPreregistered(db, caller, id);
  if (!row) return undefined;
  const secret = 'mcs_' + randomId(32);
  const now = Date.now();
  await db
    .updateTable('oauth_clients')
    .set({
      secret_hash: hashSecret(secret),
      previous_secret_hash: graceMs > 0 ? row.secret_hash : null,
      previous_secret_expires_at: graceMs > 0 ? now + graceMs : null,
      updated_at: now,
    })
    .where('id', '=', id)
    .execute();
  return secret;
}

export async function setClientDisabled(
  db: Kysely<Database>,
  caller: Caller,
  id: string,
  disabled: boolean,
): Promise<boolean> {
  const row = await ownedPreregistered(db, caller, id);
  if (!row) return false;
  await db
    .updateTable('oauth_clients')
    .set({ disabled_at: disabled ? Date.now() : null, updated_at: Date.now() })
    .where('id', '=', id)
    .execute();
  return true;
}

/**
 * Deletes a client from the caller's organization and revokes every grant (and so every token)
 * of it there. A pre-registered client disappears; a self-registered or CIMD client loses this
 * organization's grants and, when no other organization holds any, its record too.
 */
export async function deleteOrgClient(db: Kysely<Database>, caller: Caller, id: string): Promise<boolean> {
  const row = await db
    .selectFrom('oauth_clients')
    .select(['kind', 'org_id'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) return false;
  if (row.kind === 'preregistered' && row.org_id !== caller.orgId) return false;
  const grants = await db
    .selectFrom('oidc_payloads')
    .select(['id', 'account_id'])
    .where('model', '=', 'Grant')
    .where('client_id', '=', id)
    .execute();
  const ours = grants.filter((g) => g.account_id?.startsWith(`${caller.orgId}.`));
  if (row.kind !== 'preregistered' && ours.length === 0) return false;
  for (const grant of ours) await revokeGrantArtifacts(db, grant.id);
  if (row.kind === 'preregistered' || ours.length === grants.length) {
    // Any stray artifact still naming the client (codes, sessions' tokens) goes with it.
    await db.deleteFrom('oidc_payloads').where('client_id', '=', id).execute();
    await db.deleteFrom('oauth_clients').where('id', '=', id).execute();
  }
  return true;
}
