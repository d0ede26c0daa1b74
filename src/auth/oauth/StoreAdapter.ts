import type { Kysely } from 'kysely';
import { errors } from 'oidc-provider';
import type { Database } from '../../store/schema.ts';
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

/**
 * oidc-provider's storage adapter over our store (SQLite or PostgreSQL): every model in one
 * table keyed by (model, id). Nothing lives only in process memory, so any process can continue
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
      payload: JSON.stringify(payload),
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
        id,
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
      .where('id', '=', id)
      .executeTakeFirst();
    return this.toPayload(row);
  }

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
      .where('id', '=', id)
      .where('consumed_at', 'is', null)
      .executeTakeFirst();
    if (SINGLE_USE.has(this.model) && Number(result.numUpdatedRows) === 0) {
      // Another request consumed it between our read and this write (a race, or a replay):
      // treat it as reuse: the whole grant goes, and this request fails.
      const row = await this.db
        .selectFrom('oidc_payloads')
        .select('grant_id')
        .where('model', '=', this.model)
        .where('id', '=', id)
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
    await this.db.deleteFrom('oidc_payloads').where('model', '=', this.model).where('id', '=', id).execute();
  }

  /** Removes every artifact of the grant, whatever its model: tokens, codes and the grant itself. */
  async revokeByGrantId(grantId: string): Promise<void> {
    await revokeGrantArtifacts(this.db, grantId);
  }

  private toPayload(
    row: { payload: string; expires_at: number | null; consumed_at: number | null } | undefined,
  ): Payload | undefined {
    if (!row) return undefined;
    if (row.expires_at !== null && row.expires_at <= Date.now()) return undefined;
    const payload = JSON.parse(row.payload) as Payload;
    if (row.consumed_at !== null) payload.consumed = Math.floor(row.consumed_at / 1000);
    return payload;
  }
}
