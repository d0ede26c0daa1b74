import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// Who turned a map's public link on: the link's anonymous viewers see the map as that user
// (re-checked at every view), not as the map's owner (audit #2). Links that exist already were
// served as the owner; they keep that until someone rotates them.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('maps')
    .addColumn('public_link_enabled_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .execute();
  await sql`UPDATE maps SET public_link_enabled_by = owner_user_id WHERE public_token_hash IS NOT NULL`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('maps').dropColumn('public_link_enabled_by').execute();
}
