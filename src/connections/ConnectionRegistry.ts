import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import type { Caller } from '../store/Caller.ts';
import type { Database, ConnectionsTable } from '../store/schema.ts';
import type { SecretBox } from '../crypto/index.ts';
import { createEngine, EngineError, type Engine } from '../engines/index.ts';
import {
  findConnection,
  viewOf,
  type ConnectionConfig,
  type ConnectionView,
} from './connectionRepository.ts';
import type { ConnectionTargetPolicy } from './ConnectionTargetPolicy.ts';

export interface ResolvedConnection {
  connection: ConnectionView;
  engine: Engine;
}

const BROWSING_CONNECTIONS = 3;
/** A worker holds a WASM SpatiaLite instance (tens of MB) and runs on a core of its own. */
const SPATIALITE_MAX_WORKERS = Math.max(2, availableParallelism());

/**
 * Turns a connection the caller may use into a live engine. Engines are created on first use
 * and kept (a pool or worker set per connection), replaced when the connection changes, closed
 * on shutdown. Access is checked on every call, so a revoked share takes effect at once.
 */
export class ConnectionRegistry {
  private readonly engines = new Map<string, { version: number; engine: Engine }>();
  /** Embedded database files still being prepared (demo data loading in the background). */
  private readonly preparing = new Map<string, Promise<unknown>>();

  constructor(
    private readonly options: {
      db: Kysely<Database>;
      box: SecretBox;
      dataDir: string;
      logger: Logger;
      /** Where PostGIS connections may lead; every physical connection asks it. */
      targets: ConnectionTargetPolicy;
      /** The job runner's concurrency: each engine can serve that many jobs at once, plus browsing. */
      jobConcurrency?: number;
    },
  ) {}

  /** The rule a new connection URL breaks (the admin gets it as a 4xx), or undefined. */
  refusalFor(url: string): Promise<string | undefined> {
    return this.options.targets.refusalFor(url);
  }

  /** Queries against `file` wait for `ready` first. */
  prepareFile(file: string, ready: Promise<unknown>): void {
    const path = this.embeddedPath(file);
    const settled = ready.catch((error) =>
      this.options.logger.error({ err: error, file }, 'preparing an embedded database failed'),
    );
    this.preparing.set(path, settled);
    void settled.finally(() => this.preparing.delete(path));
  }

  async resolve(caller: Caller, idOrName: string): Promise<ResolvedConnection | undefined> {
    const row = await findConnection(this.options.db, caller, idOrName);
    if (!row) return undefined;
    return { connection: viewOf(row), engine: await this.engineFor(row) };
  }

  private async engineFor(row: ConnectionsTable): Promise<Engine> {
    const cached = this.engines.get(row.id);
    if (cached && cached.version === row.updated_at) return cached.engine;
    if (cached) {
      this.engines.delete(row.id);
      void cached.engine.close();
    }
    const config = JSON.parse(this.options.box.open(row.sealed_config)) as ConnectionConfig;
    let engine: Engine;
    if (row.kind === 'spatialite' && 'file' in config) {
      const file = this.embeddedPath(config.file);
      await this.preparing.get(file);
      engine = createEngine({
        kind: 'spatialite',
        file,
        readOnly: true,
        poolSize: Math.min(this.options.jobConcurrency ?? 2, SPATIALITE_MAX_WORKERS),
      });
    } else if (row.kind === 'postgis' && 'url' in config) {
      engine = createEngine({
        kind: 'postgis',
        url: config.url,
        guard: this.options.targets.guard,
        verifyServer: this.options.targets.verifyServer,
        // Jobs, plus the catalog and browsing tools (list_tables, describe_table) beside them.
        poolMax: (this.options.jobConcurrency ?? 2) + BROWSING_CONNECTIONS,
        ...(config.saveSchema ? { saveSchema: config.saveSchema } : {}),
      });
    } else {
      throw new EngineError(
        'unavailable',
        `The connection ${row.name} is misconfigured; an admin must recreate it.`,
      );
    }
    this.engines.set(row.id, { version: row.updated_at, engine });
    return engine;
  }

  /** Embedded files live inside the data dir; a path that escapes it is refused. */
  embeddedPath(file: string): string {
    const path = resolve(this.options.dataDir, file);
    const rel = relative(this.options.dataDir, path);
    if (rel.startsWith('..') || isAbsolute(rel))
      throw new EngineError('forbidden', 'An embedded database must be inside the data dir.');
    return path;
  }

  async forget(connectionId: string): Promise<void> {
    const cached = this.engines.get(connectionId);
    this.engines.delete(connectionId);
    await cached?.engine.close();
  }

  async close(): Promise<void> {
    const all = [...this.engines.values()];
    this.engines.clear();
    await Promise.allSettled(all.map(({ engine }) => engine.close()));
  }
}

export const DEMO_DATABASE_FILE = 'demo.sqlite';
export function demoDatabasePath(dataDir: string): string {
  return join(dataDir, DEMO_DATABASE_FILE);
}
