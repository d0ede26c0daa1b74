import { afterEach, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { MapPngRenderer } from '../../../src/maps/MapPngRenderer.ts';
import { MapRenderError } from '../../../src/maps/MapRenderError.ts';
import { packMap } from '../../../src/maps/packMap.ts';
import { heavyPolygonMap } from '../../support/syntheticMaps.ts';

describe('MapPngRenderer (PNG worker threads)', () => {
  let renderer: MapPngRenderer | undefined;
  afterEach(async () => {
    await renderer?.close();
  });

  it('gives up on a render past its time limit with a MapRenderError, then draws the next map on a fresh thread', async () => {
    renderer = new MapPngRenderer({ size: 1, maxQueue: 4, timeoutMs: 150 });
    const slow = renderer.render(packMap(heavyPolygonMap(1000, 600)));
    await expect(slow).rejects.toBeInstanceOf(MapRenderError);
    await expect(slow).rejects.toThrow(/took longer than .*draw fewer features/);
    const png = PNG.sync.read(
      await renderer.render(packMap(heavyPolygonMap(2, 10)), { width: 200, height: 100 }),
    );
    expect([png.width, png.height]).toEqual([200, 100]);
    expect(renderer.threadCount).toBe(1);
  }, 60_000);

  it('bounds its queue: beyond it a render fails at once, asking to try again', async () => {
    renderer = new MapPngRenderer({ size: 1, maxQueue: 1, timeoutMs: 30_000 });
    await renderer.render(packMap(heavyPolygonMap(2, 10))); // the thread is up and idle
    const running = renderer.render(packMap(heavyPolygonMap(300, 200)));
    const queued = renderer.render(packMap(heavyPolygonMap(2, 10)));
    // The first was handed to the thread at once; the second waits: the queue is full.
    const refused = renderer.render(packMap(heavyPolygonMap(2, 10)));
    await expect(refused).rejects.toThrow(/busy.*try again/);
    // Busy is not the map's fault: HTTP answers 503 with this Retry-After, not a 422 field error.
    await expect(refused).rejects.toMatchObject({ retryAfterSeconds: 5, field: undefined });
    expect((await running).length).toBeGreaterThan(0);
    expect((await queued).length).toBeGreaterThan(0);
  }, 60_000);
});
