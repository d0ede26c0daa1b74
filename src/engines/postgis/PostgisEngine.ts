import type { Socket } from 'node:net';
import pg from 'pg';
import Cursor from 'pg-cursor';
import {
  EngineError,
  type CatalogDescription,
  type CompiledQuery,
  type Engine,
  type QueryResult,
  type RunOptions,
  type TableWrite,
} from '../Engine.ts';
import { resolveRowLimit } from '../resolveRowLimit.ts';
import { describePostgis } from './describePostgis.ts';
import { SAVE_NAME_PATTERN, saveTableStatement } from './saveTableStatement.ts';
import { postgisTypeParsers } from './postgisTypeParsers.ts';
import { toPostgisEngineError, type StopReason } from './toPostgisEngineError.ts';
import {
  SERVER_IDENTITY_SQL,
  guardedPostgisStream,
  postgisTarget,
  type PostgisConnectGuard,
  type PostgisServerIdentity,
} from './guardedPostgisStream.ts';

export interface PostgisEngineOptions {
  /** `postgres://user:password@host:port/db?…`; never appears in errors. */
  url: string;
  /** Connections in this engine's pool (one pool per connection). Default 5. */
  poolMax?: number;
  /** Default statement timeout when a call gives no `timeoutMs`. Default 30 s. */
  statementTimeoutMs?: number;
  /** Time to open a connection or wait for a free one. Default 5 s. */
  connectTimeoutMs?: number;
  /** Used when `run` gets no `maxRows`. Default 10,000. */
  defaultMaxRows?: number;
  /** Idle connections are closed after this. Default 30 s. */
  idleTimeoutMs?: number;
  /**
   * The schema where editors' save-as-table steps create tables (the connection's role needs
   * CREATE on it). Absent, the engine never writes: every save is refused.
   */
  saveSchema?: string;
  /**
   * Asked before every physical connection (pool and cancel connections alike) where it may go;
   * the socket is pinned to the address it returns. Absent, `pg` connects wherever the URL says.
   */
  guard?: PostgisConnectGuard;
  /**
   * Asked once per physical connection, before its first query, with the server's identity;
   * throwing an `EngineError` refuses the connection (it is dropped, never pooled).
   */
  verifyServer?: (identity: PostgisServerIdentity) => Promise<void>;
}

/** Extra time after the server-side statement_timeout before the engine cancels a query itself. */
const CLIENT_TIMEOUT_GRACE_MS = 1_000;
/** After a cancel, how long to wait for the server to give up before dropping the connection. */
const CANCEL_GRACE_MS = 5_000;
/** A stream's transaction may sit idle while its consumer works, but not forever. */
const STREAM_IDLE_LIMIT_MS = 5 * 60_000;

interface Field {
  name: string;
  dataTypeID: number;
}

/** One checked-out connection inside `BEGIN READ ONLY`, with its cancel and timeout wiring. */
interface Session {
  client: pg.PoolClient;
  /**
   * Runs one database round trip under the client-side timeout and the caller's signal; rejects
   * as soon as the connection is dropped, so nothing waits on a socket that is gone.
   */
  guard<T>(operation: Promise<T>): Promise<T>;
  /**
   * Closes a cursor the caller stopped reading early (row cap, consumer gone): its portal keeps
   * the connection busy, so anything sent after it (the ROLLBACK) would queue behind it forever.
   */
  closeCursor(cursor: Cursor): Promise<void>;
  /**
   * Rolls back (undoing any SET the statement made) and returns the connection to the pool, or
   * destroys it: after an error outside the server, or after a stop (a cancel may still be on
   * its way and must not hit the next query on this connection).
   */
  end(error?: unknown): Promise<void>;
  error(error: unknown): EngineError;
}

/** Distinct keys for duplicate column names (`?column?`, joins): name, name1, name2… as spl.js does. */
function uniqueNames(fields: Field[]): string[] {
  const seen = new Set<string>();
  return fields.map((field) => {
    let name = field.name;
    for (let i = 1; seen.has(name); i++) name = `${field.name}${i}`;
    seen.add(name);
    return name;
  });
}

