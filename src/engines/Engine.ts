import { MeridianError } from '../errors/MeridianError.ts';

/**
 * The one interface every engine implements. `workflows/` compiles a graph into a
 * `CompiledQuery` for a dialect; `jobs/` hands it to an engine. Engines know nothing of MCP,
 * OAuth or organizations: callers have already checked who may use the connection.
 */
export type Dialect = 'spatialite' | 'postgis';

/** One SQL statement with positional bound parameters, in the dialect's placeholder style. */
export interface CompiledQuery {
  sql: string;
  params: unknown[];
}

export interface ColumnDescription {
  name: string;
  /** Engine type name, lower-case (`integer`, `text`, `double precision`, `geometry`, …). */
  type: string;
  nullable?: boolean;
  geometryType?: string;
  srid?: number;
  /**
   * Geometry columns with a SpatiaLite spatial index: the R*Tree virtual table (columns pkid =
   * the row's rowid, xmin, xmax, ymin, ymax) holding each row's bounding box.
   */
  spatialIndexTable?: string;
}

export interface TableDescription {
  schema: string;
  name: string;
  columns: ColumnDescription[];
  rowEstimate?: number;
}

export interface CatalogDescription {
  schemas: string[];
  tables: TableDescription[];
}

export interface RunOptions {
  /** Stop after this many rows and report `truncated: true`. */
  maxRows?: number;
  /** Statement timeout; the engine cancels the query and rejects with `EngineError('timeout')`. */
  timeoutMs?: number;
  /** Aborting cancels the running query and rejects with `EngineError('cancelled')`. */
  signal?: AbortSignal;
}

export interface QueryResult {
  columns: { name: string; type: string }[];
  rows: Record<string, unknown>[];
  rowCount: number;
  truncated: boolean;
}

export type EngineErrorCode = 'timeout' | 'cancelled' | 'sql' | 'unavailable' | 'forbidden';

/** A failure safe to show a user: never carries a DSN, password or host. */
export class EngineError extends MeridianError {
  override readonly status: number = 503;
  override readonly showable: boolean = true;

  constructor(
    readonly code: EngineErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/**
 * A compiled save-as-table step: `statement` is `CREATE TABLE "<table>" AS <one read query>`,
 * built by the workflow compiler from the validated graph.
 */
export interface TableWrite {
  table: string;
  statement: CompiledQuery;
}

export interface Engine {
  readonly dialect: Dialect;
  describe(): Promise<CatalogDescription>;
  run(query: CompiledQuery, options?: RunOptions): Promise<QueryResult>;
  /** Rows in batches, for results too large to hold at once. */
  stream(
    query: CompiledQuery,
    options?: RunOptions & { batchSize?: number },
  ): AsyncIterable<Record<string, unknown>[]>;
  /**
   * Stores a workflow's rows in a new table, in a write transaction of its own, where the
   * connection allows it (PostGIS: a save schema is configured). Never replaces a table.
   * Callers check the editor role first; engines without it cannot save.
   */
  saveTable?(
    write: TableWrite,
    options?: Omit<RunOptions, 'maxRows'>,
  ): Promise<{ schema: string; table: string }>;
  close(): Promise<void>;
}
