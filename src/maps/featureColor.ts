import type { LayerStyle } from './mapDefinition.ts';

function hexToRgb(hex: string): [number, number, number] {
  const h = hex.length === 4 ? `#${hex[1]}${hex[1]}${hex[2]}${hex[2]}${hex[3]}${hex[3]}` : hex;
  return [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
}

function rampColor(colors: string[], t: number): string {
  const clamped = Math.max(0, Math.min(1, Number.isFinite(t) ? t : 0));
  const scaled = clamped * (colors.length - 1);
  const i = Math.min(Math.floor(scaled), colors.length - 2);
  const a = hexToRgb(colors[i]!);
  const b = hexToRgb(colors[i + 1]!);
  const f = scaled - i;
  return `rgb(${a.map((v, k) => Math.round(v + (b[k]! - v) * f)).join(',')})`;
}

/** The fill colour of one feature under a (legend-filled) style, as the PNG draws it. */
export function featureColor(style: LayerStyle, properties: Record<string, unknown> | null): string {
  const colorBy = style.colorBy;
  if (!colorBy) return style.fillColor;
  const value = properties?.[colorBy.column];
  if (colorBy.kind === 'categories') {
    const match = colorBy.categories.find((c) => String(c.value) === String(value));
    return match ? match.color : colorBy.otherColor;
  }
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : NaN;
  if (!Number.isFinite(number)) return '#9e9e9e';
  const [min, max] = colorBy.domain ?? [0, 1];
  return rampColor(colorBy.colors, max === min ? 0.5 : (number - min) / (max - min));
}
