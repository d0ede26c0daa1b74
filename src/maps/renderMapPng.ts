import { existsSync } from 'node:fs';
import { renderAsync, type ResvgRenderOptions } from '@resvg/resvg-js';
import type { Geometry, Position } from 'geojson';
import type { LayerStyle } from './mapDefinition.ts';
import type { RenderedLayer, RenderedMap } from './renderedMap.ts';

/**
 * The image fallback of render_map, for hosts without MCP Apps: a RenderedMap drawn as SVG in
 * Web Mercator (fitted to the saved viewport, else to the features' bounds) and rasterized with
 * resvg. Draws what the interactive view draws: layer styles, colour-by, a legend. Every piece
 * of text comes from users or data and is escaped; labels use DejaVu Sans when the system has
 * it and are simply left out by resvg when no font is found.
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
const FONT = 'DejaVu Sans';
// resvg parses its fonts on every render (~50 ms per face here): one face, bold titles fall back to it.
const FONT_FILES = ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'];

let fontOptions: ResvgRenderOptions['font'] | undefined;
function fonts(): ResvgRenderOptions['font'] {
  if (!fontOptions) {
    const files = FONT_FILES.filter((f) => existsSync(f));
    // Scanning every system font per render is slow; only fall back to it without DejaVu.
    fontOptions = files.length
      ? { loadSystemFonts: false, fontFiles: files, defaultFontFamily: FONT }
      : { loadSystemFonts: true };
  }
  return fontOptions;
}

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

function viewFor(map: RenderedMap, width: number, height: number): View {
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

function toPixel(view: View, position: Position): [number, number] {
  const [x, y] = project(position);
  return [(x - view.cx) * view.scale + view.width / 2, (y - view.cy) * view.scale + view.height / 2];
}

const fmt = (n: number) => (Math.round(n * 10) / 10).toString();

function ringPath(view: View, ring: Position[], close: boolean): string {
  if (ring.length === 0) return '';
  let d = '';
  let lastX = NaN;
  let lastY = NaN;
  for (const [i, position] of ring.entries()) {
    const [x, y] = toPixel(view, position);
    const rx = fmt(x);
    const ry = fmt(y);
    // Consecutive points on the same pixel tenth add nothing but bytes.
    if (i > 0 && Number(rx) === lastX && Number(ry) === lastY) continue;
    d += `${i === 0 ? 'M' : 'L'}${rx} ${ry}`;
    lastX = Number(rx);
    lastY = Number(ry);
  }
  return close ? `${d}Z` : d;
}

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

/** The fill colour of one feature under a (legend-filled) style. */
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

function geometrySvg(view: View, geometry: Geometry, style: LayerStyle, color: string): string {
  const opacity = style.opacity;
  const stroke = `stroke="${style.strokeColor}" stroke-width="${style.strokeWidth}"`;
  switch (geometry.type) {
    case 'Point':
    case 'MultiPoint': {
      const points = geometry.type === 'Point' ? [geometry.coordinates] : geometry.coordinates;
      return points
        .map((p) => {
          const [x, y] = toPixel(view, p);
          return `<circle cx="${fmt(x)}" cy="${fmt(y)}" r="${style.pointRadius}" fill="${color}" fill-opacity="${opacity}" ${stroke}/>`;
        })
        .join('');
    }
    case 'LineString':
    case 'MultiLineString': {
      const lines = geometry.type === 'LineString' ? [geometry.coordinates] : geometry.coordinates;
      const d = lines.map((line) => ringPath(view, line, false)).join('');
      return d
        ? `<path d="${d}" fill="none" stroke="${color}" stroke-opacity="${opacity}" stroke-width="${Math.max(style.strokeWidth, 1.5)}" stroke-linejoin="round"/>`
        : '';
    }
    case 'Polygon':
    case 'MultiPolygon': {
      const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
      const d = polygons.map((rings) => rings.map((ring) => ringPath(view, ring, true)).join('')).join('');
      return d
        ? `<path d="${d}" fill="${color}" fill-opacity="${opacity}" fill-rule="evenodd" ${stroke} stroke-linejoin="round"/>`
        : '';
    }
    case 'GeometryCollection':
      return geometry.geometries.map((g) => geometrySvg(view, g, style, color)).join('');
  }
}

function layerSvg(view: View, layer: RenderedLayer): string {
  const parts: string[] = [];
  for (const feature of layer.data.features) {
    if (!feature.geometry) continue;
    parts.push(
      geometrySvg(view, feature.geometry, layer.style, featureColor(layer.style, feature.properties)),
    );
  }
  return `<g>${parts.join('')}</g>`;
}

const LEGEND_LINE = 16;
const MAX_LEGEND_ENTRIES = 11;

/** The legend box, bottom-left: each layer's title with its swatch, categories or ramp. */
function legendSvg(map: RenderedMap, height: number): string {
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

export function renderMapSvg(map: RenderedMap, options: PngOptions = {}): string {
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

/** The map as a PNG (rasterized off the event loop, in libuv's thread pool). */
export async function renderMapPng(map: RenderedMap, options: PngOptions = {}): Promise<Buffer> {
  const image = await renderAsync(renderMapSvg(map, options), {
    font: fonts(),
    shapeRendering: 2,
    textRendering: 1,
    logLevel: 'off',
  });
  return image.asPng();
}
