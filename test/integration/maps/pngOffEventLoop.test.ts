import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { startTestServer, type TestServer } from '../../support/testServer.ts';
import { heavyPolygonMap } from '../../support/syntheticMaps.ts';
import { renderMapPng } from '../../../src/maps/renderMapPng.ts';

/**
 * The server runs in this process, so a render here shares the event loop that answers its
 * HTTP requests, exactly as render_map's and the image route's renders do.
 */
describe('map PNG rendering and the event loop', () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer('sqlite');
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
  });

  it('answers /healthz while a large map is being drawn', async () => {
    const map = heavyPolygonMap(1000, 600); // 600 000 vertices
    await renderMapPng(heavyPolygonMap(2, 10)); // a warm worker, so its start-up is not what is measured
    const t0 = performance.now();
    let healthAt = Infinity;
    let renderAt = Infinity;
    const health = fetch(`${t.url}/healthz`).then(async (response) => {
      healthAt = performance.now() - t0;
      return response.status;
    });
    const render = renderMapPng(map).then((png) => {
      renderAt = performance.now() - t0;
      return png;
    });
    const [status, png] = await Promise.all([health, render]);
    expect(status).toBe(200);
    expect(healthAt).toBeLessThan(renderAt);
    // Not just in a gap of the render: before half of it (drawing the SVG on the event loop took
    // most of a render like this one, and the health check waited behind it).
    expect(healthAt).toBeLessThan(renderAt / 2);
    const image = PNG.sync.read(png);
    expect([image.width, image.height]).toEqual([800, 500]);
  }, 60_000);
});
