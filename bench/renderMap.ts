import { startTarget } from './lib/startTarget.ts';
import { connectModernClient } from '../test/support/mcpClients.ts';

/**
 * Issue 6's figure: render_map of a saved map of the demo cities over MCP (2026-07-28 client),
 * end to end — resolve the layer through the embedded engine (capped at 5 000 features, legend
 * from the data), draw the SVG, rasterize the 800×500 PNG, send it with the RenderedMap.
 * Sequential calls, so the figure is one call's latency, not the machine's throughput.
 */
const WARM_UP = 3;
const CALLS = 30;

const target = await startTarget('bench/targets/meridian.ts', { BENCH_DEMO: '1', BENCH_MAP: '1' });
const { url, token, mapId } = target.info as { url: string; token: string; mapId: string };
const client = await connectModernClient(url, token);
const latencies: number[] = [];
let pngBytes = 0;
let responseBytes = 0;
let features = 0;
try {
  for (let i = 0; i < WARM_UP + CALLS; i++) {
    const t0 = performance.now();
    const result = await client.callTool({ name: 'render_map', arguments: { mapId } });
    const ms = performance.now() - t0;
    if (result.isError) throw new Error(`render_map failed: ${JSON.stringify(result.content)}`);
    if (i < WARM_UP) continue;
    latencies.push(ms);
    const image = (result.content as { type: string; data?: string }[]).find((c) => c.type === 'image');
    pngBytes = Buffer.from(image?.data ?? '', 'base64').length;
    responseBytes = JSON.stringify(result).length;
    features = (result.structuredContent as { layers: { featureCount: number }[] }).layers[0]!.featureCount;
  }
} finally {
  await client.close();
  await target.stop();
}
latencies.sort((a, b) => a - b);
const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))]!;
process.stdout.write(
  `\nrender_map (PNG) of a saved map of the demo cities, ${CALLS} sequential calls after ${WARM_UP} warm-up\n` +
    `${'target'.padEnd(46)}${'p50 ms'.padStart(9)}${'p95 ms'.padStart(9)}${'max ms'.padStart(9)}\n` +
    `${'render_map {mapId} (800x500 PNG)'.padEnd(46)}${at(0.5).toFixed(1).padStart(9)}${at(0.95).toFixed(1).padStart(9)}${latencies[latencies.length - 1]!.toFixed(1).padStart(9)}\n` +
    `features drawn: ${features}; PNG ${(pngBytes / 1024).toFixed(0)} KiB; whole result ${(responseBytes / 1024).toFixed(0)} KiB\n`,
);
