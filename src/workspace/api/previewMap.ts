import type { Feature, Geometry, Position } from 'geojson';
import { layerStyleSchema, type RenderedMap } from '../../maps/index.ts';

type Property = string | number | boolean | null;

/**
 * A node preview's rows as a one-layer map, in the shape the workspace map view draws
 * (RenderedMap), from the first geometry column; null when the rows have no geometry column.
 */
export function previewMap(
  title: string,
  columns: { name: string; type: string }[],
  rows: Record<string, unknown>[],
  basemapStyleUrl: string | null,
): RenderedMap | null {
  const geometryColumn = columns.find((c) => c.type === 'geometry')?.name;
  if (!geometryColumn) return null;
  const features: Feature<Geometry, Record<string, Property>>[] = [];
  const box = [Infinity, Infinity, -Infinity, -Infinity] as [number, number, number, number];
  for (const row of rows) {
    const geometry = geometryOf(row[geometryColumn]);
    if (!geometry) continue;
    extend(box, geometry);
    const properties: Record<string, Property> = {};
    for (const c of columns) if (c.name !== geometryColumn) properties[c.name] = propertyOf(row[c.name]);
    features.push({ type: 'Feature', geometry, properties });
  }
  const tooltipColumns = columns
    .filter((c) => c.type !== 'geometry')
    .slice(0, 4)
    .map((c) => c.name);
  return {
    id: null,
    title,
    description: '',
    link: null,
    viewport: null,
    bounds: features.length ? box : null,
    basemapStyleUrl,
    layers: [
      {
        id: 'preview',
        title,
        style: layerStyleSchema.parse({ tooltipColumns }),
        legend: null,
        data: { type: 'FeatureCollection', features },
        featureCount: features.length,
        totalFeatures: features.length,
        truncated: false,
        simplified: false,
      },
    ],
  };
}

function geometryOf(value: unknown): Geometry | null {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return null;
    }
  }
  return parsed && typeof parsed === 'object' && 'type' in parsed ? (parsed as Geometry) : null;
}

function propertyOf(value: unknown): Property {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function extend(box: [number, number, number, number], geometry: Geometry): void {
  const visit = (coords: unknown): void => {
    if (Array.isArray(coords) && typeof coords[0] === 'number') {
      const [x, y] = coords as Position;
      box[0] = Math.min(box[0], x!);
      box[1] = Math.min(box[1], y!);
      box[2] = Math.max(box[2], x!);
      box[3] = Math.max(box[3], y!);
    } else if (Array.isArray(coords)) coords.forEach(visit);
  };
  if (geometry.type === 'GeometryCollection') geometry.geometries.forEach((g) => extend(box, g));
  else visit(geometry.coordinates);
}
