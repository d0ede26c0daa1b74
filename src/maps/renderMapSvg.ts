import type { Position } from 'geojson';
import type { RenderedMap } from './renderedMap.ts';
import { LINES, POINTS, packMap, type PackedLayer, type PackedMap } from './packMap.ts';

/**
 * The image fallback of render_map, for hosts without MCP Apps, as SVG: a (packed) RenderedMap
 * in Web Mercator, fitted to the saved viewport, else to the features' bounds. Draws what the
 * interactive view draws: layer styles, colour-by, a legend. Every piece of text comes from
 * users or data and is escaped. Rasterized by the PNG worker (mapPngWorker.ts).
 */
export interface PngOptions {
  width?: number;
  height?: number;
}

export const DEFAULT_PNG_SIZE = { width: 800, height: 500 };
const BACKGROUND = '#eef2f5';
const PADDING = 24;
const MAX_FIT_ZOOM = 14;
const SINGLE_POINT_ZOOM = 8;
const TILE = 256;
export const FONT = 'DejaVu Sans';

/** XML text and attribute escaping; characters XML 1.0 cannot carry at all are dropped. */
export function escapeXml(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
      .replace(
        /[&<>"']/g,
        (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
      )
  );
}

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const MAX_LAT = 85.0511287798;

/** Longitude/latitude → Web Mercator world units, 0…1 on both axes (y down). */
function project([lon, lat]: Position): [number, number] {
  const clamped = Math.max(-MAX_LAT, Math.min(MAX_LAT, lat!));
  const sin = Math.sin((clamped * Math.PI) / 180);
  return [(lon! + 180) / 360, 0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)];
}

interface View {
  scale: number;
  cx: number;
  cy: number;
  width: number;
  height: number;
}

function viewFor(map: PackedMap, width: number, height: number): View {
  if (map.viewport) {
    const [cx, cy] = project(map.viewport.center);
    return { scale: TILE * 2 ** map.viewport.zoom, cx, cy, width, height };
  }
  if (map.bounds) {
    const [w, s, e, n] = map.bounds;
    const [x0, y1] = project([w, s]);
    const [x1, y0] = project([e, n]);
    const dx = x1 - x0;
    const dy = y1 - y0;
    const fit = Math.min(
      (width - 2 * PADDING) / Math.max(dx, 1e-12),
      (height - 2 * PADDING) / Math.max(dy, 1e-12),
    );
    const scale =
      dx === 0 && dy === 0 ? TILE * 2 ** SINGLE_POINT_ZOOM : Math.min(fit, TILE * 2 ** MAX_FIT_ZOOM);
    return { scale, cx: (x0 + x1) / 2, cy: (y0 + y1) / 2, width, height };
  }
  return { scale: Math.min(width, height), cx: 0.5, cy: 0.5, width, height };
}

function toPixel(view: View, lon: number, lat: number): [number, number] {
  const [x, y] = project([lon, lat]);
  return [(x - view.cx) * view.scale + view.width / 2, (y - view.cy) * view.scale + view.height / 2];
}

/** Pixel coordinates to a tenth: finer adds bytes, not detail. */
const fmt = (n: number) => (Math.round(n * 10) / 10).toString();

/** `length` positions of `coords` from `at` (an index into the flat array) as path commands. */
function ringPath(view: View, coords: Float64Array, at: number, length: number, close: boolean): string {
  if (length === 0) return '';
  let d = '';
  let lastX = NaN;
  let lastY = NaN;
  for (let i = 0; i < length; i++) {
    const [x, y] = toPixel(view, coords[at + 2 * i]!, coords[at + 2 * i + 1]!);
    const tx = Math.round(x * 10);
    const ty = Math.round(y * 10);
    // Consecutive points on the same pixel tenth add nothing but bytes.
    if (i > 0 && tx === lastX && ty === lastY) continue;
    d += `${i === 0 ? 'M' : 'L'}${tx / 10} ${ty / 10}`;
    lastX = tx;
    lastY = ty;
  }
  return close ? `${d}Z` : d;
}

/**
 * One layer as a group carrying the shared presentation attributes, each element with only its
 * geometry and colour: resvg's parse of the SVG was a third of the rasterizing time with every
 * attribute repeated on 5 000 circles.
 */
function layerSvg(view: View, layer: PackedLayer): string {
  const { style, kinds, elementColor, elementParts, partLengths, coords } = layer;
  const parts: string[] = [];
  let part = 0;
  let at = 0;
  const lineWidth = Math.max(style.strokeWidth, 1.5);
  for (let e = 0; e < kinds.length; e++) {
    const color = layer.colors[elementColor[e]!]!;
    const count = elementParts[e]!;
    const kind = kinds[e]!;
    if (kind === POINTS) {
      for (let k = 0; k < count; k++, part++) {
        const [x, y] = toPixel(view, coords[at]!, coords[at + 1]!);
        parts.push(`<circle cx="${fmt(x)}" cy="${fmt(y)}" r="${style.pointRadius}" fill="${color}"/>`);
        at += 2 * partLengths[part]!;
      }
      continue;
    }
    let d = '';
    for (let k = 0; k < count; k++, part++) {
      const length = partLengths[part]!;
      d += ringPath(view, coords, at, length, kind !== LINES);
      at += 2 * length;
    }
    if (!d) continue;
    parts.push(
      kind === LINES
        ? `<path d="${d}" fill="none" stroke="${color}" stroke-opacity="${style.opacity}" stroke-width="${lineWidth}"/>`
        : `<path d="${d}" fill="${color}"/>`,
    );
  }
  return (
    `<g fill-opacity="${style.opacity}" stroke="${style.strokeColor}" stroke-width="${style.strokeWidth}" fill-rule="evenodd" stroke-linejoin="round">` +
    `${parts.join('')}</g>`
  );
}

