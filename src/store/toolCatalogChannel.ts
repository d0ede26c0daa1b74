import { PostgresAdapter, sql, type Kysely } from 'kysely';

/** The PostgreSQL channel on which a tool catalog version bump is announced; the payload is the organization id. */
export const TOOL_CATALOG_CHANNEL = 'meridian_tool_catalog';

/**
 * Announces that an organization's tool catalog changed, to every process listening on the
 * store. Call it inside the transaction that bumps the version: PostgreSQL delivers a NOTIFY
 * at commit and drops it on rollback, so listeners never hear of a change they cannot read.
 * SQLite has no equivalent (one process, plus CLI writes that the poll picks up).
 */
export async function announceToolCatalogChange<DB>(db: Kysely<DB>, orgId: string): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`SELECT pg_notify(${TOOL_CATALOG_CHANNEL}, ${orgId})`.execute(db);
}
