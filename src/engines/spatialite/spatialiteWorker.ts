/**
 * One spl.js (SpatiaLite in WASM) instance in a worker thread. spl.js is synchronous, so every
 * query blocks this thread, never the server's event loop; the pool terminates the thread to
 * stop a runaway query, because WASM cannot be interrupted from outside.
 *
 * A read handle opens the host file itself, through Emscripten's NODEFS, so SQLite reads the
 * pages a query needs instead of holding a copy of the whole file in each worker (measured: 145
 * instead of 178–213 MB RSS for one instance over the 18 MB demo file). It never mounts the data
 * directory, which would expose the other files there to SQL: it hard-links the file into a
 * fresh private directory, mounts that, opens the database and removes the directory again; the
 * open descriptor keeps reading the same file. NODEFS has no locking, which is safe because the
 * file is never changed in place: the write handle persists by writing a complete new file and
 * renaming it over the old one, and a read handle reopens when the file's inode, size or mtime
 * changes. Where the link cannot be made (another filesystem, a read-only directory) the file is
 * read into memory as before. The write handle always works on an in-memory copy.
 */
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import {
  EngineError,
  type CatalogDescription,
  type ColumnDescription,
  type TableDescription,
} from '../Engine.ts';
import { loadStrictSpl, type StrictDb, type StrictSpl } from './loadStrictSpl.ts';
import { SplCursor } from './SplCursor.ts';
import type {
  CheckedStatement,
  RowsPayload,
  SpatialiteWorkerData,
  SpatialiteWorkerHello,
  SpatialiteWorkerRequest,
  SpatialiteWorkerResponse,
  StreamBatch,
} from './workerProtocol.ts';

const port = parentPort!;
const { file, readOnly } = workerData as SpatialiteWorkerData;

let spl: StrictSpl;
let db: StrictDb | undefined;
let stamp = '';
/** The open stream's statement: one at a time, since the pool lends a worker to one caller. */
let cursor: SplCursor | undefined;

/**
 * A stream batch ends at this many bytes of decoded values even before its row count, so rows
 * with large geometries still travel in bounded pieces.
 */
const STREAM_BATCH_BYTES = 8 * 1024 * 1024;

const geometryTypes = [
  'GEOMETRY',
  'POINT',
  'LINESTRING',
  'POLYGON',
  'MULTIPOINT',
  'MULTILINESTRING',
  'MULTIPOLYGON',
  'GEOMETRYCOLLECTION',
];
const dimensionSuffix = ['', 'Z', 'M', 'ZM'];

