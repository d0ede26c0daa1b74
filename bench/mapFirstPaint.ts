/**
 * First paint of the MCP Apps map view (web/dist/map-app/index.html, `npm run build:web` first) in
 * Debian's Chromium with software WebGL, embedded like a host does (sandboxed iframe, the MCP Apps
 * default CSP, AppBridge): from the iframe's navigation start to the first frame with every
 * layer's features drawn (mountMap's data-first-render-ms, the view's own performance.now()).
 * Two maps: the 6-feature test fixture, and a large one near the per-layer caps.
 * Run: node --import tsx bench/mapFirstPaint.ts [runs]
 */
import type { Page } from 'playwright-core';
import { launchChromium } from '../test/support/browser.ts';
import { startMapAppHost } from '../test/support/mapAppHost/startMapAppHost.ts';
import { fixtureMap, toolResultFor } from '../test/support/mapAppHost/fixtureMap.ts';
import type { RenderedMap } from '../src/maps/renderedMap.ts';

const RUNS = Number(process.argv[2] ?? 10);

/** 2,500 grid polygons coloured on a ramp plus 5,000 points by category. */
function largeMap(): RenderedMap {
  const base = fixtureMap();
  const [districts, sensors] = base.layers as [RenderedMap['layers'][0], RenderedMap['layers'][0]];
  const cells = [];
  for (let i = 0; i < 50; i++)
    for (let j = 0; j < 50; j++) {
      const w = -20 + i * 0.8;
      const s = -20 + j * 0.8;
      cells.push({
        type: 'Feature' as const,
        properties: { reading: (i * j) % 100 },
        geometry: {
          type: 'Polygon' as const,
          coordinates: [
            [
              [w, s],
              [w + 0.7, s],
              [w + 0.7, s + 0.7],
              [w, s + 0.7],
              [w, s],
            ],
          ],
        },
      });
    }
  const points = Array.from({ length: 5000 }, (_, k) => ({
    type: 'Feature' as const,
    properties: { name: `p${k}`, kind: ['park', 'water', 'industrial'][k % 3]!, area_km2: k },
    geometry: { type: 'Point' as const, coordinates: [-20 + ((k * 7.31) % 40), -20 + ((k * 3.77) % 40)] },
  }));
  return {
    ...base,
    title: 'Large map',
    bounds: [-20, -20, 20.7, 20.7],
    layers: [
      {
        ...sensors,
        id: 'cells',
        title: 'Cells',
        style: { ...sensors.style, pointRadius: 3 },
        data: { type: 'FeatureCollection', features: cells },
        featureCount: cells.length,
        totalFeatures: cells.length,
        truncated: false,
      },
      {
        ...districts,
        id: 'points',
        title: 'Points',
        style: { ...districts.style, pointRadius: 3 },
        data: { type: 'FeatureCollection', features: points },
        featureCount: points.length,
        totalFeatures: points.length,
      },
    ],
  };
}

const parts: Record<string, number[]> = {};

async function firstPaint(page: Page, map: RenderedMap): Promise<number> {
  await page.evaluate(
    (result) =>
      (window as unknown as { showMap(r: unknown, c: unknown): Promise<void> }).showMap(result, {
        theme: 'light',
        containerDimensions: { width: 900, height: 560 },
      }),
    toolResultFor(map),
  );
  const mapEl = page.frameLocator('iframe').locator('#map[data-state="idle"]');
  await mapEl.waitFor({ timeout: 60_000 });
  const marks = await mapEl.evaluate(() =>
    Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, m.startTime])),
  );
  for (const [name, at] of Object.entries(marks)) (parts[name] ??= []).push(at);
  return Number(await mapEl.getAttribute('data-first-render-ms'));
}

function summary(label: string, samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  console.log(
    `${label.padEnd(52)} n=${String(samples.length).padStart(3)}  p50 ${pct(50).toFixed(0)} ms  p95 ${pct(95).toFixed(0)} ms  min ${sorted[0]!.toFixed(0)}  max ${sorted[sorted.length - 1]!.toFixed(0)}`,
  );
}

const host = await startMapAppHost();
const browser = await launchChromium({ webgl: true });
try {
  const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
  await page.goto(`${host.url}/host.html`);
  await page.waitForFunction(
    () => typeof (window as unknown as { showMap?: unknown }).showMap === 'function',
  );
  for (const [label, map] of [
    ['map view first paint: fixture (6 features)', fixtureMap()],
    ['map view first paint: 2,500 polygons + 5,000 points', largeMap()],
  ] as const) {
    await firstPaint(page, map); // warm-up: browser caches, shader compilation in SwiftShader
    const samples: number[] = [];
    for (let i = 0; i < RUNS; i++) samples.push(await firstPaint(page, map));
    summary(label, samples);
    for (const [name, at] of Object.entries(parts)) summary(`  of which: ${name} reached at`, at.slice(1));
    for (const key of Object.keys(parts)) delete parts[key];
  }
} finally {
  await browser.close();
  await host.close();
}
