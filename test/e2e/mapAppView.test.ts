import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import type { Browser, ConsoleMessage, FrameLocator, Page } from 'playwright-core';
import { artifactPath, launchChromium } from '../support/browser.ts';
import { startMapAppHost, type MapAppHost } from '../support/mapAppHost/startMapAppHost.ts';
import { fixtureMap, HOSTILE_NAME, toolResultFor } from '../support/mapAppHost/fixtureMap.ts';
import { startTestServer, type TestServer } from '../support/testServer.ts';
import { connectModernClient } from '../support/mcpClients.ts';
import { callTool } from '../support/mcpCalls.ts';
import type { RenderedMap } from '../../src/maps/renderedMap.ts';

/**
 * The MCP Apps view (web/dist/map-app/index.html, built by `npm run build:web`) in Debian's
 * Chromium with software WebGL: a test host page embeds it like a chat client does (sandboxed
 * iframe, scripts only, the spec's restrictive default CSP) and hands it a RenderedMap through
 * the SDK's AppBridge. No Meridian server is involved: the map is a fixture.
 */
describe('map view in an MCP Apps host', () => {
  let host: MapAppHost;
  let browser: Browser;
  let page: Page;
  let view: FrameLocator;
  const consoleMessages: string[] = [];
  const map = fixtureMap();

  beforeAll(async () => {
    host = await startMapAppHost();
    browser = await launchChromium({ webgl: true });
    page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
    page.on('console', (message: ConsoleMessage) =>
      consoleMessages.push(`${message.type()}: ${message.text()}`),
    );
    await page.goto(`${host.url}/host.html`);
    await page.waitForFunction(
      () => typeof (window as unknown as { showMap?: unknown }).showMap === 'function',
    );
    await page.evaluate(
      (result) =>
        (window as unknown as { showMap(r: unknown, c: unknown): Promise<void> }).showMap(result, {
          theme: 'light',
          containerDimensions: { width: 900, height: 560 },
        }),
      toolResultFor(map),
    );
    view = page.frameLocator('iframe');
    await view.locator('#map[data-state="idle"]').waitFor({ timeout: 30_000 });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await host?.close();
  });

  /** Viewport pixel (page coordinates) of a longitude/latitude on the map. */
  async function pagePoint(lngLat: [number, number]): Promise<{ x: number; y: number }> {
    const canvas = await view.locator('#map canvas').boundingBox();
    const projected = await view.locator('#map').evaluate(
      (_el, ll) =>
        (
          window as unknown as {
            __meridianMap: { maplibre: { project(p: [number, number]): { x: number; y: number } } };
          }
        ).__meridianMap.maplibre.project(ll),
      lngLat,
    );
    return { x: canvas!.x + projected.x, y: canvas!.y + projected.y };
  }

  it('draws every feature in its style colour under the strict default CSP, with no CSP violation', async () => {
    const shot = PNG.sync.read(await page.screenshot({ path: artifactPath('map-view-fixture.png') }));
    const pixel = async (lngLat: [number, number]) => {
      const { x, y } = await pagePoint(lngLat);
      const i = (Math.round(y) * shot.width + Math.round(x)) * 4;
      return [shot.data[i]!, shot.data[i + 1]!, shot.data[i + 2]!];
    };
    const hex = (color: string) => [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16));
    const close = (actual: number[], color: string) =>
      actual.every((v, i) => Math.abs(v - hex(color)[i]!) <= 6);

    // Sample inside each polygon away from the legend (bottom right) and each point's centre.
    const expectations: [[number, number], string][] = [
      [[3, 7], '#2ca02c'],
      [[15, 7], '#1f77b4'],
      [[27, 7], '#d62728'],
      [[5, 14], '#fff5eb'],
      [[17, 14], '#fd8d3c'],
      [[29, 14], '#7f2704'],
    ];
    for (const [lngLat, color] of expectations) {
      const actual = await pixel(lngLat);
      expect(close(actual, color), `pixel at ${lngLat} is rgb(${actual}) not ${color}`).toBe(true);
    }
    // And the background between features is the plain background, not a feature colour.
    expect(close(await pixel([11, 7]), '#f4f3ef')).toBe(true);
    expect(consoleMessages.filter((m) => /Content Security Policy|Refused to/i.test(m))).toEqual([]);
  }, 60_000);

  it('shows a tooltip with the feature values as text: markup in the data does not run', async () => {
    const { x, y } = await pagePoint([3, 7]);
    await page.mouse.move(x, y);
    const tooltip = view.locator('[data-testid="map-tooltip"]');
    await expect.poll(() => tooltip.isVisible()).toBe(true);
    const text = await tooltip.textContent();
    expect(text).toContain('Districts');
    expect(text).toContain(HOSTILE_NAME);
    expect(text).toContain('park');
    expect(text).toContain('1,234.5');
    expect(await tooltip.locator('img').count()).toBe(0);
    await page.screenshot({ path: artifactPath('map-view-tooltip.png') });
    expect(await view.locator('body').evaluate(() => document.title)).toBe('Meridian map');

    // A point shows its own columns; moving off the features hides the tooltip.
    const point = await pagePoint([17, 14]);
    await page.mouse.move(point.x, point.y);
    await expect.poll(() => tooltip.textContent()).toContain('reading50');
    const gap = await pagePoint([11, 7]);
    await page.mouse.move(gap.x, gap.y);
    await expect.poll(() => tooltip.isVisible()).toBe(false);
  });

  it('shows a legend matching the style and a note for the truncated layer', async () => {
    const entries = view.locator('[data-testid="map-legend"] .meridian-legend-entry');
    const legend = await entries.evaluateAll((rows) =>
      rows.map((r) => [r.textContent, (r as HTMLElement).dataset.color]),
    );
    expect(legend).toEqual([
      ['park', '#2ca02c'],
      ['water', '#1f77b4'],
      ['industrial', '#d62728'],
    ]);
    const ramp = view.locator('[data-testid="map-legend"] .meridian-legend-ramp');
    expect(await ramp.getAttribute('data-colors')).toBe('#fff5eb,#fd8d3c,#7f2704');
    expect(await view.locator('[data-testid="map-legend"] .meridian-legend-scale').textContent()).toBe(
      '0100',
    );
    expect(await view.locator('[data-testid="map-notes"]').textContent()).toContain(
      'Sensors: showing 3 of 12 features.',
    );
    expect(await view.locator('#title').textContent()).toBe('Fixture districts');
  });

  it('asks the host to open the workspace page (a sandboxed view cannot navigate)', async () => {
    await view.locator('#open').click();
    await expect
      .poll(() =>
        page.evaluate(() => (window as unknown as { __host: { openedLinks: string[] } }).__host.openedLinks),
      )
      .toEqual([map.link]);
  });

  it('follows the host theme: a dark host gets a dark background', async () => {
    await page.evaluate(() =>
      (window as unknown as { setHostContext(c: unknown): void }).setHostContext({ theme: 'dark' }),
    );
    await view.locator('#map[data-theme="dark"][data-state="idle"]').waitFor({ timeout: 30_000 });
    const shot = PNG.sync.read(await page.screenshot({ path: artifactPath('map-view-dark.png') }));
    const { x, y } = await pagePoint([11, 7]);
    const i = (Math.round(y) * shot.width + Math.round(x)) * 4;
    expect(shot.data[i]! + shot.data[i + 1]! + shot.data[i + 2]!).toBeLessThan(3 * 60);
  }, 60_000);
});

