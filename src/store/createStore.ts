import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from './schema.ts';
import type { StoreDialect } from './storeDialect.ts';
import { checkStoreWritable } from './checkStoreWritable.ts';

// PostgreSQL returns bigint (int8) as strings by default; our bigints are epoch milliseconds
// and counts, all well inside Number's safe range.
pg.types.setTypeParser(20, (value) => Number(value));

export interface Store {
  db: Kysely<Database>;
  dialect: StoreDialect;
  /** A cheap round trip, for /readyz and to tell "store down" (503) from "bad token" (401). */
  ping(): Promise<void>;
  /** Proves the store takes writes (for /readyz); throws StoreNotWritableError when it does not. */
  checkWritable(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreOptions {
  dataDir: string;
  databaseUrl?: string;
  /** PostgreSQL pool size per process. */
  poolMax?: number;
}

export function createStore(options: StoreOptions): Store {
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolMax ?? 10,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
    });
    // A dropped idle connection must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    // The pool listens for errors only on idle clients: a session that dies while checked out
    // (terminated, server restart) emits 'error' on its client, an uncaught exception without
    // this. The query on it fails on its own, and the pool discards the client on release.
    pool.on('connect', (client) => client.on('error', () => undefined));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return {
      db,
      dialect: 'postgres',
      ping: async () => {
        await pool.query('select 1');
      },
      checkWritable: () => checkStoreWritable(db),
      close: () => db.destroy(),
    };
  }
  mkdirSync(options.dataDir, { recursive: true });
  const sqlite = new SqliteDatabase(join(options.dataDir, 'meridian.db'));
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return {
    db,
    dialect: 'sqlite',
    ping: async () => {
      sqlite.prepare('select 1').get();
    },
    checkWritable: () => checkStoreWritable(db, options.dataDir),
    close: () => db.destroy(),
  };
}

/**
 * Kysely prepares every query anew; on SQLite preparing costs more than running the small
 * indexed lookups on the hot path (the bearer check on every MCP request). Prepared statements
 * are reusable, so keep them by SQL text, bounded.
 */
function withStatementCache(sqlite: SqliteDatabase.Database, maxStatements = 500) {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (!statement) {
        if (statements.size >= maxStatements) statements.clear();
        statement = sqlite.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}
