import { sql } from 'kysely';
import type { MeridianConfig } from '../config.ts';
import type { Store } from '../store/createStore.ts';
import { SERVER_IDENTITY_SQL, type PostgisServerIdentity } from '../engines/index.ts';
import { ConnectionTargetPolicy } from './ConnectionTargetPolicy.ts';

/** The policy a server (or a CLI command) applies, from its configuration and its store. */
export function createConnectionTargetPolicy(config: MeridianConfig, store: Store): ConnectionTargetPolicy {
  return new ConnectionTargetPolicy({
    hosts: config.connections.hosts,
    storeUrl: config.databaseUrl,
    ...(store.dialect === 'postgres' && {
      storeIdentity: async () =>
        (await sql<PostgisServerIdentity>`${sql.raw(SERVER_IDENTITY_SQL)}`.execute(store.db)).rows[0]!,
    }),
  });
}
