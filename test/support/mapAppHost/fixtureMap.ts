import type { RenderedMap } from '../../../src/maps/renderedMap.ts';

/** Untrusted text that would run script if any renderer put it into innerHTML. */
export const HOSTILE_NAME = `<img src=x onerror="document.title='pwned'">Harbour`;

const square = (west: number, south: number, size: number) => ({
  type: 'Polygon' as const,
  coordinates: [
    [
      [west, south],
      [west + size, south],
      [west + size, south + size],
      [west, south + size],
      [west, south],
    ],
  ],
});

/**
 * A RenderedMap as render_map would send it: three polygons coloured by category (opaque, so
 * pixels can be compared exactly) and three points on a ramp, the points layer truncated.
 */
export function fixtureMap(): RenderedMap {
  return {
    id: 'map-fixture',
    title: 'Fixture districts',
    description: 'Three districts and three sensors',
    link: 'https://meridian.example/app/maps/map-fixture',
    viewport: null,
    bounds: [0, 0, 34, 16],
    basemapStyleUrl: null,
    layers: [
      {
        id: 'districts',
        title: 'Districts',
        style: {
          fillColor: '#1f77b4',
          strokeColor: '#ffffff',
          strokeWidth: 1,
          opacity: 1,
          pointRadius: 4,
          colorBy: {
            kind: 'categories',
            column: 'kind',
            categories: [
              { value: 'park', color: '#2ca02c' },
              { value: 'water', color: '#1f77b4' },
              { value: 'industrial', color: '#d62728' },
            ],
            otherColor: '#9e9e9e',
          },
          tooltipColumns: ['name', 'kind', 'area_km2'],
        },
        legend: {
          kind: 'categories',
          column: 'kind',
          entries: [
            { label: 'park', color: '#2ca02c' },
            { label: 'water', color: '#1f77b4' },
            { label: 'industrial', color: '#d62728' },
          ],
        },
        data: {
          type: 'FeatureCollection',
          features: [
            {
              type: 'Feature',
              properties: { name: HOSTILE_NAME, kind: 'park', area_km2: 1234.5 },
              geometry: square(0, 0, 10),
            },
            {
              type: 'Feature',
              properties: { name: 'Lake', kind: 'water', area_km2: 80 },
              geometry: square(12, 0, 10),
            },
            {
              type: 'Feature',
              properties: { name: 'Docks', kind: 'industrial', area_km2: null },
              geometry: square(24, 0, 10),
            },
          ],
        },
        featureCount: 3,
        totalFeatures: 3,
        truncated: false,
        simplified: false,
      },
      {
        id: 'sensors',
        title: 'Sensors',
        style: {
          fillColor: '#000000',
          strokeColor: '#ffffff',
          strokeWidth: 0,
          opacity: 1,
          pointRadius: 10,
          colorBy: {
            kind: 'ramp',
            column: 'reading',
            colors: ['#fff5eb', '#fd8d3c', '#7f2704'],
            domain: [0, 100],
          },
          tooltipColumns: ['reading'],
        },
        legend: {
          kind: 'ramp',
          column: 'reading',
          min: 0,
          max: 100,
          colors: ['#fff5eb', '#fd8d3c', '#7f2704'],
        },
        data: {
          type: 'FeatureCollection',
          features: [
            {
              type: 'Feature',
              properties: { reading: 0 },
              geometry: { type: 'Point', coordinates: [5, 14] },
            },
            {
              type: 'Feature',
              properties: { reading: 50 },
              geometry: { type: 'Point', coordinates: [17, 14] },
            },
            {
              type: 'Feature',
              properties: { reading: 100 },
              geometry: { type: 'Point', coordinates: [29, 14] },
            },
          ],
        },
        featureCount: 3,
        totalFeatures: 12,
        truncated: true,
        simplified: false,
      },
    ],
  };
}

/** The CallToolResult a host receives from render_map for `map`. */
export function toolResultFor(map: RenderedMap) {
  return {
    content: [{ type: 'text', text: `Map "${map.title}" with ${map.layers.length} layers.` }],
    structuredContent: map,
  };
}
