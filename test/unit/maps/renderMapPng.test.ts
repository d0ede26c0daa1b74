import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { renderMapPng } from '../../../src/maps/renderMapPng.ts';
import { renderMapSvg } from '../../../src/maps/renderMapSvg.ts';
import { layerStyleSchema } from '../../../src/maps/mapDefinition.ts';
import type { RenderedMap } from '../../../src/maps/renderedMap.ts';
import { fitVertexBudget, countVertices, roundCoordinates } from '../../../src/maps/simplifyGeometry.ts';

const hostile = '</text><script>alert("x")</script>&\u0001';

const map: RenderedMap = {
  id: null,
  title: hostile,
  description: '',
  link: null,
  viewport: null,
  bounds: [0, 0, 10, 10],
  basemapStyleUrl: null,
  layers: [
    {
      id: 'a',
      title: hostile,
      style: layerStyleSchema.parse({
        fillColor: '#00ff00',
        opacity: 1,
        colorBy: { kind: 'categories', column: 'kind', categories: [{ value: hostile, color: '#0000ff' }] },
      }),
      legend: { kind: 'categories', column: 'kind', entries: [{ label: hostile, color: '#0000ff' }] },
      data: {
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            geometry: {
              type: 'Polygon',
              coordinates: [
                [
                  [0, 0],
                  [10, 0],
                  [10, 10],
                  [0, 10],
                  [0, 0],
                ],
              ],
            },
            properties: { kind: hostile },
          },
        ],
      },
      featureCount: 1,
      totalFeatures: 1,
      truncated: false,
      simplified: false,
    },
  ],
};

describe('renderMapPng', () => {
  it('escapes every text from data and still renders', async () => {
    const svg = renderMapSvg(map);
    expect(svg).not.toContain('<script');
    expect(svg).not.toContain('\u0001');
    expect(svg).toContain('&lt;/text&gt;&lt;script&gt;');
    const png = PNG.sync.read(await renderMapPng(map, { width: 400, height: 300 }));
    expect([png.width, png.height]).toEqual([400, 300]);
    // The polygon is coloured by its category: blue fills the middle of the fitted view.
    const i = (png.width * 150 + 200) * 4;
    expect([png.data[i], png.data[i + 1], png.data[i + 2]]).toEqual([0, 0, 255]);
  });

  it('simplifies to a vertex budget and keeps rings closed', () => {
    const ring = Array.from({ length: 2001 }, (_, k) => {
      const a = ((k % 2000) / 2000) * 2 * Math.PI;
      return [Math.cos(a) * (1 + 0.01 * Math.sin(a * 50)), Math.sin(a)];
    });
    const { geometries, simplified } = fitVertexBudget([{ type: 'Polygon', coordinates: [ring] }], 200, 1e-4);
    expect(simplified).toBe(true);
    expect(countVertices(geometries[0]!)).toBeLessThanOrEqual(200);
    const out = (geometries[0] as { coordinates: number[][][] }).coordinates[0]!;
    expect(out.length).toBeGreaterThanOrEqual(4);
    expect(out[0]).toEqual(out[out.length - 1]);
  });

  it('rounds job-result coordinates to 6 decimals (0.1 m), keeping the geometry', () => {
    const rounded = roundCoordinates({
      type: 'GeometryCollection',
      geometries: [
        { type: 'Point', coordinates: [2.123456789, 48.987654321] },
        {
          type: 'MultiPolygon',
          coordinates: [
            [
              [
                [0.1234567891, 0],
                [1, 0.9999999999],
                [0, 1],
                [0.1234567891, 0],
              ],
            ],
          ],
        },
      ],
    });
    expect(JSON.stringify(rounded)).toBe(
      '{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[2.123457,48.987654]},' +
        '{"type":"MultiPolygon","coordinates":[[[[0.123457,0],[1,1],[0,1],[0.123457,0]]]]}]}',
    );
  });
});
