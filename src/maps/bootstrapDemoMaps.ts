import type { Kysely } from 'kysely';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Database } from '../store/schema.ts';
import type { Caller } from '../store/Caller.ts';
import { createMap } from './mapRepository.ts';
import { recordAudit } from '../store/repositories/auditLog.ts';
import { mapDefinitionSchema } from './mapDefinition.ts';

const examplesDir = fileURLToPath(new URL('../../examples/maps/', import.meta.url));

/** The audit action that marks an organization as seeded, so deleted demo maps stay deleted. */
export const DEMO_MAPS_SEEDED = 'demo.maps_seeded';

/**
 * The demo organization gets the example maps of `examples/maps/` once, owned by its admin and
 * shared with the organization, so `find_maps` and `render_map` show something on a fresh start.
 * Seeding is recorded in the audit log rather than inferred from "no maps yet": an admin who
 * deletes the demo maps does not get them back at the next start.
 */
export async function bootstrapDemoMaps(db: Kysely<Database>, caller: Caller): Promise<string[]> {
  const seeded = await db
    .selectFrom('audit_log')
    .select('id')
    .where('org_id', '=', caller.orgId)
    .where('action', '=', DEMO_MAPS_SEEDED)
    .executeTakeFirst();
  if (seeded) return [];
  const titles: string[] = [];
  for (const file of readdirSync(examplesDir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const definition = mapDefinitionSchema.parse(JSON.parse(readFileSync(join(examplesDir, file), 'utf8')));
    const map = await createMap(db, caller, definition);
    titles.push(map.definition.title);
  }
  await recordAudit(db, {
    orgId: caller.orgId,
    userId: caller.userId,
    actor: 'system',
    action: DEMO_MAPS_SEEDED,
    detail: { maps: titles },
  });
  return titles;
}
