import type pg from 'pg';
import type { CatalogDescription, ColumnDescription, TableDescription } from '../Engine.ts';

interface ColumnRow {
  schema: string;
  table: string;
  relkind: string;
  reltuples: number;
  column: string;
  type: string;
  nullable: boolean;
  geometry_type: string | null;
  srid: number | null;
}

/**
 * What the connection's role can read: tables, views, materialized views and foreign tables it
 * has SELECT on, outside the system schemas and outside extensions (spatial_ref_sys, topology…),
 * with geometry type and SRID from PostGIS's `geometry_columns` and row estimates from
 * `pg_class.reltuples` (absent until the table was analysed).
 */
export async function describePostgis(client: pg.PoolClient): Promise<CatalogDescription> {
  const postgis = await client.query<{ schema: string }>(
    "SELECT extnamespace::regnamespace::text AS schema FROM pg_extension WHERE extname = 'postgis'",
  );
  const geometryColumns = postgis.rows[0] ? `${postgis.rows[0].schema}.geometry_columns` : undefined;
  const geometryJoin = geometryColumns
    ? `LEFT JOIN ${geometryColumns} gc ON gc.f_table_schema = n.nspname AND gc.f_table_name = c.relname AND gc.f_geometry_column = a.attname`
    : '';
  const geometrySelect = geometryColumns
    ? 'gc.type AS geometry_type, gc.srid'
    : 'NULL::text AS geometry_type, NULL::int AS srid';
  const { rows } = await client.query<ColumnRow>(`
    SELECT n.nspname AS schema, c.relname AS table, c.relkind::text AS relkind, c.reltuples::float8 AS reltuples,
           a.attname AS column, format_type(a.atttypid, NULL) AS type, NOT a.attnotnull AS nullable, ${geometrySelect}
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    ${geometryJoin}
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
      AND has_table_privilege(c.oid, 'SELECT')
    ORDER BY n.nspname, c.relname, a.attnum`);
  const schemas = await client.query<{ schema: string }>(`
    SELECT nspname AS schema FROM pg_namespace n
    WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_%'
      AND has_schema_privilege(n.oid, 'USAGE')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e')
    ORDER BY 1`);

  const tables = new Map<string, TableDescription>();
  for (const row of rows) {
    const key = `${row.schema}\u0000${row.table}`;
    let table = tables.get(key);
    if (!table) {
      table = { schema: row.schema, name: row.table, columns: [] };
      if ((row.relkind === 'r' || row.relkind === 'p' || row.relkind === 'm') && row.reltuples >= 0)
        table.rowEstimate = Math.round(row.reltuples);
      tables.set(key, table);
    }
    const column: ColumnDescription = { name: row.column, type: row.type, nullable: row.nullable };
    if (row.geometry_type !== null) {
      column.geometryType = row.geometry_type.toUpperCase();
      if (row.srid !== null) column.srid = row.srid;
    }
    table.columns.push(column);
  }
  return { schemas: schemas.rows.map((r) => r.schema), tables: [...tables.values()] };
}
