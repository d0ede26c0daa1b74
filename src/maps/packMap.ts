import type { Geometry, Position } from 'geojson';
import type { LayerStyle, Viewport } from './mapDefinition.ts';
import type { Legend, RenderedMap } from './renderedMap.ts';
import { featureColor } from './featureColor.ts';

/** What one drawn element is: circles, open paths or a filled path with holes. */
export const POINTS = 0;
export const LINES = 1;
export const POLYGONS = 2;

/**
 * A layer's features flattened into typed arrays: posting a RenderedMap to the PNG worker as
 * objects costs the event loop as much as drawing its SVG (structured clone of ~100k positions,
 * measured ~45 ms for the 5 000 demo cities, ~110 ms for the demo countries), whereas these
 * buffers are transferred without a copy. Colours are resolved here (they need the properties,
 * which stay behind).
 */
export interface PackedLayer {
  title: string;
  style: LayerStyle;
  legend: Legend | null;
  /** Distinct fill colours, indexed by `elementColor`. */
  colors: string[];
  /** Per element: POINTS, LINES or POLYGONS. A GeometryCollection gives several elements. */
  kinds: Uint8Array;
  elementColor: Uint32Array;
  /** Per element: how many parts (points, lines or rings) it has. */
  elementParts: Uint32Array;
  /** Per part: how many positions it has (1 for a point). */
  partLengths: Uint32Array;
  /** Longitude, latitude, longitude, latitude… */
  coords: Float64Array;
}

/** The map as the SVG/PNG renderer needs it: no properties, no links, geometry packed. */
export interface PackedMap {
  title: string;
  viewport: Viewport | null;
  bounds: [number, number, number, number] | null;
  layers: PackedLayer[];
}

type Drawn = { kind: number; parts: Position[][] } | { kind: typeof POINTS; points: Position[] };

/** The elements a geometry draws as (a GeometryCollection draws one per member). */
function elementsOf(geometry: Geometry, out: Drawn[]): void {
  switch (geometry.type) {
    case 'Point':
      out.push({ kind: POINTS, points: [geometry.coordinates] });
      return;
    case 'MultiPoint':
      out.push({ kind: POINTS, points: geometry.coordinates });
      return;
    case 'LineString':
      out.push({ kind: LINES, parts: [geometry.coordinates] });
      return;
    case 'MultiLineString':
      out.push({ kind: LINES, parts: geometry.coordinates });
      return;
    case 'Polygon':
      out.push({ kind: POLYGONS, parts: geometry.coordinates });
      return;
    case 'MultiPolygon':
      out.push({ kind: POLYGONS, parts: geometry.coordinates.flat() });
      return;
    case 'GeometryCollection':
      for (const g of geometry.geometries) elementsOf(g, out);
  }
}

/** Two passes, counting then filling preallocated arrays: growing plain arrays cost ~4× more. */
function packLayer(layer: RenderedMap['layers'][number]): PackedLayer {
  const colors: string[] = [];
  const colorIndex = new Map<string, number>();
  const elements: { drawn: Drawn; color: number }[] = [];
  let partCount = 0;
  let positionCount = 0;
  for (const feature of layer.data.features) {
    if (!feature.geometry) continue;
    const color = featureColor(layer.style, feature.properties);
    let c = colorIndex.get(color);
    if (c === undefined) {
      c = colors.push(color) - 1;
      colorIndex.set(color, c);
    }
    const drawn: Drawn[] = [];
    elementsOf(feature.geometry, drawn);
    for (const d of drawn) {
      elements.push({ drawn: d, color: c });
      if ('points' in d) {
        partCount += d.points.length;
        positionCount += d.points.length;
      } else {
        partCount += d.parts.length;
        for (const part of d.parts) positionCount += part.length;
      }
    }
  }
  const kinds = new Uint8Array(elements.length);
  const elementColor = new Uint32Array(elements.length);
  const elementParts = new Uint32Array(elements.length);
  const partLengths = new Uint32Array(partCount);
  const coords = new Float64Array(positionCount * 2);
  let part = 0;
  let at = 0;
  elements.forEach(({ drawn, color }, e) => {
    kinds[e] = drawn.kind;
    elementColor[e] = color;
    if ('points' in drawn) {
      elementParts[e] = drawn.points.length;
      for (const p of drawn.points) {
        partLengths[part++] = 1;
        coords[at++] = p[0]!;
        coords[at++] = p[1]!;
      }
      return;
    }
    elementParts[e] = drawn.parts.length;
    for (const positions of drawn.parts) {
      partLengths[part++] = positions.length;
      for (const p of positions) {
        coords[at++] = p[0]!;
        coords[at++] = p[1]!;
      }
    }
  });
  return {
    title: layer.title,
    style: layer.style,
    legend: layer.legend,
    colors,
    kinds,
    elementColor,
    elementParts,
    partLengths,
    coords,
  };
}

export function packMap(map: RenderedMap): PackedMap {
  return {
    title: map.title,
    viewport: map.viewport,
    bounds: map.bounds,
    layers: map.layers.map(packLayer),
  };
}

/** The buffers to transfer with a PackedMap (it must not be used by the sender afterwards). */
export function packedBuffers(map: PackedMap): ArrayBuffer[] {
  return map.layers.flatMap((l) =>
    [l.kinds, l.elementColor, l.elementParts, l.partLengths, l.coords].map((a) => a.buffer as ArrayBuffer),
  );
}
