import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/** Deletes a grant and everything issued under it, in one statement. */
export async function revokeGrantArtifacts(db: Kysely<Database>, grantId: string): Promise<number> {
  const result = await db
    .deleteFrom('oidc_payloads')
    .where((eb) =>
      eb.or([eb('grant_id', '=', grantId), eb.and([eb('model', '=', 'Grant'), eb('id', '=', grantId)])]),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Removes expired artifacts only; consumed-but-live single-use tokens stay (reuse detection). */
export async function sweepExpiredOidcPayloads(db: Kysely<Database>, now = Date.now()): Promise<number> {
  const result = await db
    .deleteFrom('oidc_payloads')
    .where('expires_at', 'is not', null)
    .where('expires_at', '<=', now)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
