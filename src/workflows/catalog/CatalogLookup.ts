import type { CatalogDescription } from '../../engines/Engine.ts';
import { type ColumnSchema, columnTypeFromEngine } from './ColumnSchema.ts';

/** A table of the connection, as validation and compilation see it. */
export interface CatalogTable {
  schema?: string;
  name: string;
  columns: ColumnSchema[];
  /** Geometry column name → the SpatiaLite R*Tree table indexing it (pkid = rowid), when there is one. */
  spatialIndexTables?: Record<string, string>;
}

/** What validation and compilation need from a connection: a table's columns, by name. */
export interface CatalogLookup {
  /** `name` is a bare table name or `schema.table`. */
  table(name: string): CatalogTable | undefined;
  /** Table names for error messages ("known tables: …"). */
  tableNames(): string[];
}

/** Builds a lookup from an engine's `describe()` result. */
export function catalogFromDescription(description: CatalogDescription): CatalogLookup {
  const byName = new Map<string, CatalogTable>();
  for (const table of description.tables) {
    const entry: CatalogTable = {
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
    const indexed = table.columns.filter((c) => c.spatialIndexTable);
    if (indexed.length)
      entry.spatialIndexTables = Object.fromEntries(indexed.map((c) => [c.name, c.spatialIndexTable!]));
    if (table.schema) byName.set(`${table.schema}.${table.name}`, entry);
    // Bare names resolve to the first schema listed that has the table (the search path).
    if (!byName.has(table.name)) byName.set(table.name, entry);
  }
  return {
    table: (name) => byName.get(name),
    tableNames: () => [...new Set(description.tables.map((t) => t.name))].sort(),
  };
}
