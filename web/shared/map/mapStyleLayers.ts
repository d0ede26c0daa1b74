import type { ExpressionSpecification, LayerSpecification, StyleSpecification } from 'maplibre-gl';
import type { RenderedLayer, RenderedMap } from '../../../src/maps/renderedMap.ts';
import type { ColorBy } from '../../../src/maps/mapDefinition.ts';

/**
 * RenderedMap → MapLibre style pieces. Pure, so the colour rules can be read (and tested) apart
 * from the DOM. Only fill, line and circle layers: symbol layers would need glyphs from the
 * network, which the MCP Apps sandbox does not give us.
 */

/** Colour used for features whose colour-by value is missing or not numeric (matches categories' default). */
export const NO_VALUE_COLOR = '#9e9e9e';

const BACKGROUND = { light: '#f4f3ef', dark: '#1f2124' } as const;
export type MapTheme = keyof typeof BACKGROUND;

export function backgroundStyle(theme: MapTheme): StyleSpecification {
  return {
    version: 8,
    sources: {},
    layers: [
      { id: 'meridian-background', type: 'background', paint: { 'background-color': BACKGROUND[theme] } },
    ],
  };
}

export const sourceId = (layer: RenderedLayer) => `meridian-src-${layer.id}`;

/** The expression giving a feature's main colour: fixed, by category or along a ramp. */
export function colorExpression(
  fillColor: string,
  colorBy: ColorBy | undefined,
): ExpressionSpecification | string {
  if (!colorBy) return fillColor;
  const value: ExpressionSpecification = ['get', colorBy.column];
  if (colorBy.kind === 'categories') {
    // match needs unique string labels; values arrive as string | number | boolean, so compare
    // as strings (the tooltip shows them the same way) and keep the first colour per label.
    const pairs = new Map<string, string>();
    for (const { value: v, color } of colorBy.categories)
      if (!pairs.has(String(v))) pairs.set(String(v), color);
    if (pairs.size === 0) return colorBy.otherColor;
    return [
      'match',
      ['to-string', value],
      ...[...pairs].flat(),
      colorBy.otherColor,
    ] as unknown as ExpressionSpecification;
  }
  const colors = colorBy.colors;
  const [min, max] = colorBy.domain ?? [0, 1];
  // A one-value domain has no ramp to spread over: everything gets the ramp's last colour.
  if (!(max > min))
    return ['case', ['==', ['typeof', value], 'number'], colors[colors.length - 1]!, NO_VALUE_COLOR];
  const stops = colors.flatMap((color, i) => [min + ((max - min) * i) / (colors.length - 1), color]);
  return [
    'case',
    ['==', ['typeof', value], 'number'],
    ['interpolate', ['linear'], value, ...stops] as unknown as ExpressionSpecification,
    NO_VALUE_COLOR,
  ];
}

const isPolygon: ExpressionSpecification = [
  'match',
  ['geometry-type'],
  ['Polygon', 'MultiPolygon'],
  true,
  false,
];
const isLine: ExpressionSpecification = [
  'match',
  ['geometry-type'],
  ['LineString', 'MultiLineString'],
  true,
  false,
];
const isPoint: ExpressionSpecification = ['match', ['geometry-type'], ['Point', 'MultiPoint'], true, false];

/** The MapLibre layers drawing one rendered layer, bottom to top: fill, outline, line, circle. */
export function styleLayers(layer: RenderedLayer): LayerSpecification[] {
  const { style } = layer;
  const source = sourceId(layer);
  const color = colorExpression(style.fillColor, style.colorBy);
  const metadata = { meridianLayer: layer.id };
  return [
    {
      id: `${source}-fill`,
      type: 'fill',
      source,
      filter: isPolygon,
      metadata,
      paint: { 'fill-color': color, 'fill-opacity': style.opacity },
    },
    {
      id: `${source}-outline`,
      type: 'line',
      source,
      filter: isPolygon,
      metadata,
      layout: { visibility: style.strokeWidth > 0 ? 'visible' : 'none' },
      paint: { 'line-color': style.strokeColor, 'line-width': style.strokeWidth },
    },
    // A line has no fill: it is drawn in the feature colour, at least thick enough to see.
    {
      id: `${source}-line`,
      type: 'line',
      source,
      filter: isLine,
      metadata,
      paint: { 'line-color': color, 'line-width': Math.max(1.5, style.strokeWidth) },
    },
    {
      id: `${source}-circle`,
      type: 'circle',
      source,
      filter: isPoint,
      metadata,
      paint: {
        'circle-color': color,
        'circle-opacity': style.opacity,
        'circle-radius': style.pointRadius,
        'circle-stroke-color': style.strokeColor,
        'circle-stroke-width': Math.min(style.strokeWidth, style.pointRadius),
        'circle-stroke-opacity': style.opacity,
      },
    },
  ];
}

/** Every MapLibre layer id the map's layers produce, for hover queries and removal. */
export function allStyleLayerIds(map: RenderedMap): string[] {
  return map.layers.flatMap((layer) => styleLayers(layer).map((l) => l.id));
}
