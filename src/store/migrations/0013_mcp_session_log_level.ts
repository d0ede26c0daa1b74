import type { Kysely } from 'kysely';

// The level a 2025-protocol client set with logging/setLevel. Every request of a session may be
// served by another process (and by a fresh server instance), so the level lives with the session.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('mcp_sessions').addColumn('log_level', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('mcp_sessions').dropColumn('log_level').execute();
}
