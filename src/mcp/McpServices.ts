import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { ConnectionRegistry } from '../connections/index.ts';
import type { CatalogBrowser } from '../catalog/CatalogBrowser.ts';
import type { JobLimits, JobRunner } from '../jobs/index.ts';

/** What tool handlers reach the rest of Meridian through. */
export interface McpServices {
  db: Kysely<Database>;
  connections: ConnectionRegistry;
  catalog: CatalogBrowser;
  /** Absent in processes that do not run jobs (workflow tools then only submit). */
  jobs?: JobRunner;
  jobLimits?: JobLimits;
}