const LEGEND_LINE = 16;
const MAX_LEGEND_ENTRIES = 11;

/** The legend box, bottom-left: each layer's title with its swatch, categories or ramp. */
function legendSvg(map: PackedMap, height: number): string {
  const lines: string[] = [];
  let y = 0;
  const rows: {
    kind: 'title' | 'entry' | 'ramp';
    text: string;
    color?: string;
    colors?: string[];
    min?: number;
    max?: number;
  }[] = [];
  for (const layer of map.layers) {
    const legend = layer.legend;
    rows.push({ kind: 'title', text: layer.title, color: legend ? undefined : layer.style.fillColor });
    if (legend?.kind === 'categories') {
      for (const entry of legend.entries.slice(0, MAX_LEGEND_ENTRIES))
        rows.push({ kind: 'entry', text: entry.label, color: entry.color });
    } else if (legend?.kind === 'ramp') {
      rows.push({
        kind: 'ramp',
        text: legend.column,
        colors: legend.colors,
        min: legend.min,
        max: legend.max,
      });
    }
  }
  if (rows.length === 0) return '';
  const boxWidth = 200;
  const boxHeight = rows.reduce((h, r) => h + (r.kind === 'ramp' ? LEGEND_LINE * 2 : LEGEND_LINE), 0) + 12;
  const top = height - boxHeight - 10;
  y = top + 6;
  const gradients: string[] = [];
  rows.forEach((row, i) => {
    if (row.kind === 'title') {
      const indent = row.color ? 18 : 0;
      if (row.color) lines.push(`<rect x="18" y="${y + 3}" width="12" height="10" fill="${row.color}"/>`);
      lines.push(
        `<text x="${18 + indent}" y="${y + 12}" font-size="12" font-weight="bold">${escapeXml(shorten(row.text, 26))}</text>`,
      );
      y += LEGEND_LINE;
    } else if (row.kind === 'entry') {
      lines.push(`<rect x="24" y="${y + 3}" width="12" height="10" fill="${row.color}"/>`);
      lines.push(`<text x="42" y="${y + 12}" font-size="11">${escapeXml(shorten(row.text, 24))}</text>`);
      y += LEGEND_LINE;
    } else {
      const id = `ramp${i}`;
      const stops = row
        .colors!.map((c, k) => `<stop offset="${k / (row.colors!.length - 1)}" stop-color="${c}"/>`)
        .join('');
      gradients.push(`<linearGradient id="${id}">${stops}</linearGradient>`);
      lines.push(`<rect x="24" y="${y + 3}" width="150" height="10" fill="url(#${id})"/>`);
      lines.push(
        `<text x="24" y="${y + LEGEND_LINE + 11}" font-size="10">${escapeXml(formatNumber(row.min!))}</text>`,
      );
      lines.push(
        `<text x="174" y="${y + LEGEND_LINE + 11}" font-size="10" text-anchor="end">${escapeXml(formatNumber(row.max!))}</text>`,
      );
      y += LEGEND_LINE * 2;
    }
  });
  return (
    `<defs>${gradients.join('')}</defs>` +
    `<rect x="10" y="${top}" width="${boxWidth}" height="${boxHeight}" rx="4" fill="#ffffff" fill-opacity="0.9" stroke="#b0b8c0"/>` +
    `<g font-family="${FONT}, sans-serif" fill="#222222">${lines.join('')}</g>`
  );
}

function formatNumber(n: number): string {
  return Math.abs(n) >= 1e6
    ? `${(n / 1e6).toFixed(1)}M`
    : Math.abs(n) >= 1e4
      ? `${Math.round(n / 1e3)}k`
      : String(Math.round(n * 100) / 100);
}

/** The SVG of a map; the PNG worker draws the packed form it receives. */
export function renderMapSvg(map: RenderedMap, options: PngOptions = {}): string {
  return renderPackedMapSvg(packMap(map), options);
}

export function renderPackedMapSvg(map: PackedMap, options: PngOptions = {}): string {
  const width = options.width ?? DEFAULT_PNG_SIZE.width;
  const height = options.height ?? DEFAULT_PNG_SIZE.height;
  const view = viewFor(map, width, height);
  const title = map.title
    ? `<rect x="10" y="10" width="${Math.min(width - 20, 16 + 8 * Math.min(map.title.length, 60))}" height="26" rx="4" fill="#ffffff" fill-opacity="0.9"/>` +
      `<text x="18" y="28" font-family="${FONT}, sans-serif" font-size="14" font-weight="bold" fill="#222222">${escapeXml(shorten(map.title, 60))}</text>`
    : '';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<rect width="100%" height="100%" fill="${BACKGROUND}"/>` +
    map.layers.map((layer) => layerSvg(view, layer)).join('') +
    title +
    legendSvg(map, height) +
    '</svg>'
  );
}
