/**
 * A lexer for SQLite's token rules, just deep enough to see statement boundaries, function
 * calls, keywords and bound-parameter placeholders. spl.js prepares only the first statement of
 * a string and silently drops the rest, and exposes neither `sqlite3_prepare`'s tail nor an
 * authorizer, so the engine has to look at the text itself (SECURITY-TESTS G5/G7).
 * Comments and whitespace are dropped; everything else keeps its source offset.
 */
export type SqliteTokenKind =
  | 'word' // bare identifier or keyword
  | 'quoted' // "x", [x] or `x`: always an identifier (or a string SQLite misreads as one)
  | 'string' // 'x'
  | 'number'
  | 'param' // ?, ?NNN, :name, @name, $name
  | 'semicolon'
  | 'lparen'
  | 'rparen'
  | 'other';

export interface SqliteToken {
  kind: SqliteTokenKind;
  /** Source text of the token. */
  text: string;
  /** For `word` and `quoted`: the identifier with quotes removed, lower-cased. */
  name?: string;
  start: number;
  end: number;
}

const wordStart = /[A-Za-z_\u0080-\uffff]/;
const wordPart = /[A-Za-z0-9_$\u0080-\uffff]/;

/** Splits `sql` into tokens. An unterminated string, identifier or comment runs to the end (as SQLite does, which then reports a syntax error). */
export function tokenizeSqlite(sql: string): SqliteToken[] {
  const tokens: SqliteToken[] = [];
  const n = sql.length;
  let i = 0;
  const push = (kind: SqliteTokenKind, start: number, end: number, name?: string) =>
    tokens.push({ kind, text: sql.slice(start, end), start, end, ...(name === undefined ? {} : { name }) });

  /** End offset of a quoted run opened at `start` with `close`, where a doubled `close` escapes itself (unless `noEscape`). */
  const quotedEnd = (start: number, close: string, noEscape = false): number => {
    let j = start + 1;
    while (j < n) {
      if (sql[j] === close) {
        if (!noEscape && sql[j + 1] === close) {
          j += 2;
          continue;
        }
        return j + 1;
      }
      j++;
    }
    return n;
  };

  while (i < n) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl === -1 ? n : nl + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close === -1 ? n : close + 2;
    } else if (c === "'") {
      const end = quotedEnd(i, "'");
      push('string', i, end);
      i = end;
    } else if (c === '"' || c === '`' || c === '[') {
      const close = c === '[' ? ']' : c;
      const end = quotedEnd(i, close, c === '[');
      const inner = sql.slice(i + 1, Math.max(i + 1, end - 1));
      const name = c === '[' ? inner : inner.split(close + close).join(close);
      push('quoted', i, end, name.toLowerCase());
      i = end;
    } else if (c === ';') {
      push('semicolon', i, i + 1);
      i++;
    } else if (c === '(') {
      push('lparen', i, i + 1);
      i++;
    } else if (c === ')') {
      push('rparen', i, i + 1);
      i++;
    } else if (c === '?') {
      let j = i + 1;
      while (j < n && /[0-9]/.test(sql[j]!)) j++;
      push('param', i, j);
      i = j;
    } else if ((c === ':' || c === '@' || c === '$') && i + 1 < n && wordPart.test(sql[i + 1]!)) {
      let j = i + 1;
      while (j < n && (wordPart.test(sql[j]!) || sql[j] === ':')) j++;
      push('param', i, j);
      i = j;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      let j = i + 1;
      while (j < n && /[0-9A-Za-z_.]/.test(sql[j]!)) {
        // exponent sign: 1e+5
        if ((sql[j] === 'e' || sql[j] === 'E') && (sql[j + 1] === '+' || sql[j + 1] === '-')) j++;
        j++;
      }
      push('number', i, j);
      i = j;
    } else if (wordStart.test(c)) {
      let j = i + 1;
      while (j < n && wordPart.test(sql[j]!)) j++;
      // x'ABCD' blob literal: one string token
      if (j - i === 1 && (c === 'x' || c === 'X') && sql[j] === "'") {
        const end = quotedEnd(j, "'");
        push('string', i, end);
        i = end;
        continue;
      }
      push('word', i, j, sql.slice(i, j).toLowerCase());
      i = j;
    } else {
      push('other', i, i + 1);
      i++;
    }
  }
  return tokens;
}
