/**
 * Checks an editor's SQL source before it is wrapped as a subquery. This is not the security
 * boundary (engines run read-only, with one statement per query and a denied function list):
 * it gives editors an early, precise error and refuses what could never work inside a subquery.
 */
const deniedFunctions = [
  'load_extension',
  'pg_read_file',
  'pg_read_binary_file',
  'pg_ls_dir',
  'pg_stat_file',
  'lo_import',
  'lo_export',
  'dblink',
  'dblink_exec',
  'pg_sleep',
  'set_config',
  'importwfs',
  'blobfromfile',
  'blobtofile',
  'exportshp',
  'importshp',
  'importdbf',
  'exportdbf',
  'importxls',
  'importgeojson',
  'exportgeojson',
  'exportgeojson2',
  'xb_loadxml',
  'xb_storexml',
];

const deniedKeywords = [
  'attach',
  'detach',
  'pragma',
  'copy',
  'vacuum',
  'insert',
  'update',
  'delete',
  'drop',
  'create',
  'alter',
  'grant',
  'revoke',
  'truncate',
  'set',
  'reset',
  'begin',
  'commit',
  'rollback',
  'call',
  'do',
  'lock',
  'listen',
  'notify',
];

/** Returns a problem description, or undefined when the SQL is acceptable. */
export function readOnlySqlProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'the SQL contains a NUL character';
  const code = stripLiteralsAndComments(text);
  if (code === undefined) return 'the SQL has an unterminated string, quoted identifier or comment';
  const lowered = code.toLowerCase();
  if (!/^\s*(select|with|values)\b/.test(lowered))
    return 'the SQL must be one SELECT (or WITH … SELECT) statement';
  if (code.includes(';')) return 'the SQL must be a single statement without ";"';
  if (/\?|\$\d/.test(code))
    return 'the SQL must not contain placeholders (? or $1): use workflow parameters in filter nodes instead';
  for (const word of lowered.match(/[a-z_][a-z0-9_]*/g) ?? []) {
    if (deniedKeywords.includes(word)) return `the SQL uses "${word}", which a read-only query does not need`;
  }
  for (const fn of deniedFunctions) {
    if (new RegExp(`\\b${fn}\\s*\\(`).test(lowered)) return `the SQL calls ${fn}(), which is not allowed`;
  }
  return undefined;
}

/** Replaces string literals, quoted identifiers and comments with spaces. */
function stripLiteralsAndComments(text: string): string | undefined {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c === "'" || c === '"') {
      const end = findClosingQuote(text, i + 1, c);
      if (end < 0) return undefined;
      out += c === '"' ? ' "" ' : " '' ";
      i = end + 1;
    } else if (c === '-' && next === '-') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end + 1;
      out += ' ';
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) return undefined;
      i = end + 2;
      out += ' ';
    } else if (c === '$') {
      const tag = /^\$[A-Za-z_]*\$/.exec(text.slice(i));
      if (tag) {
        const end = text.indexOf(tag[0], i + tag[0].length);
        if (end < 0) return undefined;
        out += " '' ";
        i = end + tag[0].length;
      } else {
        out += c;
        i += 1;
      }
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

function findClosingQuote(text: string, from: number, quote: string): number {
  let i = from;
  while (i < text.length) {
    if (text[i] === quote) {
      if (text[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i;
    }
    i += 1;
  }
  return -1;
}