/**
 * The same view fed what a real render_map call returns (a demo server, the SDK client): the
 * demo countries coloured by name over Europe. Checks the view draws Meridian's own output, not
 * only the fixture, and that its legend is the RenderedMap's.
 */
describe('map view in an MCP Apps host, fed by a real render_map result', () => {
  let t: TestServer;
  let host: MapAppHost;
  let browser: Browser;

  beforeAll(async () => {
    t = await startTestServer('sqlite', { demo: true });
    await t.server.demoReady;
    host = await startMapAppHost();
    browser = await launchChromium({ webgl: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await t?.stop();
  });

  it('draws the countries in their category colours and shows the legend render_map computed', async () => {
    const user = await t.addUser({ email: 'viewer@example.com', role: 'viewer' });
    const client = await connectModernClient(t.mcpUrl, await t.createToken(user));
    const result = await callTool(client, 'render_map', {
      title: 'Three countries',
      viewport: { center: [5, 46], zoom: 3.5 },
      layers: [
        {
          id: 'countries',
          title: 'Countries',
          source: { kind: 'table', connection: 'demo', table: 'countries' },
          style: {
            opacity: 1,
            strokeWidth: 0,
            colorBy: {
              kind: 'categories',
              column: 'name',
              categories: [
                { value: 'France', color: '#d62728' },
                { value: 'Germany', color: '#2ca02c' },
                { value: 'Spain', color: '#9467bd' },
              ],
              otherColor: '#9e9e9e',
            },
            tooltipColumns: ['name'],
          },
        },
      ],
    });
    await client.close();
    expect(result.isError).toBeFalsy();
    const map = result.structuredContent as unknown as RenderedMap;
    expect(map.layers[0]!.featureCount).toBeGreaterThan(150);

    const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
    const messages: string[] = [];
    page.on('console', (m: ConsoleMessage) => messages.push(`${m.type()}: ${m.text()}`));
    await page.goto(`${host.url}/host.html`);
    await page.waitForFunction(
      () => typeof (window as unknown as { showMap?: unknown }).showMap === 'function',
    );
    await page.evaluate(
      (r) =>
        (window as unknown as { showMap(r: unknown, c: unknown): Promise<void> }).showMap(r, {
          theme: 'light',
          containerDimensions: { width: 900, height: 560 },
        }),
      { content: result.content, structuredContent: result.structuredContent },
    );
    const view = page.frameLocator('iframe');
    await view.locator('#map[data-state="idle"]').waitFor({ timeout: 60_000 });
    const shot = PNG.sync.read(await page.screenshot({ path: artifactPath('map-view-render-map.png') }));
    const canvas = (await view.locator('#map canvas').boundingBox())!;
    const colourAt = async (lngLat: [number, number]) => {
      const p = await view.locator('#map').evaluate(
        (_el, ll) =>
          (
            window as unknown as {
              __meridianMap: { maplibre: { project(p: [number, number]): { x: number; y: number } } };
            }
          ).__meridianMap.maplibre.project(ll),
        lngLat,
      );
      const i = (Math.round(canvas.y + p.y) * shot.width + Math.round(canvas.x + p.x)) * 4;
      return '#' + [0, 1, 2].map((k) => shot.data[i + k]!.toString(16).padStart(2, '0')).join('');
    };
    // Well inside each country: Bourges, Kassel, Madrid, Warsaw (an "Other" country).
    expect(await colourAt([2.4, 47.1])).toBe('#d62728');
    expect(await colourAt([9.5, 51.3])).toBe('#2ca02c');
    expect(await colourAt([-3.7, 40.4])).toBe('#9467bd');
    expect(await colourAt([21, 52.2])).toBe('#9e9e9e');

    const legend = await view
      .locator('[data-testid="map-legend"] .meridian-legend-entry')
      .evaluateAll((rows) =>
        rows.map((r) => ({ label: r.textContent, color: (r as HTMLElement).dataset.color })),
      );
    const expected = map.layers[0]!.legend;
    expect(expected?.kind).toBe('categories');
    expect(legend).toEqual(expected?.kind === 'categories' ? expected.entries : []);
    expect(legend.map((e) => e.label)).toEqual(['France', 'Germany', 'Spain', 'Other']);
    expect(messages.filter((m) => /Content Security Policy|Refused to/i.test(m))).toEqual([]);
    await page.close();
  }, 120_000);
});
