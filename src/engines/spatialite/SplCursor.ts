import type { SpatialiteParam } from './checkSpatialiteSql.ts';
import type { SplModule } from './loadStrictSpl.ts';

const SQLITE_OK = 0;
const SQLITE_ROW = 100;
const SQLITE_DONE = 101;
const SQLITE_INTEGER = 1;
const SQLITE_FLOAT = 2;
const SQLITE_TEXT = 3;
const SQLITE_BLOB = 4;

/** The sqlite3 C functions a cursor calls, wrapped once per spl.js instance. */
function sqliteApi(module: SplModule) {
  const f = module.cwrap;
  return {
    prepare: f('sqlite3_prepare_v2', 'number', ['number', 'number', 'number', 'number', 'number']) as (
      db: number,
      sql: number,
      bytes: number,
      statement: number,
      tail: number,
    ) => number,
    bindText: f('sqlite3_bind_text', 'number', ['number', 'number', 'number', 'number', 'number']) as (
      statement: number,
      index: number,
      text: number,
      bytes: number,
      destructor: number,
    ) => number,
    bindBlob: f('sqlite3_bind_blob', 'number', ['number', 'number', 'number', 'number', 'number']) as (
      statement: number,
      index: number,
      data: number,
      bytes: number,
      destructor: number,
    ) => number,
    bindInt: f('sqlite3_bind_int', 'number', ['number', 'number', 'number']) as (
      statement: number,
      index: number,
      value: number,
    ) => number,
    bindDouble: f('sqlite3_bind_double', 'number', ['number', 'number', 'number']) as (
      statement: number,
      index: number,
      value: number,
    ) => number,
    bindNull: f('sqlite3_bind_null', 'number', ['number', 'number']) as (
      statement: number,
      index: number,
    ) => number,
    step: f('sqlite3_step', 'number', ['number']) as (statement: number) => number,
    columnCount: f('sqlite3_column_count', 'number', ['number']) as (statement: number) => number,
    columnName: f('sqlite3_column_name', 'string', ['number', 'number']) as (
      statement: number,
      i: number,
    ) => string,
    columnType: f('sqlite3_column_type', 'number', ['number', 'number']) as (
      statement: number,
      i: number,
    ) => number,
    columnDouble: f('sqlite3_column_double', 'number', ['number', 'number']) as (
      statement: number,
      i: number,
    ) => number,
    columnText: f('sqlite3_column_text', 'string', ['number', 'number']) as (
      statement: number,
      i: number,
    ) => string,
    columnBlob: f('sqlite3_column_blob', 'number', ['number', 'number']) as (
      statement: number,
      i: number,
    ) => number,
    columnBytes: f('sqlite3_column_bytes', 'number', ['number', 'number']) as (
      statement: number,
      i: number,
    ) => number,
    finalize: f('sqlite3_finalize', 'number', ['number']) as (statement: number) => number,
    errmsg: f('sqlite3_errmsg', 'string', ['number']) as (db: number) => string,
  };
}

const apis = new WeakMap<SplModule, ReturnType<typeof sqliteApi>>();

/**
 * One prepared statement stepped a batch at a time, so a large result never sits whole in the
 * worker. spl.js's own `exec` steps to the end into one array and offers no step call; this
 * drives the same sqlite3 functions through the handles `loadStrictSpl` exposes, and decodes
 * values exactly as `exec` does with autoJSON/autoGeoJSON off (numbers as doubles, text as
 * strings, blobs as bytes), naming duplicate columns the way `exec` does (`x`, `x1`, …).
 */
export class SplCursor {
  readonly columns: string[];
  private statement = 0;
  private readonly buffers: number[] = [];
  private readonly api: ReturnType<typeof sqliteApi>;

