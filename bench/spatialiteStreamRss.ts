/**
 * Peak RSS of the whole process (main thread + the spl.js worker) while streaming a 1,000,000-row
 * SpatiaLite result, as the job runner does: `node --import tsx bench/spatialiteStreamRss.ts
 * [path/to/SpatialiteEngine.ts]` (the optional path measures another checkout's engine).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type {
  SpatialiteEngine,
  SpatialiteEngineOptions,
} from '../src/engines/spatialite/SpatialiteEngine.ts';

const enginePath = resolve(process.argv[2] ?? 'src/engines/spatialite/SpatialiteEngine.ts');
const { createSpatialiteEngine } = (await import(pathToFileURL(enginePath).href)) as {
  createSpatialiteEngine: (options: SpatialiteEngineOptions) => SpatialiteEngine;
};

const ROWS = 1_000_000;
const QUERY = {
  sql: `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS}) SELECT i AS id, 'place number ' || i AS name, i * 0.5 AS x, AsBinary(MakePoint(i % 360 - 180, i % 170 - 85, 4326)) AS geom FROM n`,
  params: [],
};

const dir = mkdtempSync(join(tmpdir(), 'meridian-stream-rss-'));
const engine = createSpatialiteEngine({
  file: join(dir, 'db.sqlite'),
  readOnly: false,
  defaultTimeoutMs: 600_000,
});
try {
  await engine.write([{ sql: 'CREATE TABLE t (x)', params: [] }]); // the file exists and the worker is up
  let peak = process.memoryUsage().rss;
  const idle = peak;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  const started = performance.now();
  let rows = 0;
  let batches = 0;
  let firstBatchMs = 0;
  for await (const batch of engine.stream(QUERY, { batchSize: 1000, maxRows: ROWS })) {
    if (batches++ === 0) firstBatchMs = performance.now() - started;
    rows += batch.length;
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  clearInterval(sampler);
  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
  console.log(
    `${enginePath}\n  rows ${rows} in ${batches} batches; first batch after ${firstBatchMs.toFixed(0)} ms, all after ${(performance.now() - started).toFixed(0)} ms\n  RSS before ${mb(idle)} MB, peak ${mb(peak)} MB (+${mb(peak - idle)} MB)`,
  );
} finally {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
}
