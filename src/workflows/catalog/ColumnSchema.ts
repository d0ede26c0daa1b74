/**
 * Column types as the compiler reasons about them, independent of the engine's spelling. The
 * output schema of every node is computed from these at compile time, so validation can say
 * "column X is text, not geometry" before anything runs.
 */
export type ColumnType = 'integer' | 'number' | 'text' | 'boolean' | 'date' | 'geometry' | 'unknown';

export interface ColumnSchema {
  name: string;
  type: ColumnType;
  /** Geometry columns: the SRID when known (assumed 4326 when the catalog does not say). */
  srid?: number;
  /** Geometry columns: upper-case OGC type (POINT, MULTIPOLYGON, …) when known. */
  geometryType?: string;
}

/** Maps an engine type name (`ColumnDescription.type`) to a compiler column type. */
export function columnTypeFromEngine(engineType: string): ColumnType {
  const t = engineType.toLowerCase().trim();
  if (
    /^(geometry|geography|point|multipoint|linestring|multilinestring|polygon|multipolygon|geometrycollection)\b/.test(
      t,
    )
  ) {
    return 'geometry';
  }
  if (/^(int|integer|bigint|smallint|int2|int4|int8|serial|bigserial)\b/.test(t)) return 'integer';
  if (/^(real|double|float|numeric|decimal)/.test(t)) return 'number';
  if (/^(bool|boolean)\b/.test(t)) return 'boolean';
  if (/^(date|timestamp)/.test(t)) return 'date';
  if (/^(text|varchar|character|char|citext|name|uuid|json|jsonb|clob)/.test(t)) return 'text';
  return 'unknown';
}

export function isNumeric(type: ColumnType): boolean {
  return type === 'integer' || type === 'number';
}

export function findColumn(columns: ColumnSchema[], name: string): ColumnSchema | undefined {
  return columns.find((c) => c.name === name);
}

export function columnNames(columns: ColumnSchema[]): string {
  return columns.map((c) => `${c.name} (${c.type})`).join(', ') || '(none)';
}
