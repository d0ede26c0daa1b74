import type { LayerStyle } from './mapDefinition.ts';
import type { Legend } from './renderedMap.ts';
import { MapRenderError } from './MapRenderError.ts';

/** Colours for categories the style does not list (Tableau 10: distinct, readable on light backgrounds). */
export const CATEGORY_PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

type Value = string | number | boolean | null;

/**
 * Completes a layer's colour-by from its data, so every renderer draws the same colours: the
 * categories get palette colours (most frequent values first) when the style names none, a ramp
 * gets its domain from the column's range when it has none. Returns the filled style and the
 * legend that describes it.
 */
export function fillLegend(
  style: LayerStyle,
  values: Value[],
  field: string,
): { style: LayerStyle; legend: Legend | null } {
  const colorBy = style.colorBy;
  if (!colorBy) return { style, legend: null };
  if (colorBy.kind === 'categories') {
    let categories = colorBy.categories;
    if (categories.length === 0) {
      const counts = new Map<string | number | boolean, number>();
      for (const v of values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
      categories = [...counts.entries()]
        .sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])))
        .slice(0, CATEGORY_PALETTE.length)
        .map(([value], i) => ({ value, color: CATEGORY_PALETTE[i]! }));
    }
    const listed = new Set(categories.map((c) => String(c.value)));
    const hasOther = values.some((v) => v === null || !listed.has(String(v)));
    const entries = categories.map((c) => ({ label: String(c.value), color: c.color }));
    if (hasOther) entries.push({ label: 'Other', color: colorBy.otherColor });
    return {
      style: { ...style, colorBy: { ...colorBy, categories } },
      legend: { kind: 'categories', column: colorBy.column, entries },
    };
  }
  let domain = colorBy.domain;
  if (!domain) {
    const numbers = values
      .map((v) => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN))
      .filter(Number.isFinite);
    if (numbers.length === 0 && values.some((v) => v !== null)) {
      throw new MapRenderError(
        `The column "${colorBy.column}" has no numbers, so it cannot be coloured on a ramp; use "kind": "categories" or a numeric column.`,
        `${field}.colorBy.column`,
      );
    }
    domain = numbers.length
      ? [numbers.reduce((a, b) => Math.min(a, b)), numbers.reduce((a, b) => Math.max(a, b))]
      : [0, 1];
  }
  return {
    style: { ...style, colorBy: { ...colorBy, domain } },
    legend: { kind: 'ramp', column: colorBy.column, min: domain[0], max: domain[1], colors: colorBy.colors },
  };
}
