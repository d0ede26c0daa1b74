import type { LayerStyle } from './mapDefinition.ts';
import { MapRenderError } from './MapRenderError.ts';

/** The columns a layer's style reads (colour-by, then tooltips), each with the definition field that names it. */
export function styleColumns(style: LayerStyle, field: string): { column: string; field: string }[] {
  const columns: { column: string; field: string }[] = [];
  if (style.colorBy) columns.push({ column: style.colorBy.column, field: `${field}.style.colorBy.column` });
  style.tooltipColumns.forEach((column, i) =>
    columns.push({ column, field: `${field}.style.tooltipColumns.${i}` }),
  );
  return columns;
}

/** Fails on the first column the source does not have, listing the ones it has. */
export function checkStyleColumns(
  style: LayerStyle,
  field: string,
  available: string[],
  sourceName: string,
): string[] {
  const needed = styleColumns(style, field);
  for (const { column, field: at } of needed) {
    if (!available.includes(column)) {
      throw new MapRenderError(
        `${sourceName} has no column "${column}". Its columns: ${available.join(', ') || '(none)'}.`,
        at,
      );
    }
  }
  return [...new Set(needed.map((n) => n.column))];
}
