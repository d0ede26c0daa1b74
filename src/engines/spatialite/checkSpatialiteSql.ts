import { EngineError } from '../Engine.ts';
import { tokenizeSqlite, type SqliteToken } from './tokenizeSqlite.ts';

/**
 * The SQL gate in front of the embedded engine (SECURITY-TESTS G5, G7). spl.js gives us no
 * authorizer and no prepare tail, so this is the layer that sees the text; the others are
 * SPATIALITE_SECURITY=strict (file functions never registered), an in-memory filesystem (no host
 * files to reach), `PRAGMA query_only` on read handles, and the `SELECT * FROM (…) LIMIT n` wrap
 * that makes anything but one SELECT a syntax error.
 */

/** Values spl.js binds faithfully. */
export type SpatialiteParam = null | number | string | ArrayBuffer;

export interface CheckedSpatialiteSql {
  /** The statement without trailing semicolons, with oversized integers cast from text. */
  sql: string;
  params: SpatialiteParam[];
}

export type SpatialiteSqlMode = 'read' | 'write';

/** Functions that reach files, the network, run SQL from strings, or change per-connection state other queries would inherit. */
const deniedFunctions = new Set([
  'load_extension',
  'eval',
  'blobfromfile',
  'blobtofile',
  'readfile',
  'writefile',
  'edit',
  'fts3_tokenizer',
  'sqlite_log',
  'proj_setdatabasepath',
  'proj_guesssridfromshp',
  'proj_guesssridfromzipshp',
  'setdecimalprecision',
]);
const deniedFunctionPrefixes = [
  'import', // ImportSHP, ImportDBF, ImportDXF, ImportWFS, ImportGeoJSON, ImportXLS, ImportZip…
  'export', // ExportSHP, ExportDBF, ExportDXF, ExportGeoJSON(2), ExportKML
  'zipfile_',
  'sqlproc_', // SqlProc_Execute runs a multi-statement script, PRAGMAs included
  'storedproc_',
  'storedvar_',
  'xb_', // XB_LoadXML / XB_StoreXML read and write files
  'wms_',
  'bufferoptions_set',
  'bufferoptions_reset',
  'sequence_',
  'enable', // EnableGpkgMode, EnablePause, EnableTinyPoint…: connection-wide switches
  'disable',
];
/** Never allowed anywhere as bare words (transaction control is refused by the allowed first words). */
const deniedKeywords = new Set(['attach', 'detach', 'pragma', 'vacuum', 'virtual']);
const readStarts = new Set(['select', 'with', 'values']);
const writeStarts = new Set([
  'select',
  'with',
  'values',
  'create',
  'insert',
  'replace',
  'update',
  'delete',
  'drop',
  'alter',
  'analyze',
  'reindex',
]);

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function isDeniedFunction(name: string): boolean {
  return deniedFunctions.has(name) || deniedFunctionPrefixes.some((p) => name.startsWith(p));
}

/**
 * Checks one statement for the embedded engine and prepares its parameters for spl.js.
 * Throws `EngineError('forbidden')` for anything outside the allowed shape and
 * `EngineError('sql')` for parameters that cannot be bound.
 */
export function checkSpatialiteSql(
  sql: string,
  params: readonly unknown[] = [],
  mode: SpatialiteSqlMode = 'read',
): CheckedSpatialiteSql {
  return prepareSpatialiteSql(sql, mode).bind(params);
}

export interface PreparedSpatialiteSql {
  /** Binds one set of parameters (validated, int64-safe) to the checked statement. */
  bind(params?: readonly unknown[]): CheckedSpatialiteSql;
}