/**
 * pg-cursor's own state: `idle` is a portal suspended between reads (open, nothing in flight);
 * `done` and `error` have nothing left open; `busy`/`submitted` have a round trip in flight.
 */
function cursorState(cursor: Cursor): string {
  return (cursor as unknown as { state: string }).state;
}

function readCursor(cursor: Cursor, count: number): Promise<{ rows: unknown[][]; fields: Field[] }> {
  return new Promise((resolve, reject) => {
    cursor.read(count, (error, rows, result) => {
      if (error) reject(error);
      else resolve({ rows: rows as unknown[][], fields: (result?.fields ?? []) as Field[] });
    });
  });
}

/**
 * The PostGIS engine: one `pg` pool per connection; every query is one statement sent with the
 * extended protocol (through a cursor, so a second statement is a protocol error and rows
 * arrive in batches) inside `BEGIN READ ONLY` with `SET LOCAL statement_timeout`, always ended
 * by ROLLBACK. Cancellation is `pg_cancel_backend` from a separate connection.
 */
export class PostgisEngine implements Engine {
  readonly dialect = 'postgis' as const;
  private readonly pool: pg.Pool;
  private readonly url: string;
  private readonly secrets: string[];
  private readonly statementTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly defaultMaxRows: number;
  private readonly typeNames = new Map<number, string>();
  private readonly hardened = new WeakSet<pg.PoolClient>();
  private readonly saveSchema: string | undefined;
  private readonly socketFactory: (() => Socket) | undefined;
  private readonly verifyServer: PostgisEngineOptions['verifyServer'];

