import { EngineError, type CompiledQuery, type TableWrite } from '../Engine.ts';

/** Names the compiler accepts for saved tables and the engine accepts for save schemas. */
export const SAVE_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * The statement that stores `write` in `schema`: the compiler's `CREATE TABLE "<table>" AS …`
 * with the table qualified by the connection's save schema, so a saved table can only ever land
 * there. Anything but exactly that prefix (and a plain name) is refused rather than rewritten.
 */
export function saveTableStatement(write: TableWrite, schema: string): CompiledQuery {
  if (!SAVE_NAME_PATTERN.test(write.table)) {
    throw new EngineError(
      'sql',
      'a saved table name is letters, digits and _ (max 63), starting with a letter or _',
    );
  }
  const prefix = `CREATE TABLE ${quote(write.table)} AS `;
  const select = write.statement.sql.startsWith(prefix) ? write.statement.sql.slice(prefix.length) : '';
  if (!/^(WITH|SELECT)\s/i.test(select))
    throw new EngineError(
      'sql',
      'a save-as-table statement must be CREATE TABLE … AS one query, as the workflow compiler builds it',
    );
  return {
    sql: `CREATE TABLE ${quote(schema)}.${quote(write.table)} AS ${select}`,
    params: write.statement.params,
  };
}