  constructor(
    private readonly module: SplModule,
    private readonly db: number,
    sql: string,
    params: SpatialiteParam[],
  ) {
    let api = apis.get(module);
    if (!api) apis.set(module, (api = sqliteApi(module)));
    this.api = api;
    const text = this.copyText(sql);
    const out = module._malloc(4);
    try {
      module.setValue(out, 0, 'i32');
      if (api.prepare(db, text, -1, out, 0) !== SQLITE_OK) throw new Error(api.errmsg(db));
      this.statement = module.getValue(out, 'i32');
    } finally {
      module._free(out);
    }
    // An empty statement (only a comment) prepares to no statement at all.
    if (!this.statement) {
      this.close();
      throw new Error('the query has no statement');
    }
    try {
      const names: string[] = [];
      for (let i = 0; i < api.columnCount(this.statement); i++) {
        const name = api.columnName(this.statement, i);
        let unique = name;
        for (let n = 1; names.includes(unique); n++) unique = `${name}${n}`;
        names.push(unique);
      }
      this.columns = names;
      params.forEach((value, i) => this.bind(i + 1, value));
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /**
   * Up to `count` rows, fewer once their decoded size passes `byteBudget`; `done` when the
   * statement has no more (the cursor is then closed). An SQL error closes it too.
   */
  next(count: number, byteBudget: number): { rows: unknown[][]; done: boolean } {
    const rows: unknown[][] = [];
    let bytes = 0;
    const { api, statement } = this;
    if (!statement) return { rows, done: true };
    while (rows.length < count && bytes < byteBudget) {
      const code = api.step(statement);
      if (code === SQLITE_DONE) {
        this.close();
        return { rows, done: true };
      }
      if (code !== SQLITE_ROW) {
        const message = api.errmsg(this.db);
        this.close();
        throw new Error(message);
      }
      const row: unknown[] = new Array(this.columns.length);
      for (let c = 0; c < row.length; c++) {
        switch (api.columnType(statement, c)) {
          case SQLITE_INTEGER:
          case SQLITE_FLOAT:
            row[c] = api.columnDouble(statement, c);
            bytes += 8;
            break;
          case SQLITE_TEXT: {
            const value = api.columnText(statement, c);
            row[c] = value;
            bytes += value.length * 2;
            break;
          }
          case SQLITE_BLOB: {
            const pointer = api.columnBlob(statement, c);
            const size = api.columnBytes(statement, c);
            row[c] = new Uint8Array(this.module.HEAP8.buffer.slice(pointer, pointer + size));
            bytes += size;
            break;
          }
          default:
            row[c] = null;
            bytes += 8;
        }
      }
      rows.push(row);
    }
    return { rows, done: false };
  }

  /** Finalizes the statement and frees the bound values; safe to call twice. */
  close(): void {
    if (this.statement) this.api.finalize(this.statement);
    this.statement = 0;
    for (const pointer of this.buffers.splice(0)) this.module._free(pointer);
  }

  get open(): boolean {
    return this.statement !== 0;
  }

  private bind(index: number, value: SpatialiteParam): void {
    const { api, statement } = this;
    let code: number;
    if (value === null) code = api.bindNull(statement, index);
    else if (typeof value === 'number')
      code = Number.isInteger(value)
        ? api.bindInt(statement, index, value)
        : api.bindDouble(statement, index, value);
    else if (typeof value === 'string') {
      const pointer = this.copyText(value);
      code = api.bindText(statement, index, pointer, this.module.lengthBytesUTF8(value), 0);
    } else {
      const bytes = new Uint8Array(value);
      const pointer = this.module._malloc(Math.max(1, bytes.length));
      this.buffers.push(pointer);
      new Uint8Array(this.module.HEAP8.buffer).set(bytes, pointer);
      code = api.bindBlob(statement, index, pointer, bytes.length, 0);
    }
    if (code !== SQLITE_OK) throw new Error(api.errmsg(this.db));
  }

  /** A NUL-terminated UTF-8 copy that lives until `close` (SQLite binds it without copying). */
  private copyText(text: string): number {
    const size = this.module.lengthBytesUTF8(text) + 1;
    const pointer = this.module._malloc(size);
    if (!pointer) throw new Error('unable to allocate memory');
    this.buffers.push(pointer);
    this.module.stringToUTF8(text, pointer, size);
    return pointer;
  }
}