function fileStamp(): string | undefined {
  try {
    const s = statSync(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}

let mounted: string | undefined;
let mounts = 0;

function openCopy(): StrictDb {
  const bytes = readFileSync(file);
  return spl.db(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
  ) as StrictDb;
}

/**
 * A worker stopped while opening (the pool terminates threads) leaves its link directory; one
 * older than a minute is no other worker's opening in progress.
 */
function removeStaleLinks(prefix: string): void {
  try {
    for (const name of readdirSync(dirname(file))) {
      if (!name.startsWith(prefix)) continue;
      const path = join(dirname(file), name);
      if (Date.now() - statSync(path).mtimeMs > 60_000) rmSync(path, { recursive: true, force: true });
    }
  } catch {
    // a directory we cannot list or clean: the link is only tidiness, not safety
  }
}

/** The host file through a private hard link (see the top of this file), or undefined. */
function openInPlace(): StrictDb | undefined {
  let dir: string;
  const prefix = `.${basename(file)}-read-`;
  removeStaleLinks(prefix);
  try {
    dir = mkdtempSync(join(dirname(file), prefix));
  } catch {
    return undefined;
  }
  try {
    const name = 'db.sqlite';
    linkSync(file, join(dir, name));
    const point = `/host${++mounts}`;
    spl.fs.mount(dir, point);
    mounted = point;
    const handle = spl.db(`${point}/${name}`) as StrictDb;
    // Reading the schema proves the file opened as a database before its name disappears.
    handle.exec('SELECT count(*) FROM sqlite_master');
    return handle;
  } catch {
    if (mounted) spl.fs.unmount(mounted);
    mounted = undefined;
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function open(): void {
  const current = fileStamp();
  if (current === undefined && readOnly)
    throw new EngineError('unavailable', 'the embedded database file does not exist');
  db?.close();
  db = undefined;
  if (mounted) spl.fs.unmount(mounted);
  mounted = undefined;
  if (current === undefined) {
    db = spl.db() as StrictDb;
  } else {
    db = (readOnly ? openInPlace() : undefined) ?? openCopy();
  }
  stamp = current ?? '';
  // The full proj.db (mounted read-only from the spl.js package) instead of the embedded minimal one.
  db.exec("SELECT PROJ_SetDatabasePath('/proj/proj.db')");
  const unsafe = db.exec(
    "SELECT count(*) FROM pragma_function_list WHERE name IN ('blobfromfile','blobtofile','eval','importshp','exportshp','load_extension')",
  ).get.first as number;
  if (unsafe !== 0)
    throw new Error(
      'SpatiaLite file functions are registered: refusing to serve (SPATIALITE_SECURITY is not strict)',
    );
  if (readOnly) db.exec('PRAGMA query_only = 1');
}

/** A read handle follows the file: another process (or the write handle) may have replaced it. */
function current(): StrictDb {
  if (!db || (readOnly && fileStamp() !== stamp)) open();
  return db!;
}

function toPayload(cols: string[], rows: unknown[][]): RowsPayload {
  const columns = cols.map((name, c) => {
    let type = 'null';
    for (const row of rows) {
      const v = row[c];
      if (v === null || v === undefined) continue;
      if (typeof v === 'number') {
        type = Number.isInteger(v) && type !== 'real' ? 'integer' : 'real';
        if (type === 'real') break;
        continue;
      }
      type = typeof v === 'string' ? 'text' : 'blob';
      break;
    }
    return { name, type };
  });
  for (const row of rows) {
    for (let c = 0; c < row.length; c++)
      if (row[c] instanceof ArrayBuffer) row[c] = new Uint8Array(row[c] as ArrayBuffer);
  }
  return { columns, rows };
}

/** The wrap makes SQLite itself refuse anything but a single SELECT, and caps the rows read. */
function wrapSelect(statement: CheckedStatement, limit: number): string {
  return `SELECT * FROM (\n${statement.sql}\n) LIMIT ${Math.max(0, Math.floor(limit))}`;
}

function select(statement: CheckedStatement, limit: number): RowsPayload {
  const handle = current();
  handle.exec(wrapSelect(statement, limit), statement.params);
  const result = handle.get;
  return toPayload(result.cols, result.rows);
}

function describe(): CatalogDescription {
  const handle = current();
  const objects = handle.exec(
    "SELECT name, type FROM sqlite_master WHERE type IN ('table','view') AND GetDbObjectScope(NULL, name) LIKE 'userland%' AND name NOT IN ('KNN','KNN2') ORDER BY name",
  ).get.rows as [string, string][];
  const geometry = new Map<string, { type: string; srid: number; spatialIndexTable?: string }>();
  const hasMetadata =
    handle.exec("SELECT count(*) FROM sqlite_master WHERE name = 'geometry_columns'").get.first === 1;
  if (hasMetadata) {
    // spatial_index_enabled = 1 is an R*Tree (2 is the older MbrCache); it is only used when its
    // virtual table is really there.
    for (const [table, column, code, srid, rtree] of handle.exec(
      "SELECT g.f_table_name, g.f_geometry_column, g.geometry_type, g.srid, (SELECT m.name FROM sqlite_master AS m WHERE g.spatial_index_enabled = 1 AND m.type = 'table' AND lower(m.name) = lower('idx_' || g.f_table_name || '_' || g.f_geometry_column)) FROM geometry_columns AS g",
    ).get.rows as [string, string, number, number, string | null][]) {
      const base = geometryTypes[code % 1000] ?? 'GEOMETRY';
      geometry.set(`${table.toLowerCase()}.${column.toLowerCase()}`, {
        type: base + (dimensionSuffix[Math.floor(code / 1000)] ?? ''),
        srid,
        ...(rtree ? { spatialIndexTable: rtree } : {}),
      });
    }
  }
  const tables: TableDescription[] = objects.map(([name, kind]) => {
    const columns: ColumnDescription[] = (
      handle.exec('SELECT name, type, "notnull" FROM pragma_table_info(?)', [name]).get.rows as [
        string,
        string,
        number,
      ][]
    ).map(([column, type, notnull]) => {
      const geom = geometry.get(`${name.toLowerCase()}.${column.toLowerCase()}`);
      return geom
        ? {
            name: column,
            type: 'geometry',
            nullable: notnull === 0,
            geometryType: geom.type,
            srid: geom.srid,
            // A view's rows have no rowid of their own to look up in the table's index.
            ...(geom.spatialIndexTable && kind === 'table'
              ? { spatialIndexTable: geom.spatialIndexTable }
              : {}),
          }
        : { name: column, type: (type || 'any').toLowerCase(), nullable: notnull === 0 };
    });
    const table: TableDescription = { schema: 'main', name, columns };
    if (kind === 'table')
      table.rowEstimate = handle.exec(`SELECT count(*) FROM "${name.replaceAll('"', '""')}"`).get
        .first as number;
    return table;
  });
  return { schemas: ['main'], tables };
}

function persist(handle: StrictDb): void {
  const bytes = new Uint8Array(handle.save() as ArrayBuffer);
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(tmp);
    throw error;
  }
  closeSync(fd);
  renameSync(tmp, file);
  stamp = fileStamp() ?? '';
}

function write(statements: CheckedStatement[]): { statements: number } {
  if (readOnly) throw new EngineError('forbidden', 'this connection is read-only');
  const handle = current();
  handle.exec('BEGIN');
  try {
    // consecutive statements with the same text run as one prepared statement over many rows
    for (let i = 0; i < statements.length;) {
      const sql = statements[i]!.sql;
      let j = i;
      while (j < statements.length && statements[j]!.sql === sql && statements[j]!.params.length > 0) j++;
      if (j === i) {
        handle.exec(sql);
        i++;
      } else {
        handle.exec(
          sql,
          statements.slice(i, j).map((s) => s.params),
        );
        i = j;
      }
    }
    handle.exec('COMMIT');
  } catch (error) {
    try {
      handle.exec('ROLLBACK');
    } catch {
      // SQLite may already have rolled back (e.g. after a constraint failure)
    }
    throw error;
  }
  persist(handle);
  return { statements: statements.length };
}

/** Finalizes the open stream's statement, if any, so nothing holds the connection. */
function closeCursor(): void {
  cursor?.close();
  cursor = undefined;
}

function handle(request: SpatialiteWorkerRequest): unknown {
  // A stream its caller abandoned without closing must not outlive into the next caller's work.
  if (request.op !== 'streamNext' && request.op !== 'streamClose') closeCursor();
  switch (request.op) {
    case 'query':
      return select(request.statement, request.limit);
    case 'describe':
      return describe();
    case 'write':
      return write(request.statements);
    case 'streamOpen': {
      const handle = current();
      cursor = new SplCursor(
        spl.module,
        handle.pointer,
        wrapSelect(request.statement, request.limit),
        request.statement.params,
      );
      return { columns: cursor.columns };
    }
    case 'streamNext': {
      if (!cursor) return { rows: [], done: true } satisfies StreamBatch;
      const started = performance.now();
      try {
        const batch = cursor.next(request.count, STREAM_BATCH_BYTES);
        return { ...batch, ms: performance.now() - started } satisfies StreamBatch;
      } finally {
        if (!cursor.open) cursor = undefined;
      }
    }
    case 'streamClose':
      closeCursor();
      return null;
  }
}

function toError(error: unknown): { code: EngineError['code']; message: string } {
  if (error instanceof EngineError) return { code: error.code, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  if (/readonly database|query_only/i.test(message))
    return { code: 'forbidden', message: 'writes are not allowed on this connection' };
  // SQLite messages name the statement's own tables and columns, never host paths: safe to show
  return { code: 'sql', message };
}

async function main(): Promise<void> {
  try {
    const loaded = await loadStrictSpl();
    spl = await loaded.SPL({ autoJSON: false, autoGeoJSON: false });
    spl.fs.mount(loaded.projDir, '/proj');
    open();
  } catch (error) {
    port.postMessage({ hello: 'failed', error: toError(error) } satisfies SpatialiteWorkerHello);
    return;
  }
  port.on('message', (request: SpatialiteWorkerRequest) => {
    let response: SpatialiteWorkerResponse;
    try {
      response = { id: request.id, ok: true, result: handle(request) };
    } catch (error) {
      response = { id: request.id, ok: false, error: toError(error) };
    }
    port.postMessage(response);
  });
  port.postMessage({ hello: 'ready' } satisfies SpatialiteWorkerHello);
}

void main();
