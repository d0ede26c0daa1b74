import type { Kysely } from 'kysely';
import { errors } from 'oidc-provider';
import type { Database } from '../../store/schema.ts';
import { hashSecret } from '../../crypto/index.ts';
import { revokeGrantArtifacts } from '../../store/repositories/oidcPayloads.ts';
import {
  clientMetadataForProvider,
  recordSelfRegisteredClient,
  deleteSelfRegisteredClient,
} from '../../store/repositories/oauthClients.ts';

/** What oidc-provider stores: an opaque JSON object with a few fields it also looks up by. */
interface Payload {
  grantId?: string;
  uid?: string;
  userCode?: string;
  clientId?: string;
  accountId?: string;
  consumed?: number;
  [key: string]: unknown;
}

// Refresh tokens and codes are single use: a second use must find them consumed, not missing,
// so reuse is detected (and the grant revoked). Both are consumed with a conditional UPDATE.
const SINGLE_USE = new Set(['RefreshToken', 'AuthorizationCode']);

/** Stands in for an interaction's own id inside its stored `returnTo` URL. */
const OWN_ID = '{uid}';

/**
 * The key a model's row is stored under. Every id oidc-provider hands us is a bearer value
 * (refresh token, code, session cookie, interaction uid) except a Grant's: a grant id is a
 * reference every access token carries (`gid`) and every artifact of the grant points at, so it
 * is stored as is for revocation, /mcp's grant check and the Connected apps page. The rest are
 * ≥126-bit random strings, so a plain SHA-256 (as for API tokens and web sessions) cannot be
 * reversed; an HMAC with the server key would add nothing but a dependency on that key.
 */
export function oidcPayloadKey(model: string, id: string): string {
  return model === 'Grant' ? id : hashSecret(id);
}

/** The payload as stored: without the clear id it is keyed by, nor another model's id. */
function storedPayload(model: string, id: string, payload: Payload): string {
  if (model === 'Grant') return JSON.stringify(payload);
  const { jti: _jti, ...rest } = payload;
  if (model === 'Interaction') {
    // The interaction names its browser session by cookie value (read by nothing); and its
    // resume URL contains its own id, put back on the way out.
    const session = rest.session as Record<string, unknown> | undefined;
    if (session && 'cookie' in session) {
      const { cookie: _cookie, ...kept } = session;
      rest.session = kept;
    }
    if (typeof rest.returnTo === 'string') rest.returnTo = rest.returnTo.split(id).join(OWN_ID);
  }
  return JSON.stringify(rest);
}

/**
 * oidc-provider's storage adapter over our store (SQLite or PostgreSQL): every model in one
 * table keyed by (model, hash of the id), so a copy of the table holds no usable token, code or
 * session (migration 0008 rehashed rows written before). Nothing lives only in process memory, so any process can continue
 * a flow another started, and a restart loses nothing. A store failure propagates as an error,
 * which the mount turns into 503 temporarily_unavailable: no token is ever handed out unsaved.
 */
export class StoreAdapter {
  constructor(
    private readonly model: string,
    private readonly db: Kysely<Database>,
  ) {}

  async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
    if (this.model === 'Client') {
      await recordSelfRegisteredClient(this.db, id, payload);
      return;
    }
    const now = Date.now();
    const row = {
      payload: storedPayload(this.model, id, payload),
      grant_id: payload.grantId ?? null,
      uid: payload.uid ?? null,
      user_code: payload.userCode ?? null,
      client_id: payload.clientId ?? null,
      account_id: payload.accountId ?? null,
      expires_at: expiresIn ? now + expiresIn * 1000 : null,
    };
    await this.db
      .insertInto('oidc_payloads')
      .values({
        model: this.model,
        id: oidcPayloadKey(this.model, id),
        created_at: now,
        consumed_at: null,
        last_used_at: null,
        consent_fingerprint: null,
        ...row,
      })
      .onConflict((oc) => oc.columns(['model', 'id']).doUpdateSet(row))
      .execute();
  }

  async find(id: string): Promise<Payload | undefined> {
    if (this.model === 'Client') return clientMetadataForProvider(this.db, id);
    const row = await this.db
      .selectFrom('oidc_payloads')
      .select(['payload', 'expires_at', 'consumed_at'])
      .where('model', '=', this.model)
      .where('id', '=', oidcPayloadKey(this.model, id))
      .executeTakeFirst();
    return this.toPayload(row, id);
  }

  /**
   * Sessions by their uid (not a credential: no request presents it). The stored payload has no
   * id, so the session comes back without one: oidc-provider only checks that it exists and
   * whose it is (interaction details, session-bound tokens, which we do not issue).
   */
  async findByUid(uid: string): Promise<Payload | undefined> {
    const row = await this.db
      .selectFrom('oidc_payloads')
      .select(['payload', 'expires_at', 'consumed_at'])
      .where('model', '=', this.model)
      .where('uid', '=', uid)
      .executeTakeFirst();
    return this.toPayload(row);
  }

  async findByUserCode(userCode: string): Promise<Payload | undefined> {
    const row = await this.db
      .selectFrom('oidc_payloads')
      .select(['payload', 'expires_at', 'consumed_at'])
      .where('model', '=', this.model)
      .where('user_code', '=', userCode)
      .executeTakeFirst();
    return this.toPayload(row);
  }

  async consume(id: string): Promise<void> {
    const result = await this.db
      .updateTable('oidc_payloads')
      .set({ consumed_at: Date.now() })
      .where('model', '=', this.model)
      .where('id', '=', oidcPayloadKey(this.model, id))
      .where('consumed_at', 'is', null)
      .executeTakeFirst();
    if (SINGLE_USE.has(this.model) && Number(result.numUpdatedRows) === 0) {
      // Another request consumed it between our read and this write (a race, or a replay):
      // treat it as reuse: the whole grant goes, and this request fails.
      const row = await this.db
        .selectFrom('oidc_payloads')
        .select('grant_id')
        .where('model', '=', this.model)
        .where('id', '=', oidcPayloadKey(this.model, id))
        .executeTakeFirst();
      if (row?.grant_id) await this.revokeByGrantId(row.grant_id);
      throw new errors.InvalidGrant(
        `${this.model === 'RefreshToken' ? 'refresh token' : 'authorization code'} already used`,
      );
    }
  }

  async destroy(id: string): Promise<void> {
    if (this.model === 'Client') {
      await deleteSelfRegisteredClient(this.db, id);
      return;
    }
    await this.db
      .deleteFrom('oidc_payloads')
      .where('model', '=', this.model)
      .where('id', '=', oidcPayloadKey(this.model, id))
      .execute();
  }

  /** Removes every artifact of the grant, whatever its model: tokens, codes and the grant itself. */
  async revokeByGrantId(grantId: string): Promise<void> {
    await revokeGrantArtifacts(this.db, grantId);
  }

  private toPayload(
    row: { payload: string; expires_at: number | null; consumed_at: number | null } | undefined,
    id?: string,
  ): Payload | undefined {
    if (!row) return undefined;
    if (row.expires_at !== null && row.expires_at <= Date.now()) return undefined;
    const payload = JSON.parse(row.payload) as Payload;
    if (id !== undefined) {
      payload.jti = id;
      if (this.model === 'Interaction' && typeof payload.returnTo === 'string')
        payload.returnTo = payload.returnTo.split(OWN_ID).join(id);
    }
    if (row.consumed_at !== null) payload.consumed = Math.floor(row.consumed_at / 1000);
    return payload;
  }
}
