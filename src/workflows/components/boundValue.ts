import type { ColumnType } from '../catalog/ColumnSchema.ts';
import type { GeoJsonGeometry } from '../document/GeoJsonGeometry.ts';
import { type SqlNode, type ValueType, spatial, val } from '../sql/SqlNode.ts';
import { ComponentConfigError } from '../validation/WorkflowIssue.ts';

/** How a value compared with a column of `type` is bound (PostGIS casts the placeholder). */
export function valueTypeFor(type: ColumnType): ValueType {
  switch (type) {
    case 'integer':
    case 'number':
      return 'float';
    case 'boolean':
      return 'boolean';
    case 'date':
      return 'date';
    default:
      return 'text';
  }
}

/**
 * Binds a scalar compared with a column, refusing values of the wrong JavaScript type: a number
 * column never receives "1;DROP", it gets a clear error instead (SECURITY-TESTS G2).
 */
export function boundScalar(value: unknown, columnType: ColumnType, field: string): SqlNode {
  const type = valueTypeFor(columnType);
  if (type === 'float') {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new ComponentConfigError(
        'type_mismatch',
        field,
        `expected a finite number, got ${describe(value)}`,
        'give a number',
      );
    }
  } else if (type === 'boolean') {
    if (typeof value !== 'boolean') {
      throw new ComponentConfigError(
        'type_mismatch',
        field,
        `expected true or false, got ${describe(value)}`,
        'give a boolean',
      );
    }
  } else if (type === 'date') {
    if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(value)) {
      throw new ComponentConfigError(
        'type_mismatch',
        field,
        `expected a date YYYY-MM-DD, got ${describe(value)}`,
        'give a date',
      );
    }
  } else if (typeof value !== 'string' && typeof value !== 'number') {
    throw new ComponentConfigError(
      'type_mismatch',
      field,
      `expected text, got ${describe(value)}`,
      'give a string',
    );
  }
  if (typeof value === 'string' && value.includes('\u0000')) {
    throw new ComponentConfigError(
      'invalid_config',
      field,
      'text contains a NUL character',
      'remove the NUL (\\u0000) character',
    );
  }
  return val(type === 'text' ? String(value) : value, type);
}

/** A GeoJSON geometry as a bound text parameter parsed by the engine (SRID 4326). */
export function boundGeometry(geometry: GeoJsonGeometry): SqlNode {
  return spatial('geomFromGeoJSON', [val(JSON.stringify(geometry), 'json')]);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${typeof value} (${text.length} characters)` : text;
}
