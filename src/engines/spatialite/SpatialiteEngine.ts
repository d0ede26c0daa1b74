import { resolve } from 'node:path';
import {
  EngineError,
  type CatalogDescription,
  type CompiledQuery,
  type Engine,
  type QueryResult,
  type RunOptions,
} from '../Engine.ts';
import { resolveRowLimit } from '../resolveRowLimit.ts';
import { checkSpatialiteSql, prepareSpatialiteSql } from './checkSpatialiteSql.ts';
import { SpatialiteWorkerPool, type CallOptions, type PooledWorker } from './SpatialiteWorkerPool.ts';
import type { CheckedStatement, RowsPayload, StreamBatch } from './workerProtocol.ts';

export interface SpatialiteEngineOptions {
  /** The database file (SpatiaLite or plain SQLite). Read handles require it to exist. */
  file: string;
  /** Default true. A writable handle (for save-as-table and the demo loader) uses one worker. */
  readOnly?: boolean;
  /** Worker threads, each with its own in-memory copy of the file. Default 2 (1 when writable). */
  poolSize?: number;
  /** Queries allowed to wait for a worker before new ones fail fast. Default 64. */
  maxQueue?: number;
  /** Used when a call gives no `timeoutMs`. Default 30 s. Covers waiting for a worker too. */
  defaultTimeoutMs?: number;
  /** Used when `run` gets no `maxRows`. Default 10,000. */
  defaultMaxRows?: number;
  /** Hard cap on the rows one `stream` reads. Default 1,000,000. */
  maxStreamRows?: number;
  /** JS heap per worker, in MB; a query that needs more fails instead of the server. Default 1024. */
  workerHeapMb?: number;
  /**
   * A worker idle this long stops and gives its memory back (~70–100 MB each: the compiled WASM,
   * its heap, SQLite's page cache); the next query starts one again (~0.3 s). Default 60 s.
   */
  idleTimeoutMs?: number;
}

/** One statement for `write`, or one statement run once per row of `rows` (bulk inserts). */
export type SpatialiteWrite = CompiledQuery | { sql: string; rows: unknown[][] };

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_ROWS = 10_000;
const MAX_STREAM_ROWS = 1_000_000;
const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

function toObjects(columns: { name: string }[], rows: unknown[][]): Record<string, unknown>[] {
  return rows.map((row) => {
    const object: Record<string, unknown> = {};
    columns.forEach((column, i) => (object[column.name] = row[i] ?? null));
    return object;
  });
}

/**
 * The embedded engine: SpatiaLite (spl.js, WASM) in a pool of worker threads, reading one
 * database file. See spatialiteWorker.ts for how the file is held and persisted.
 */
export class SpatialiteEngine implements Engine {
  readonly dialect = 'spatialite' as const;
  readonly readOnly: boolean;
  private readonly pool: SpatialiteWorkerPool;
  private readonly defaultTimeoutMs: number;
  private readonly defaultMaxRows: number;
  private readonly maxStreamRows: number;

  constructor(options: SpatialiteEngineOptions) {
    this.readOnly = options.readOnly ?? true;
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.defaultMaxRows = options.defaultMaxRows ?? DEFAULT_MAX_ROWS;
    this.maxStreamRows = options.maxStreamRows ?? MAX_STREAM_ROWS;
    const size = this.readOnly ? Math.max(1, Math.floor(options.poolSize ?? 2)) : 1;
    this.pool = new SpatialiteWorkerPool({
      workerData: { file: resolve(options.file), readOnly: this.readOnly },
      size,
      maxQueue: options.maxQueue ?? 64,
      resourceLimits: { maxOldGenerationSizeMb: options.workerHeapMb ?? 1024 },
      idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    });
  }

  async describe(): Promise<CatalogDescription> {
    return (await this.withWorker({}, (worker, call) =>
      worker.call({ op: 'describe' }, call),
    )) as CatalogDescription;
  }

  async run(query: CompiledQuery, options: RunOptions = {}): Promise<QueryResult> {
    const statement = checkSpatialiteSql(query.sql, query.params, 'read');
    const maxRows = resolveRowLimit(options.maxRows, this.defaultMaxRows);
    const payload = (await this.withWorker(options, (worker, call) =>
      worker.call({ op: 'query', statement, limit: maxRows + 1 }, call),
    )) as RowsPayload;
    const truncated = payload.rows.length > maxRows;
    const rows = toObjects(payload.columns, truncated ? payload.rows.slice(0, maxRows) : payload.rows);
    return { columns: payload.columns, rows, rowCount: rows.length, truncated };
  }