  constructor(options: PostgisEngineOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new EngineError('unavailable', 'the connection URL is not valid');
    }
    this.url = options.url;
    this.secrets = [options.url, parsed.password, safeDecode(parsed.password), parsed.hostname].filter(
      (s) => s.length > 0,
    );
    this.statementTimeoutMs = options.statementTimeoutMs ?? 30_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.defaultMaxRows = options.defaultMaxRows ?? 10_000;
    if (options.saveSchema !== undefined && !SAVE_NAME_PATTERN.test(options.saveSchema)) {
      throw new EngineError(
        'unavailable',
        'the save schema of the connection must be letters, digits and _ (max 63), starting with a letter or _',
      );
    }
    this.saveSchema = options.saveSchema;
    this.socketFactory = options.guard
      ? guardedPostgisStream(options.guard, postgisTarget(options.url).database)
      : undefined;
    this.verifyServer = options.verifyServer;
    this.pool = new pg.Pool({
      connectionString: options.url,
      ...(this.socketFactory && { stream: this.socketFactory }),
      max: options.poolMax ?? 5,
      connectionTimeoutMillis: this.connectTimeoutMs,
      idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
      application_name: 'meridian',
      // PostGIS functions carry high cost estimates, so PostgreSQL's JIT kicks in on small
      // interactive queries and spends ~100–350 ms compiling plans that run in a few ms.
      options: '-c jit=off',
    });
    // An idle connection that dies (server restart, pg_terminate_backend) is dropped by the pool;
    // without a listener the 'error' event would crash the process.
    this.pool.on('error', () => undefined);
    // The same for a connection that dies while a session holds it (the pool listens on idle
    // ones only): the session's query or cursor fails, the process does not.
    this.pool.on('connect', (client) => client.on('error', () => undefined));
  }

  async describe(): Promise<CatalogDescription> {
    const session = await this.begin({});
    try {
      const catalog = await session.guard(describePostgis(session.client));
      await session.end();
      return catalog;
    } catch (error) {
      await session.end(error);
      throw session.error(error);
    }
  }

  async run(query: CompiledQuery, options: RunOptions = {}): Promise<QueryResult> {
    const maxRows = resolveRowLimit(options.maxRows, this.defaultMaxRows);
    const session = await this.begin(options);
    try {
      const cursor = session.client.query(
        new Cursor(query.sql, query.params, { rowMode: 'array', types: postgisTypeParsers }),
      );
      const rows: unknown[][] = [];
      let fields: Field[] = [];
      for (;;) {
        const batch = await session.guard(readCursor(cursor, Math.min(10_000, maxRows + 1 - rows.length)));
        fields = batch.fields.length ? batch.fields : fields;
        rows.push(...batch.rows);
        if (batch.rows.length === 0 || rows.length > maxRows) break;
      }
      await session.guard(cursor.close());
      const columns = await session.guard(this.columns(session.client, fields));
      await session.end();
      const truncated = rows.length > maxRows;
      const kept = truncated ? rows.slice(0, maxRows) : rows;
      return { columns, rows: kept.map((row) => toObject(columns, row)), rowCount: kept.length, truncated };
    } catch (error) {
      await session.end(error);
      throw session.error(error);
    }
  }

  /** Rows in batches through a server-side portal: memory holds one batch, whatever the result size. */
  async *stream(
    query: CompiledQuery,
    options: RunOptions & { batchSize?: number } = {},
  ): AsyncIterable<Record<string, unknown>[]> {
    const limit =
      options.maxRows === undefined ? Number.POSITIVE_INFINITY : resolveRowLimit(options.maxRows, 0);
    const batchSize = Math.min(Math.max(1, Math.floor(options.batchSize ?? 1000)), 10_000);
    const session = await this.begin(options, STREAM_IDLE_LIMIT_MS);
    let failure: unknown;
    let cursor: Cursor | undefined;
    try {
      cursor = session.client.query(
        new Cursor(query.sql, query.params, { rowMode: 'array', types: postgisTypeParsers }),
      );
      // names only: the portal keeps the connection busy, so no type lookup can run beside it
      let columns: { name: string }[] | undefined;
      let sent = 0;
      while (sent < limit) {
        const batch = await session.guard(readCursor(cursor, Math.min(batchSize, limit - sent)));
        if (batch.rows.length === 0) break;
        columns ??= uniqueNames(batch.fields).map((name) => ({ name }));
        sent += batch.rows.length;
        const cols = columns;
        yield batch.rows.map((row) => toObject(cols, row));
      }
      await session.guard(cursor.close());
    } catch (error) {
      failure = error;
      throw session.error(error);
    } finally {
      // A consumer that stops early (a `break` at the job's row cap) returns here with the
      // portal still open between two reads.
      if (cursor && failure === undefined) await session.closeCursor(cursor).catch((e) => (failure = e));
      await session.end(failure);
    }
  }

  /**
   * The only write this engine makes: CREATE TABLE "<save schema>"."<table>" AS <the query>, in a
   * READ WRITE transaction of its own (reads stay READ ONLY), committed only when it succeeded.
   * Plain CREATE TABLE fails on an existing table, so nothing is ever replaced.
   */
  async saveTable(
    write: TableWrite,
    options: Omit<RunOptions, 'maxRows'> = {},
  ): Promise<{ schema: string; table: string }> {
    const schema = this.saveSchema;
    if (schema === undefined) {
      throw new EngineError(
        'forbidden',
        'this connection does not allow saving tables: an admin must set its save schema (the schema saved tables go to) and grant the connection role CREATE on it',
      );
    }
    const statement = saveTableStatement(write, schema);
    const session = await this.begin(options, undefined, 'write');
    try {
      // The extended protocol even without parameters: one statement, never a `;`-separated list.
      const extended = { text: statement.sql, values: statement.params, queryMode: 'extended' }; // queryMode: pg ≥ 8.11, not in its types
      await session.guard(session.client.query(extended as pg.QueryConfig));
      await session.guard(session.client.query('COMMIT'));
      await session.end();
      return { schema, table: write.table };
    } catch (error) {
      await session.end(error);
      const code = (error as { code?: unknown } | null)?.code;
      if (code === '42P07')
        throw new EngineError(
          'sql',
          `a table named "${write.table}" already exists in schema "${schema}": saving never replaces a table, choose another name`,
        );
      if (code === '3F000')
        throw new EngineError(
          'unavailable',
          `the save schema "${schema}" does not exist in the database: an admin must create it or change the connection's save schema`,
        );
      if (code === '42501')
        throw new EngineError(
          'forbidden',
          `the connection role may not create tables in schema "${schema}": grant it CREATE on that schema`,
        );
      throw session.error(error);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Column names and `format_type` names; OIDs are looked up once per engine. */
  private async columns(client: pg.PoolClient, fields: Field[]): Promise<{ name: string; type: string }[]> {
    const missing = [...new Set(fields.map((f) => f.dataTypeID).filter((oid) => !this.typeNames.has(oid)))];
    if (missing.length) {
      const { rows } = await client.query<{ oid: string; name: string }>(
        'SELECT oid::text AS oid, format_type(oid, NULL) AS name FROM pg_type WHERE oid = ANY($1::oid[])',
        [missing],
      );
      for (const row of rows) this.typeNames.set(Number(row.oid), row.name);
    }
    const names = uniqueNames(fields);
    return fields.map((field, i) => ({
      name: names[i]!,
      type: this.typeNames.get(field.dataTypeID) ?? 'unknown',
    }));
  }

  private async begin(
    options: Omit<RunOptions, 'maxRows'>,
    idleLimitMs?: number,
    mode: 'read' | 'write' = 'read',
  ): Promise<Session> {
    const timeoutMs = options.timeoutMs ?? this.statementTimeoutMs;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
      throw new EngineError('sql', 'timeoutMs must be a positive number');
    const signal = options.signal;
    if (signal?.aborted) throw new EngineError('cancelled', 'the query was cancelled');

    let client: pg.PoolClient;
    try {
      client = await this.connect(signal);
    } catch (error) {
      throw toPostgisEngineError(error, this.secrets, signal?.aborted ? 'cancelled' : undefined);
    }

    let stopped: StopReason;
    let released = false;
    let cancelTimer: NodeJS.Timeout | undefined;
    let dropped!: () => void;
    // Settles (rejects) only when the connection is discarded while a round trip may be pending:
    // pg-cursor never calls back once its socket is gone.
    const lost = new Promise<never>((_, reject) => {
      dropped = () =>
        reject(
          new EngineError(
            stopped ?? 'unavailable',
            stopped === 'timeout'
              ? 'the query exceeded its statement timeout and was cancelled'
              : stopped === 'cancelled'
                ? 'the query was cancelled'
                : 'the connection to the database was lost',
          ),
        );
    });
    lost.catch(() => undefined);
    const pid = (client as pg.PoolClient & { processID: number }).processID;
    const release = (destroy: boolean) => {
      if (released) return;
      released = true;
      clearTimeout(cancelTimer);
      signal?.removeEventListener('abort', onAbort);
      client.release(destroy ? new Error('connection discarded') : undefined);
      if (destroy) dropped();
    };
    const stop = (reason: Exclude<StopReason, undefined>) => {
      if (stopped || released) return;
      stopped = reason;
      void this.cancelBackend(pid);
      // a server that does not honour the cancel loses the connection instead
      cancelTimer = setTimeout(() => release(true), CANCEL_GRACE_MS);
    };
    const onAbort = () => stop('cancelled');
    signal?.addEventListener('abort', onAbort, { once: true });

    const session: Session = {
      client,
      guard: async (operation) => {
        if (stopped) {
          operation.catch(() => undefined);
          throw new EngineError(
            stopped,
            stopped === 'cancelled'
              ? 'the query was cancelled'
              : 'the query exceeded its statement timeout and was cancelled',
          );
        }
        const timer = setTimeout(() => stop('timeout'), timeoutMs + CLIENT_TIMEOUT_GRACE_MS);
        try {
          return await Promise.race([operation, lost]);
        } finally {
          clearTimeout(timer);
        }
      },
      closeCursor: async (cursor) => {
        if (released || stopped || cursorState(cursor) !== 'idle') return;
        const timer = setTimeout(() => release(true), CANCEL_GRACE_MS);
        try {
          await Promise.race([cursor.close(), lost]);
        } finally {
          clearTimeout(timer);
        }
      },
      end: async (error) => {
        if (released) return;
        // A connection refused before it was hardened (its role, or the server it reached), or
        // one whose query was stopped, is dropped rather than pooled.
        const broken =
          stopped !== undefined ||
          (error !== undefined &&
            (!isServerError(error) ||
              (error instanceof EngineError && error.code === 'forbidden' && !this.hardened.has(client))));
        if (!broken) {
          // A server that does not answer the ROLLBACK loses the connection instead of holding us.
          const timer = setTimeout(() => release(true), CANCEL_GRACE_MS);
          try {
            await Promise.race([client.query('ROLLBACK'), lost]);
          } catch {
            return release(true);
          } finally {
            clearTimeout(timer);
          }
        }
        release(broken);
      },
      error: (error) => toPostgisEngineError(error, this.secrets, stopped),
    };

    try {
      await session.guard(this.harden(client));
      // READ WRITE is explicit because the role's default_transaction_read_only is on.
      await session.guard(client.query(mode === 'write' ? 'BEGIN READ WRITE' : 'BEGIN READ ONLY'));
      await session.guard(
        client.query(
          "SELECT set_config('statement_timeout', $1, true), set_config('idle_in_transaction_session_timeout', $2, true)",
          [String(Math.ceil(timeoutMs)), String(Math.ceil(idleLimitMs ?? Math.max(timeoutMs * 2, 60_000)))],
        ),
      );
    } catch (error) {
      await session.end(error);
      throw session.error(error);
    }
    return session;
  }

  /** A pool checkout that an abort can give up on (the connection goes back when it arrives). */
  private connect(signal?: AbortSignal): Promise<pg.PoolClient> {
    const pending = this.pool.connect();
    if (!signal) return pending;
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(new EngineError('cancelled', 'the query was cancelled'));
      signal.addEventListener('abort', onAbort, { once: true });
      pending.then(
        (client) => {
          signal.removeEventListener('abort', onAbort);
          if (signal.aborted) client.release();
          else resolve(client);
        },
        (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  /**
   * Once per physical connection: PostGIS raster must not reach GDAL drivers or out-db files
   * (G7). Both settings default to off; a server or role that turned them on is switched back,
   * and a role that may not switch them back cannot be used.
   */
  private async harden(client: pg.PoolClient): Promise<void> {
    if (this.hardened.has(client)) return;
    if (this.verifyServer) {
      const { rows } = await client.query<PostgisServerIdentity>(SERVER_IDENTITY_SQL);
      await this.verifyServer(rows[0]!);
    }
    const { rows } = await client.query<{ drivers: string | null; outdb: string | null }>(
      "SELECT current_setting('postgis.gdal_enabled_drivers', true) AS drivers, current_setting('postgis.enable_outdb_rasters', true) AS outdb",
    );
    const settings = rows[0]!;
    try {
      if (settings.drivers !== null && settings.drivers !== '' && settings.drivers !== 'DISABLE_ALL') {
        await client.query("SET postgis.gdal_enabled_drivers = 'DISABLE_ALL'");
      }
      if (settings.outdb !== null && settings.outdb !== '' && settings.outdb !== 'off')
        await client.query('SET postgis.enable_outdb_rasters = off');
    } catch {
      throw new EngineError(
        'forbidden',
        "this connection's role enables PostGIS GDAL drivers or out-db rasters and cannot disable them: set postgis.gdal_enabled_drivers = 'DISABLE_ALL' and postgis.enable_outdb_rasters = off for the role",
      );
    }
    this.hardened.add(client);
  }

  private async cancelBackend(pid: number): Promise<void> {
    const canceller = new pg.Client({
      connectionString: this.url,
      ...(this.socketFactory && { stream: this.socketFactory }),
      connectionTimeoutMillis: this.connectTimeoutMs,
      application_name: 'meridian-cancel',
    });
    canceller.on('error', () => undefined);
    try {
      await canceller.connect();
      await canceller.query('SELECT pg_cancel_backend($1)', [pid]);
    } catch {
      // the client-side grace timer drops the connection if the cancel never arrives
    } finally {
      await canceller.end().catch(() => undefined);
    }
  }
}

/** A server error leaves the connection usable (after ROLLBACK); anything else may not. */
function isServerError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    error instanceof EngineError ||
    (typeof code === 'string' &&
      /^[0-9A-Z]{5}$/.test(code) &&
      !code.startsWith('08') &&
      !code.startsWith('57P'))
  );
}

function toObject(columns: { name: string }[], row: unknown[]): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  columns.forEach((column, i) => (object[column.name] = row[i] ?? null));
  return object;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export function createPostgisEngine(options: PostgisEngineOptions): PostgisEngine {
  return new PostgisEngine(options);
}
