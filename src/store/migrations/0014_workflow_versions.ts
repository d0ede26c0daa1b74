import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// Every saved document of a workflow, so a person can see what changed, open an old version and
// restore it. Rows belong to their workflow (deleted with it) and so to its organization; the
// workflows row keeps the current document, which is also its latest version here.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('workflow_versions')
    .addColumn('workflow_id', 'text', (c) => c.notNull().references('workflows.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('document', 'text', (c) => c.notNull())
    .addColumn('saved_by', 'text')
    .addColumn('saved_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('workflow_versions_pk', ['workflow_id', 'version'])
    .execute();
  // Workflows saved before history was kept: their current document becomes their current
  // version. Who saved it is not known (created_by is who created the workflow), so it stays null.
  await sql`INSERT INTO workflow_versions (workflow_id, version, document, saved_by, saved_at)
    SELECT id, version, document, NULL, updated_at FROM workflows`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('workflow_versions').ifExists().execute();
}
