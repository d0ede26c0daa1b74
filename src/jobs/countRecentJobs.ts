import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';

/**
 * Jobs an organization's submitter of one kind (a client id, or every client id with a prefix)
 * created since a moment: what a rolling budget counts. Counted in the store, so every process
 * sharing it sees the same number. `oldest` (ms) tells when the window frees a slot.
 */
export async function countRecentJobs(
  db: Kysely<Database>,
  orgId: string,
  clients: { clientId: string } | { clientIdPrefix: string },
  since: number,
): Promise<{ count: number; oldest: number | null }> {
  let query = db
    .selectFrom('jobs')
    .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.min<number>('created_at').as('oldest')])
    .where('org_id', '=', orgId)
    .where('created_at', '>=', since);
  if ('clientId' in clients) {
    query = query.where('client_id', '=', clients.clientId);
  } else {
    // `%` and `_` in the prefix are literal characters, not wildcards.
    const pattern = `${clients.clientIdPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where(sql<boolean>`client_id LIKE ${pattern} ESCAPE '\\'`);
  }
  const row = await query.executeTakeFirstOrThrow();
  return { count: Number(row.count), oldest: row.oldest === null ? null : Number(row.oldest) };
}
