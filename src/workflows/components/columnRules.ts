import { z } from 'zod';
import {
  type ColumnSchema,
  type ColumnType,
  columnNames,
  findColumn,
  isNumeric,
} from '../catalog/ColumnSchema.ts';
import { columnNamePattern } from '../document/WorkflowDocument.ts';
import { ComponentConfigError } from '../validation/WorkflowIssue.ts';

/** A column of an input, referenced by name (any catalog name; it is quoted, never spliced). */
export const columnRef = z.string().min(1).max(128);

/** A name the workflow gives to a new column. */
export const newColumnName = z
  .string()
  .regex(
    columnNamePattern,
    'new column names are letters, digits and _ (max 63), starting with a letter or _',
  );

/** Looks a column up and checks its type, with an error naming the available columns. */
export function requireColumn(
  columns: ColumnSchema[],
  name: string,
  field: string,
  expected?: ColumnType | 'numeric',
): ColumnSchema {
  const column = findColumn(columns, name);
  if (!column) {
    throw new ComponentConfigError(
      'unknown_column',
      field,
      `column "${name}" does not exist in the input`,
      `use one of: ${columnNames(columns)}`,
    );
  }
  if (expected) {
    const ok =
      expected === 'numeric' ? isNumeric(column.type) : column.type === expected || column.type === 'unknown';
    if (!ok) {
      const candidates = columns
        .filter((c) => (expected === 'numeric' ? isNumeric(c.type) : c.type === expected))
        .map((c) => c.name);
      throw new ComponentConfigError(
        'type_mismatch',
        field,
        `column "${name}" is ${column.type}, but this needs a ${expected} column`,
        candidates.length
          ? `use a ${expected} column: ${candidates.join(', ')}`
          : expected === 'geometry'
            ? 'the input has no geometry column; add a source or a make_point node that produces one'
            : `the input has no ${expected} column`,
      );
    }
  }
  return column;
}

/** The configured geometry column, or the input's first geometry column. */
export function geometryColumn(
  columns: ColumnSchema[],
  configured: string | undefined,
  field = 'geometry',
): ColumnSchema {
  if (configured !== undefined) return requireColumn(columns, configured, field, 'geometry');
  const first = columns.find((c) => c.type === 'geometry');
  if (!first) {
    throw new ComponentConfigError(
      'type_mismatch',
      field,
      'the input has no geometry column',
      `feed this node from a node with a geometry column (input columns: ${columnNames(columns)})`,
    );
  }
  return first;
}

/** Appends new columns, refusing names already present (the SQL would be ambiguous). */
export function withAddedColumns(
  columns: ColumnSchema[],
  added: ColumnSchema[],
  field: string,
): ColumnSchema[] {
  for (const column of added) {
    if (findColumn(columns, column.name)) {
      throw new ComponentConfigError(
        'invalid_config',
        field,
        `column "${column.name}" already exists in the input`,
        `choose another name for "${field}"`,
      );
    }
  }
  return [...columns, ...added];
}

export function replaceColumn(columns: ColumnSchema[], replaced: ColumnSchema): ColumnSchema[] {
  return columns.map((c) => (c.name === replaced.name ? replaced : c));
}

export function srid(column: ColumnSchema): number {
  return column.srid ?? 4326;
}
