import type { Dialect } from '../engines/index.ts';

/**
 * The few SQL spellings the catalog tools need on each engine. Identifiers come only from the
 * engine's own catalog (never from a caller) and are always quoted.
 */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function tableRef(dialect: Dialect, schema: string, table: string): string {
  return dialect === 'postgis' ? `${quoteIdent(schema)}.${quoteIdent(table)}` : quoteIdent(table);
}

/** min x, min y, max x, max y of a geometry column, as four numeric columns. */
export function extentSelect(dialect: Dialect, column: string): string {
  const c = quoteIdent(column);
  return dialect === 'postgis'
    ? `ST_XMin(ST_Extent(${c})) AS minx, ST_YMin(ST_Extent(${c})) AS miny, ST_XMax(ST_Extent(${c})) AS maxx, ST_YMax(ST_Extent(${c})) AS maxy`
    : `MbrMinX(Extent(${c})) AS minx, MbrMinY(Extent(${c})) AS miny, MbrMaxX(Extent(${c})) AS maxx, MbrMaxY(Extent(${c})) AS maxy`;
}

/** A geometry shown in a sample row: its WKT, cut to `max` characters. */
export function geometryPreview(dialect: Dialect, column: string, max = 160): string {
  const c = quoteIdent(column);
  return dialect === 'postgis' ? `substr(ST_AsText(${c}), 1, ${max})` : `substr(AsText(${c}), 1, ${max})`;
}

export function geometryTypeExpr(dialect: Dialect, column: string): string {
  const c = quoteIdent(column);
  return dialect === 'postgis' ? `GeometryType(${c})` : `GeometryType(${c})`;
}
