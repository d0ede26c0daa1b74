import { createHash } from 'node:crypto';
import { PostgresAdapter, sql, type Transaction } from 'kysely';
import type { Database } from '../store/schema.ts';

/**
 * The first key of the two-key advisory lock form, naming "job submissions" ('MJOB'). Advisory
 * locks taken with the one-bigint form live in a separate key space, so this cannot collide with
 * them; any future two-key lock must pick another namespace.
 */
const JOB_SUBMISSION_LOCK_NAMESPACE = 0x4d4a4f42;

/**
 * Serializes job submissions of one organization until `trx` ends, so the queue limits (per user
 * and per organization) and the result quota are counted and the job inserted as one step. On
 * PostgreSQL under READ COMMITTED, two submissions counting at once both saw room and both
 * inserted (52 accepted of a limit of 50 under 150 parallel submits). The key is the
 * organization, not the user, because the organization's own limit races in the same way; the
 * lock is held only for the count and the insert. SQLite needs nothing: its writers are
 * serialized, and Kysely runs one transaction at a time on its single connection.
 */
export async function lockOrgSubmissions(trx: Transaction<Database>, orgId: string): Promise<void> {
  if (!(trx.getExecutor().adapter instanceof PostgresAdapter)) return;
  const key = createHash('sha256').update(orgId).digest().readInt32BE(0);
  await sql`select pg_advisory_xact_lock(${JOB_SUBMISSION_LOCK_NAMESPACE}::int4, ${key}::int4)`.execute(trx);
}
