import type { Logger } from 'pino';
import type { MeridianConfig } from './config.ts';
import type { Store } from './store/createStore.ts';
import type { ConnectionRegistry } from './connections/index.ts';
import type { CatalogBrowser } from './catalog/CatalogBrowser.ts';
import type { JobRunner } from './jobs/index.ts';

/** What every route needs: configuration, the store and the logger. Built once per process. */
export interface AppContext {
  config: MeridianConfig;
  store: Store;
  logger: Logger;
  serverKey: Buffer;
  connections: ConnectionRegistry;
  catalog: CatalogBrowser;
  jobs: JobRunner;
}