/** The text checks of `checkSpatialiteSql`, once, for a statement bound many times (bulk inserts). */
export function prepareSpatialiteSql(sql: string, mode: SpatialiteSqlMode = 'read'): PreparedSpatialiteSql {
  const tokens = tokenizeSqlite(sql);
  let last = tokens.length;
  while (last > 0 && tokens[last - 1]!.kind === 'semicolon') last--;
  const body = tokens.slice(0, last);
  if (body.length === 0) throw new EngineError('sql', 'the query is empty');
  if (body.some((t) => t.kind === 'semicolon')) {
    throw new EngineError('forbidden', 'only one SQL statement is allowed per query');
  }

  const first = body[0]!;
  const starts = mode === 'read' ? readStarts : writeStarts;
  if (first.kind !== 'word' || !starts.has(first.name!)) {
    throw new EngineError(
      'forbidden',
      mode === 'read'
        ? 'only SELECT, WITH or VALUES queries can run on a read-only connection'
        : `statements starting with "${first.text.slice(0, 20)}" are not allowed`,
    );
  }

  body.forEach((token, index) => {
    if (token.kind === 'word' && deniedKeywords.has(token.name!)) {
      throw new EngineError('forbidden', `${token.name!.toUpperCase()} is not allowed`);
    }
    const next = body[index + 1];
    if (
      (token.kind === 'word' || token.kind === 'quoted') &&
      next?.kind === 'lparen' &&
      isDeniedFunction(token.name!)
    ) {
      throw new EngineError('forbidden', `the function ${token.text} is not allowed`);
    }
  });

  const text = sql.slice(0, body[body.length - 1]!.end);
  return { bind: (params = []) => bindParams(text, body, params) };
}

/** Validates parameters, and works around spl.js binding every integer with sqlite3_bind_int (32 bits). */
function bindParams(sql: string, tokens: SqliteToken[], params: readonly unknown[]): CheckedSpatialiteSql {
  const placeholders: { token: SqliteToken; index: number }[] = [];
  let highest = 0;
  for (const token of tokens) {
    if (token.kind !== 'param') continue;
    if (!token.text.startsWith('?')) {
      throw new EngineError('sql', `named parameter ${token.text} is not supported: use ? placeholders`);
    }
    const index = token.text.length > 1 ? Number(token.text.slice(1)) : highest + 1;
    if (!Number.isInteger(index) || index < 1 || index > 32766)
      throw new EngineError('sql', `invalid placeholder ${token.text}`);
    highest = Math.max(highest, index);
    placeholders.push({ token, index });
  }
  if (params.length !== highest) {
    throw new EngineError(
      'sql',
      `the query has ${highest} parameter placeholder(s) but ${params.length} value(s) were given`,
    );
  }

  const casts = new Map<number, 'INTEGER' | 'REAL'>();
  const bound = params.map((value, i): SpatialiteParam => {
    const label = `parameter ${i + 1}`;
    if (value === null || value === undefined) return null;
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (typeof value === 'string') return value;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new EngineError('sql', `${label} is not a finite number`);
      if (!Number.isInteger(value) || (value >= INT32_MIN && value <= INT32_MAX)) return value;
      casts.set(i + 1, Number.isSafeInteger(value) ? 'INTEGER' : 'REAL');
      return Number.isSafeInteger(value) ? String(value) : value.toExponential();
    }
    if (typeof value === 'bigint') {
      if (value < INT64_MIN || value > INT64_MAX)
        throw new EngineError('sql', `${label} is outside the 64-bit integer range`);
      casts.set(i + 1, 'INTEGER');
      return value.toString();
    }
    if (value instanceof ArrayBuffer) return value;
    if (ArrayBuffer.isView(value)) {
      const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      return bytes.slice().buffer;
    }
    if (value instanceof Date) {
      if (Number.isNaN(value.getTime())) throw new EngineError('sql', `${label} is an invalid date`);
      return value.toISOString();
    }
    throw new EngineError(
      'sql',
      `${label} has an unsupported type (${Array.isArray(value) ? 'array' : typeof value})`,
    );
  });

  if (casts.size === 0) return { sql, params: bound };
  let out = '';
  let at = 0;
  for (const { token, index } of placeholders) {
    const cast = casts.get(index);
    if (!cast) continue;
    out += `${sql.slice(at, token.start)}CAST(?${index} AS ${cast})`;
    at = token.end;
  }
  return { sql: out + sql.slice(at), params: bound };
}
