import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../store/schema.ts';
import type { SecretBox } from '../crypto/index.ts';
import { loadDemoDataIntoSpatialite } from '../demo/index.ts';
import { ConnectionRegistry, DEMO_DATABASE_FILE, demoDatabasePath } from './ConnectionRegistry.ts';
import { createConnection } from './connectionRepository.ts';

/**
 * The demo organization's embedded connection `demo`, over real open data loaded from npm
 * packages into the data dir. Loading runs in the background (seconds) so the server answers at
 * once; queries on the connection wait for it.
 */
export async function bootstrapDemoConnection(input: {
  db: Kysely<Database>;
  box: SecretBox;
  registry: ConnectionRegistry;
  dataDir: string;
  orgSlug: string;
  logger: Logger;
}): Promise<{ ready: Promise<unknown> } | undefined> {
  const { db, box, registry, dataDir, logger } = input;
  const org = await db
    .selectFrom('organizations')
    .select('id')
    .where('slug', '=', input.orgSlug)
    .executeTakeFirst();
  if (!org) return undefined;
  const ready = loadDemoDataIntoSpatialite(demoDatabasePath(dataDir)).then((report) => {
    if (report.loaded)
      logger.info({ tables: report.tables, ms: Math.round(report.milliseconds) }, 'demo data loaded');
    return report;
  });
  registry.prepareFile(DEMO_DATABASE_FILE, ready);
  const existing = await db
    .selectFrom('connections')
    .select('id')
    .where('org_id', '=', org.id)
    .where('name', '=', 'demo')
    .executeTakeFirst();
  if (!existing) {
    const admin = await db
      .selectFrom('memberships')
      .select('user_id')
      .where('org_id', '=', org.id)
      .where('role', '=', 'admin')
      .executeTakeFirst();
    await createConnection(
      db,
      box,
      { orgId: org.id, userId: admin?.user_id ?? '', role: 'admin' },
      {
        name: 'demo',
        kind: 'spatialite',
        config: { file: DEMO_DATABASE_FILE },
        description:
          'Embedded demo data: world countries (Natural Earth), cities (GeoNames), US states and counties (US Census)',
      },
    );
  }
  return { ready };
}
