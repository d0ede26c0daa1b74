import type { Kysely } from 'kysely';

// Saved maps, owned by an organization and a user. `search_text` is a lower-cased copy of what
// find_maps searches (title, description, layer sources), so one LIKE works on both stores.
// A public link is kept twice: its sha256 for the no-sign-in lookup, and sealed with the
// server key so the owner can see it again.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('maps')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('owner_user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('visibility', 'text', (c) => c.notNull())
    .addColumn('search_text', 'text', (c) => c.notNull())
    .addColumn('public_token_hash', 'text', (c) => c.unique())
    .addColumn('public_token_sealed', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('maps_org_updated').on('maps').columns(['org_id', 'updated_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('maps').ifExists().execute();
}
