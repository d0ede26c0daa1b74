import type { CatalogDescription } from '../../engines/Engine.ts';
import { type ColumnSchema, columnTypeFromEngine } from './ColumnSchema.ts';

/** What validation and compilation need from a connection: a table's columns, by name. */
export interface CatalogLookup {
  /** `name` is a bare table name or `schema.table`. */
  table(name: string): { schema?: string; name: string; columns: ColumnSchema[] } | undefined;
  /** Table names for error messages ("known tables: …"). */
  tableNames(): string[];
}

/** Builds a lookup from an engine's `describe()` result. */
export function catalogFromDescription(description: CatalogDescription): CatalogLookup {
  const byName = new Map<string, { schema?: string; name: string; columns: ColumnSchema[] }>();
  for (const table of description.tables) {
    const entry = {
      schema: table.schema || undefined,
      name: table.name,
      columns: table.columns.map((c) => {
        const type = columnTypeFromEngine(c.type);
        const column: ColumnSchema = { name: c.name, type };
        if (type === 'geometry') {
          column.srid = c.srid ?? 4326;
          if (c.geometryType) column.geometryType = c.geometryType.toUpperCase();
        }
        return column;
      }),
    };
    if (table.schema) byName.set(`${table.schema}.${table.name}`, entry);
    // Bare names resolve to the first schema listed that has the table (the search path).
    if (!byName.has(table.name)) byName.set(table.name, entry);
  }
  return {
    table: (name) => byName.get(name),
    tableNames: () => [...new Set(description.tables.map((t) => t.name))].sort(),
  };
}
