import type { Kysely } from 'kysely';

// Workflows owned by organizations, and their publication as MCP tools. Every change to what an
// organization's tools are bumps its catalog version, which every process reads to know its
// cached tool lists are stale.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('organizations')
    .addColumn('tool_catalog_version', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('workflows')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('connection_name', 'text', (c) => c.notNull())
    .addColumn('document', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('tool_name', 'text')
    .addColumn('tool_title', 'text')
    .addColumn('tool_description', 'text')
    .addColumn('tool_mode', 'text')
    .addColumn('sync_deadline_ms', 'integer')
    .addColumn('published_at', 'bigint')
    .addColumn('published_by', 'text')
    .addUniqueConstraint('workflows_org_name', ['org_id', 'name'])
    .execute();
  await db.schema
    .createIndex('workflows_org_tool')
    .on('workflows')
    .columns(['org_id', 'tool_name'])
    .unique()
    .where('tool_name', 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('workflows').ifExists().execute();
  await db.schema.alterTable('organizations').dropColumn('tool_catalog_version').execute();
}