  /**
   * Rows in batches, stepped from one prepared statement in the worker (`SplCursor`): the worker
   * holds one batch being produced and the main thread the one being consumed, since the next is
   * asked for as soon as one arrives and no sooner. Stopping early (`return`, a `break`) finalizes
   * the statement and frees the worker. The timeout is a budget for the worker's own time on
   * the query (waiting for a worker and opening count too), not the consumer's pace between batches.
   */
  async *stream(
    query: CompiledQuery,
    options: RunOptions & { batchSize?: number } = {},
  ): AsyncIterable<Record<string, unknown>[]> {
    const statement = checkSpatialiteSql(query.sql, query.params, 'read');
    const limit = Math.min(resolveRowLimit(options.maxRows, this.maxStreamRows), this.maxStreamRows);
    const batchSize = Math.min(Math.max(1, Math.floor(options.batchSize ?? 1000)), 50_000);
    const call = this.callOptions(options);
    let budget = call.deadline! - Date.now();
    const started = Date.now();
    const worker = await this.pool.acquire(call);
    let pending: Promise<StreamBatch> | undefined;
    const next = (): Promise<StreamBatch> =>
      worker.call(
        { op: 'streamNext', count: batchSize },
        { signal: options.signal, deadline: Date.now() + Math.max(0, budget) },
      ) as Promise<StreamBatch>;
    try {
      const opened = (await worker.call({ op: 'streamOpen', statement, limit }, call)) as {
        columns: string[];
      };
      budget -= Date.now() - started;
      const columns = opened.columns.map((name) => ({ name }));
      pending = next();
      for (;;) {
        const batch = await pending!;
        pending = undefined;
        budget -= batch.ms ?? 0;
        if (!batch.done) pending = next();
        if (batch.rows.length > 0) yield toObjects(columns, batch.rows);
        if (batch.done) break;
        if (options.signal?.aborted) throw new EngineError('cancelled', 'the query was cancelled');
      }
    } finally {
      // A batch still on its way is waited for (its rows dropped), so the close comes after it.
      await pending?.catch(() => undefined);
      if (!worker.dead) await worker.call({ op: 'streamClose' }).catch(() => undefined);
      this.pool.release(worker);
    }
  }

  /**
   * Runs statements in one transaction on a writable handle, then replaces the file atomically.
   * Each statement passes the same gate as reads (one statement, no file/exec functions, no
   * ATTACH/PRAGMA), except that DDL and DML are allowed.
   */
  async write(statements: SpatialiteWrite[], options: Omit<RunOptions, 'maxRows'> = {}): Promise<void> {
    if (this.readOnly) throw new EngineError('forbidden', 'this connection is read-only');
    const checked: CheckedStatement[] = [];
    for (const statement of statements) {
      if ('rows' in statement) {
        const prepared = prepareSpatialiteSql(statement.sql, 'write');
        for (const row of statement.rows) checked.push(prepared.bind(row));
      } else {
        checked.push(checkSpatialiteSql(statement.sql, statement.params, 'write'));
      }
    }
    await this.withWorker(options, (worker, call) => worker.call({ op: 'write', statements: checked }, call));
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  /** Worker threads alive or starting (for tests and metrics). */
  get workers(): number {
    return this.pool.size;
  }

  private callOptions(options: Omit<RunOptions, 'maxRows'>): CallOptions {
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
      throw new EngineError('sql', 'timeoutMs must be a positive number');
    return { deadline: Date.now() + timeoutMs, signal: options.signal };
  }

  private async withWorker<T>(
    options: Omit<RunOptions, 'maxRows'>,
    work: (worker: PooledWorker, call: CallOptions) => Promise<T>,
  ): Promise<T> {
    const call = this.callOptions(options);
    const worker = await this.pool.acquire(call);
    try {
      return await work(worker, call);
    } finally {
      this.pool.release(worker);
    }
  }
}

export function createSpatialiteEngine(options: SpatialiteEngineOptions): SpatialiteEngine {
  return new SpatialiteEngine(options);
}
