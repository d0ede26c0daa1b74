import { loadConfig } from '../config.ts';
import { createStore, type Store } from '../store/createStore.ts';
import { migrateToLatest } from '../store/migrate.ts';
import { MeridianError } from '../errors/MeridianError.ts';

/** Runs a CLI command against the configured store (migrated first), then closes it. */
export async function withStore<T>(run: (store: Store) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const store = createStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, poolMax: 2 });
  try {
    await migrateToLatest(store.db as never);
    return await run(store);
  } finally {
    await store.close();
  }
}

/** A failure the user can fix: printed as one line on stderr, exit code 1, no stack. */
export class CliError extends MeridianError {
  override name = 'CliError';
  override readonly code: string = 'cli_refused';
  override readonly status: number = 500;
  override readonly showable: boolean = true;
}
