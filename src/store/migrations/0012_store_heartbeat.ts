import type { Kysely } from 'kysely';

// One row /readyz rewrites to learn that the store still takes writes (a full disk, a read-only
// file system or a read-only PostgreSQL replica all answer reads but refuse this).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('store_heartbeat')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('beat_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('store_heartbeat').ifExists().execute();
}
