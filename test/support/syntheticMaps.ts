import type { Position } from 'geojson';
import { layerStyleSchema } from '../../src/maps/mapDefinition.ts';
import type { RenderedMap } from '../../src/maps/renderedMap.ts';

/**
 * A RenderedMap far heavier than the demo data: `polygons` wavy rings of `vertices` positions
 * each, spread over Europe, so building and rasterizing its image takes a noticeable while.
 */
export function heavyPolygonMap(polygons: number, vertices: number): RenderedMap {
  const features = Array.from({ length: polygons }, (_, k) => {
    const cx = -10 + (k % 50) * 0.8;
    const cy = 36 + Math.floor(k / 50) * 0.5;
    const ring: Position[] = Array.from({ length: vertices }, (_, i) => {
      const a = (i / vertices) * 2 * Math.PI;
      const r = 0.3 * (1 + 0.2 * Math.sin(a * 40));
      return [cx + r * Math.cos(a), cy + r * Math.sin(a)];
    });
    ring.push(ring[0]!);
    return {
      type: 'Feature' as const,
      geometry: { type: 'Polygon' as const, coordinates: [ring] },
      properties: { n: k },
    };
  });
  return {
    id: null,
    title: 'Heavy',
    description: '',
    link: null,
    viewport: null,
    bounds: [-10.5, 35.5, 30, 56],
    basemapStyleUrl: null,
    layers: [
      {
        id: 'heavy',
        title: 'Heavy',
        style: layerStyleSchema.parse({ fillColor: '#d62728', opacity: 1 }),
        legend: null,
        data: { type: 'FeatureCollection', features },
        featureCount: polygons,
        totalFeatures: polygons,
        truncated: false,
        simplified: false,
      },
    ],
  };
}
