import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { mkdtempSync } from 'node:fs';
import { startTarget } from './lib/startTarget.ts';
import { measure, printTable, type Measurement } from './lib/measure.ts';
import { connectModernClient } from '../test/support/mcpClients.ts';
import { createSpatialiteEngine } from '../src/engines/index.ts';
import { loadDemoDataIntoSpatialite } from '../src/demo/index.ts';
import { catalogFromDescription, compileWorkflow, parseWorkflowDocument } from '../src/workflows/index.ts';
import { readFileSync } from 'node:fs';

/**
 * Issue 5's figures: a small sync workflow called as an MCP tool (submit, run as a job, wait,
 * read the first page) beside the same compiled SQL run directly on the embedded engine; and
 * async throughput (jobs submitted and completed per second).
 */
const args = { lon: 2.3522, lat: 48.8566, k: 5 };
const meta = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
const rows: Measurement[] = [];

const target = await startTarget('bench/targets/meridian.ts', { BENCH_DEMO: '1' });
const { url, token } = target.info as { url: string; token: string };
rows.push(
  await measure('tools/call nearest_cities (sync, via job)', {
    url,
    connections: 4,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${token}`,
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': 'nearest_cities',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'nearest_cities', arguments: args, _meta: meta },
    }),
  }),
);

// Async: 50 submissions (the per-user limit of active jobs), 8 in flight, then wait for all.
const JOBS = 50;
const client = await connectModernClient(url, token);
const started = performance.now();
const ids: string[] = [];
let next = 0;
await Promise.all(
  Array.from({ length: 8 }, async () => {
    while (next < JOBS) {
      const i = next++;
      const r = await client.callTool({
        name: 'nearest_cities_async',
        arguments: { ...args, lon: -50 + (i % 100) },
      });
      const jobId = (r.structuredContent as { jobId?: string } | undefined)?.jobId;
      if (!jobId) throw new Error(`submission ${i} refused: ${JSON.stringify(r.content)}`);
      ids.push(jobId);
    }
  }),
);
const submitted = performance.now();
for (;;) {
  const r = await client.callTool({ name: 'list_jobs', arguments: { limit: 100 } });
  const jobs = (r.structuredContent as { jobs: { jobId: string; state: string }[] }).jobs;
  const last = await client.callTool({ name: 'get_job_status', arguments: { job_id: ids[ids.length - 1]! } });
  const done =
    jobs.every((j) => j.state !== 'queued' && j.state !== 'running') &&
    (last.structuredContent as { state: string }).state === 'succeeded';
  if (done) break;
  await new Promise((r2) => setTimeout(r2, 100));
}
const completed = performance.now();
await client.close();
await target.stop();

// The same query, compiled once, straight on an embedded engine over the demo data.
const dir = mkdtempSync(join(tmpdir(), 'meridian-bench-sql-'));
await loadDemoDataIntoSpatialite(join(dir, 'demo.sqlite'));
const engine = createSpatialiteEngine({ file: join(dir, 'demo.sqlite') });
const doc = parseWorkflowDocument(readFileSync('examples/workflows/nearest-cities.json', 'utf8'));
const compiled = compileWorkflow(doc, {
  dialect: 'spatialite',
  catalog: catalogFromDescription(await engine.describe()),
  args,
});
const latencies: number[] = [];
for (let i = 0; i < 3; i++) await engine.run(compiled.query); // warm-up
const until = performance.now() + 5000;
await Promise.all(
  Array.from({ length: 4 }, async () => {
    while (performance.now() < until) {
      const t0 = performance.now();
      await engine.run(compiled.query);
      latencies.push(performance.now() - t0);
    }
  }),
);
await engine.close();
latencies.sort((a, b) => a - b);
rows.push({
  label: 'same SQL direct on SpatiaLite engine',
  requestsPerSecond: latencies.length / 5,
  p50Ms: latencies[Math.floor(latencies.length * 0.5)]!,
  p99Ms: latencies[Math.floor(latencies.length * 0.99)]!,
  errors: 0,
  non2xx: 0,
});

printTable('Workflow tool calls (4 concurrent, 5 s after 1 s warm-up)', rows, 'same SQL');
process.stdout.write(
  `ratio: tools/call / direct SQL throughput = ${(rows[0]!.requestsPerSecond / rows[1]!.requestsPerSecond).toFixed(2)}\n` +
    `async: ${JOBS} jobs submitted in ${((submitted - started) / 1000).toFixed(2)} s (${(JOBS / ((submitted - started) / 1000)).toFixed(0)} jobs/s), ` +
    `all completed after ${((completed - started) / 1000).toFixed(2)} s (${(JOBS / ((completed - started) / 1000)).toFixed(1)} jobs/s)\n`,
);
