import type { EngineErrorCode } from '../Engine.ts';
import type { SpatialiteParam } from './checkSpatialiteSql.ts';

/** Messages between `SpatialiteWorkerPool` (main thread) and `spatialiteWorker` (one spl.js instance). */

export interface SpatialiteWorkerData {
  /** Absolute path of the SQLite/SpatiaLite database file on the host. */
  file: string;
  readOnly: boolean;
}

/** A statement already passed through `checkSpatialiteSql` on the main thread. */
export interface CheckedStatement {
  sql: string;
  params: SpatialiteParam[];
}

export type SpatialiteWorkerRequest =
  | { id: number; op: 'query'; statement: CheckedStatement; limit: number }
  | { id: number; op: 'describe' }
  | { id: number; op: 'write'; statements: CheckedStatement[] }
  | { id: number; op: 'streamOpen'; statement: CheckedStatement; limit: number }
  | { id: number; op: 'streamNext'; count: number }
  | { id: number; op: 'streamClose' };

export interface RowsPayload {
  columns: { name: string; type: string }[];
  rows: unknown[][];
}

/** The answer to `streamNext`: `done` once the statement is finished (and finalized). */
export interface StreamBatch {
  rows: unknown[][];
  done: boolean;
  /** Time the worker spent stepping, which the stream's timeout budget counts. */
  ms?: number;
}

export type SpatialiteWorkerResponse =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { code: EngineErrorCode; message: string } };

/** First message a worker sends: the database is open (or could not be). */
export type SpatialiteWorkerHello =
  { hello: 'ready' } | { hello: 'failed'; error: { code: EngineErrorCode; message: string } };
