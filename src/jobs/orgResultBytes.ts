import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';

/**
 * Bytes of job results an organization has stored now: what its running jobs have written so
 * far plus the results of succeeded jobs that have not expired. Failed and cancelled jobs keep no
 * pages, and an expired result counts as released at its expiry, before the purge deletes it.
 */
export async function orgResultBytes(db: Kysely<Database>, orgId: string, now = Date.now()): Promise<number> {
  const row = await db
    .selectFrom('jobs')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('result_bytes'), eb.lit(0)).as('bytes'))
    .where('org_id', '=', orgId)
    .where((eb) =>
      eb.or([
        eb('state', '=', 'running'),
        eb.and([eb('state', '=', 'succeeded'), eb('expires_at', '>', now)]),
      ]),
    )
    .executeTakeFirstOrThrow();
  return Number(row.bytes);
}

/** When the organization's oldest stored result expires (freeing its bytes), if it has one. */
export async function nextResultExpiry(db: Kysely<Database>, orgId: string, now = Date.now()) {
  const row = await db
    .selectFrom('jobs')
    .select((eb) => eb.fn.min<number>('expires_at').as('at'))
    .where('org_id', '=', orgId)
    .where('state', '=', 'succeeded')
    .where('expires_at', '>', now)
    .where('result_bytes', '>', 0)
    .executeTakeFirst();
  return row?.at == null ? undefined : Number(row.at);
}
