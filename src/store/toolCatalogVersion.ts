import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { announceToolCatalogChange } from './toolCatalogChannel.ts';

/**
 * An organization's tool catalog version: MCP listings are cached per version, and every change
 * to which tools its members see (a workflow published, unpublished or deleted; a connection
 * shared or removed) bumps it, inside the transaction that makes the change.
 */
export async function bumpToolCatalog(db: Kysely<Database>, orgId: string): Promise<void> {
  await db
    .updateTable('organizations')
    .set({ tool_catalog_version: sql`tool_catalog_version + 1` })
    .where('id', '=', orgId)
    .execute();
  await announceToolCatalogChange(db, orgId);
}

export async function toolCatalogVersion(db: Kysely<Database>, orgId: string): Promise<number> {
  const row = await db
    .selectFrom('organizations')
    .select('tool_catalog_version')
    .where('id', '=', orgId)
    .executeTakeFirst();
  return Number(row?.tool_catalog_version ?? 0);
}
