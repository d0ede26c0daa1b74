import { z } from 'zod';
import { ComponentConfigError } from '../validation/WorkflowIssue.ts';
import { ident, sql } from '../sql/SqlNode.ts';
import { columnRef, requireColumn } from './columnRules.ts';
import { defineComponent } from './Component.ts';
import { selectColumns } from './selectColumns.ts';

const config = z.strictObject({
  table: z.string().min(1).max(256).describe('table name, or schema.table'),
  columns: z.array(columnRef).min(1).optional().describe('columns to read (default: all)'),
});

export const table = defineComponent({
  name: 'table',
  category: 'source',
  description:
    'Reads the rows of a table of the connection. Columns and their types come from the connection catalog; `columns` keeps only some of them.',
  inputs: [],
  config,
  execution: 'sql',
  columns({ config, catalog }) {
    const found = catalog.table(config.table);
    if (!found) {
      throw new ComponentConfigError(
        'unknown_table',
        'table',
        `table "${config.table}" does not exist in the connection`,
        `use one of: ${catalog.tableNames().join(', ') || '(no tables)'}`,
      );
    }
    if (!config.columns) return found.columns;
    return config.columns.map((name, i) => requireColumn(found.columns, name, `columns.${i}`));
  },
  baseTable({ config, catalog }) {
    const found = catalog.table(config.table);
    if (!found) return undefined;
    const names = new Set(found.columns.map((c) => c.name.toLowerCase()));
    const rowid = ['rowid', '_rowid_', 'oid'].find((name) => !names.has(name));
    if (!rowid) return undefined;
    const indexes = found.spatialIndexTables ?? {};
    return {
      relation: found.schema ? ident(found.schema, found.name) : ident(found.name),
      rowid,
      rtree: (column) => {
        const index = Object.hasOwn(indexes, column) ? indexes[column] : undefined;
        if (!index) return undefined;
        return found.schema ? ident(found.schema, index) : ident(index);
      },
    };
  },
  sql({ config, catalog, output }) {
    const found = catalog.table(config.table);
    if (!found) throw new Error(`table ${config.table} vanished between validation and compilation`);
    const from = found.schema ? ident(found.schema, found.name) : ident(found.name);
    return sql`SELECT ${selectColumns(output)} FROM ${from}`;
  },
});
