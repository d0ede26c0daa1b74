import type { CompiledQuery, Compilable, Kysely } from 'kysely';
import type { Database } from './schema.ts';

/**
 * A query built and compiled once per database handle, then run with fresh parameter values:
 * Kysely's "split building, compiling and executing" pattern. For queries on a per-request hot
 * path (the bearer check on every MCP request), where building and compiling the query tree cost
 * more than SQLite spends running it.
 *
 * `build` receives placeholder values and must pass each one straight through as a bound value
 * (a `where(col, '=', value)` operand, say), never into SQL text or a computation: the compiled
 * statement is checked to bind each placeholder exactly once.
 */
export function reusableQuery<Args extends unknown[], Row>(
  build: (db: Kysely<Database>, ...args: Args) => Compilable<Row>,
  arity: Args['length'],
): (db: Kysely<Database>, ...args: Args) => Promise<Row[]> {
  const compiledFor = new WeakMap<
    Kysely<Database>,
    { sql: string; slots: (number | { value: unknown })[]; template: CompiledQuery<Row> }
  >();
  const prepare = (db: Kysely<Database>) => {
    const marker = `\u0000reusable-query-arg-${Math.random().toString(36).slice(2)}-`;
    const placeholders = Array.from({ length: arity }, (_, index) => `${marker}${index}`) as Args;
    const template = build(db, ...placeholders).compile();
    const slots = template.parameters.map((value) =>
      typeof value === 'string' && value.startsWith(marker) ? Number(value.slice(marker.length)) : { value },
    );
    const bound = slots.filter((slot): slot is number => typeof slot === 'number').sort((a, b) => a - b);
    if (bound.length !== arity || bound.some((slot, index) => slot !== index)) {
      throw new Error(
        `reusableQuery: each of the ${arity} arguments must be bound exactly once (got ${bound.join(', ') || 'none'})`,
      );
    }
    const prepared = { sql: template.sql, slots, template };
    compiledFor.set(db, prepared);
    return prepared;
  };
  return async (db, ...args) => {
    const { sql, slots, template } = compiledFor.get(db) ?? prepare(db);
    const parameters = slots.map((slot) => (typeof slot === 'number' ? args[slot] : slot.value));
    const result = await db.executeQuery<Row>({ ...template, sql, parameters });
    return result.rows;
  };
}
