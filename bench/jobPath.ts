/**
 * Issue 12's figures for the workflow job path, against a Meridian process (bench/targets) with
 * the embedded demo connection and a PostGIS warehouse this bench builds on 127.0.0.1:
 *  1. a sync workflow tool call vs the same SQL straight on the engine, at 1, 4 and 16
 *     concurrent clients, both engines (goal ≥ 0.9×);
 *  2. 50 async jobs of a 0.1 s query: drain time vs the sum of their engine times (goal ≤ 2×);
 *  3. a 10 058-row PostGIS job: wall time vs engine time (goal ≤ engine + 0.5 s), with the
 *     runner's per-phase breakdown;
 *  4. scale: a generated point table (BENCH_SCALE=1m by default, 10m for ten million rows) —
 *     a spatial join + aggregate, and a large result (BENCH_PAGE_ROWS, default 1 000 000)
 *     through MCP as an async job paged to the end: wall time, server CPU, peak RSS and RSS
 *     growth per result size (goal: growth < 100 MB paging 1M rows).
 * Every run is bounded (BENCH_SECONDS per measurement, default 3) and only touches 127.0.0.1.
 * Section 1 drives both sides through one closed loop (bench/lib/closedLoop.ts) for BENCH_ROUNDS
 * rounds (default 3); BENCH_PARTS picks sections (default 1,2,3,4); BENCH_CPU_PROF=<dir> writes the target's CPU profile there.
 * Target and baseline alternate per step, so a neighbour's load hits both alike.
 */
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startTarget } from './lib/startTarget.ts';
import { closedLoop, type ClosedLoopResult } from './lib/closedLoop.ts';
import { connectModernClient } from '../test/support/mcpClients.ts';
import { createTestDatabase, postgresReachable } from '../test/support/postgres.ts';
import { loadDemoDataIntoPostgis, loadDemoDataIntoSpatialite } from '../src/demo/index.ts';
import {
  createPostgisEngine,
  createSpatialiteEngine,
  type Engine,
  type CompiledQuery,
} from '../src/engines/index.ts';
import { catalogFromDescription, compileWorkflow, parseWorkflowDocument } from '../src/workflows/index.ts';

if (!(await postgresReachable())) {
  process.stdout.write('PostgreSQL is not reachable on 127.0.0.1: skipping the job path bench\n');
  process.exit(0);
}
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
/** Section 1: rounds per step (tool and SQL alternating); the ratio shown is their median. */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
/** Which sections run (BENCH_PARTS=1,4 for instance); all by default. */
const PARTS = new Set((process.env.BENCH_PARTS ?? '1,2,3,4').split(',').map((p) => p.trim()));
/** Jobs the target runs at once; the direct-SQL side gets as many connections, for like against like. */
const CONCURRENCY = Number(process.env.BENCH_JOB_CONCURRENCY ?? 4);
const SCALE =
  process.env.BENCH_SCALE === '10m' ? 10_000_000 : Number(process.env.BENCH_SCALE_ROWS ?? 1_000_000);
const PAGE_ROWS = Math.min(Number(process.env.BENCH_PAGE_ROWS ?? 1_000_000), SCALE);
const out = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- the warehouse ----
const t0 = performance.now();
const warehouse = await createTestDatabase(['postgis']);
process.once('uncaughtException', (error) => {
  process.stderr.write(`${String(error)}\n`);
  void warehouse.drop().finally(() => process.exit(1));
});
await loadDemoDataIntoPostgis(warehouse.url);
const admin = new pg.Client({ connectionString: warehouse.url });
await admin.connect();
admin.on('error', () => undefined);
await admin.query(`CREATE TABLE pts_10k AS
  SELECT g AS id, 'point ' || g AS name, ST_SetSRID(ST_MakePoint(g % 360 - 180, g % 170 - 85), 4326) AS geom
    FROM generate_series(1, 10058) g`);
// Points spread over the world, regions a 20 × 10 grid of 18° cells: the join + aggregate.
await admin.query(`CREATE TABLE points AS
  SELECT g AS id, (g % 1000) AS category,
         ST_SetSRID(ST_MakePoint(-180 + 360 * random(), -90 + 180 * random()), 4326) AS geom
    FROM generate_series(1, ${SCALE}) g`);
await admin.query('CREATE INDEX ON points USING gist (geom)');
await admin.query(`CREATE TABLE regions AS
  SELECT x * 20 + y AS id, ST_MakeEnvelope(-180 + x * 18, -90 + y * 18, -162 + x * 18, -72 + y * 18, 4326) AS geom
    FROM generate_series(0, 19) x, generate_series(0, 9) y`);
await admin.query('ANALYZE');
out(
  `warehouse: demo data + ${SCALE.toLocaleString('en')} points built in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);

const sqlWorkflow = (name: string, sql: string, columns: { name: string; type: string }[]) => ({
  name,
  description: name,
  connection: 'warehouse',
  parameters: [],
  nodes: [
    { id: 'q', component: 'sql_query', config: { sql, columns } },
    { id: 'result', component: 'result', inputs: { input: 'q' } },
  ],
  output: 'result',
});
const SLOW_SQL = 'SELECT count(*)::int AS n FROM regions, (SELECT pg_sleep(0.1)) AS pause';
const JOIN_SQL =
  'SELECT r.id AS region, count(p.id)::int AS points, count(DISTINCT p.category)::int AS categories FROM regions r JOIN points p ON ST_Intersects(r.geom, p.geom) GROUP BY r.id ORDER BY r.id';
const PAGE_SQL = `SELECT id, category, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM points ORDER BY id LIMIT ${PAGE_ROWS}`;
const nearestDoc = JSON.parse(readFileSync('examples/workflows/nearest-cities.json', 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'meridian-bench-jobpath-'));
const setupFile = join(dir, 'setup.json');
writeFileSync(
  setupFile,
  JSON.stringify({
    connections: [{ name: 'warehouse', url: warehouse.url }],
    workflows: [
      {
        document: { ...nearestDoc, name: 'nearest_pg', connection: 'warehouse' },
        toolName: 'nearest_pg',
        mode: 'sync',
      },
      {
        document: {
          name: 'pts_10k',
          description: 'pts_10k',
          connection: 'warehouse',
          parameters: [],
          nodes: [
            { id: 't', component: 'table', config: { table: 'pts_10k' } },
            { id: 'result', component: 'result', inputs: { input: 't' } },
          ],
          output: 'result',
        },
        toolName: 'pts_10k',
        mode: 'sync',
        syncDeadlineMs: 60_000,
      },
      {
        document: sqlWorkflow('slow_async', SLOW_SQL, [{ name: 'n', type: 'integer' }]),
        toolName: 'slow_async',
        mode: 'async',
      },
      {
        document: sqlWorkflow('join_async', JOIN_SQL, [
          { name: 'region', type: 'integer' },
          { name: 'points', type: 'integer' },
          { name: 'categories', type: 'integer' },
        ]),
        toolName: 'join_async',
        mode: 'async',
      },
      {
        document: sqlWorkflow('page_async', PAGE_SQL, [
          { name: 'id', type: 'integer' },
          { name: 'category', type: 'integer' },
          { name: 'lon', type: 'number' },
          { name: 'lat', type: 'number' },
        ]),
        toolName: 'page_async',
        mode: 'async',
      },
    ],
  }),
);

const target = await startTarget('bench/targets/meridian.ts', {
  BENCH_DEMO: '1',
  BENCH_SETUP: setupFile,
  BENCH_PHASES: '1',
  MERIDIAN_JOB_MAX_ROWS: String(Math.max(PAGE_ROWS, 100_000)),
  MERIDIAN_JOB_WALL_TIMEOUT: '30m',
  MERIDIAN_JOB_QUERY_TIMEOUT: '10m',
  MERIDIAN_JOB_CONCURRENCY: String(CONCURRENCY),
  // The warehouse this bench builds is on loopback, which connections may reach only when listed.
  MERIDIAN_CONNECTION_HOSTS: '127.0.0.1',
});
const { url, token } = target.info as { url: string; token: string };
const phaseLines: { rows: number; phases: Record<string, number> }[] = [];
target.child.stdout!.on('data', (data: Buffer) => {
  for (const line of String(data).split('\n'))
    if (line.startsWith('PHASES ')) phaseLines.push(JSON.parse(line.slice(7)));
});
const pid = target.child.pid!;
/** The target's CPU seconds (user + system) and RSS figures, from /proc. */
function processStats(): { cpuS: number; rssMb: number; peakRssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)![1]) / 1024;
  return {
    cpuS: (Number(fields[11]) + Number(fields[12])) / 100,
    rssMb: kb('VmRSS'),
    peakRssMb: kb('VmHWM'),
  };
}

// ---- the same SQL on the engines ----
const demoDir = mkdtempSync(join(tmpdir(), 'meridian-bench-jobpath-sl-'));
await loadDemoDataIntoSpatialite(join(demoDir, 'demo.sqlite'));
const engines: Record<'spatialite' | 'postgis', Engine> = {
  // As the target sizes its engines from MERIDIAN_JOB_CONCURRENCY (ConnectionRegistry).
  spatialite: createSpatialiteEngine({
    file: join(demoDir, 'demo.sqlite'),
    readOnly: true,
    poolSize: Math.min(CONCURRENCY, Math.max(2, availableParallelism())),
  }),
  postgis: createPostgisEngine({ url: warehouse.url, poolMax: CONCURRENCY }),
};
const args = { lon: 2.3522, lat: 48.8566, k: 5 };
async function compiled(
  engine: Engine,
  document: unknown,
  a: Record<string, unknown> = args,
): Promise<CompiledQuery> {
  const doc = parseWorkflowDocument(JSON.stringify(document));
  return compileWorkflow(doc, {
    dialect: engine.dialect,
    catalog: catalogFromDescription(await engine.describe()),
    args: a,
  }).query;
}
/** The SQL straight on the engine, through the same loop as the tool calls (closedLoop). */
const direct = (engine: Engine, query: CompiledQuery, clients: number) =>
  closedLoop(clients, SECONDS, async () => {
    await engine.run(query);
    return true;
  });
const meta = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
/** Each phase's median over the jobs of one measurement (the runner's per-job lines). */
function medianPhases(lines: { phases: Record<string, number> }[]): Record<string, number> {
  const median: Record<string, number> = {};
  for (const key of new Set(lines.flatMap((l) => Object.keys(l.phases)))) {
    const values = lines.map((l) => l.phases[key] ?? 0).sort((a, b) => a - b);
    median[key] = Math.round(values[Math.floor(values.length / 2)]! * 10) / 10;
  }
  return median;
}
const toolHeaders = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  authorization: `Bearer ${token}`,
  'mcp-protocol-version': '2026-07-28',
  'mcp-method': 'tools/call',
};
/**
 * One sync tool call over HTTP, awaited to its answer; a tool error (isError) counts as a failure,
 * so a refused connection or a failed job never passes for a fast call.
 */
async function toolCallOnce(name: string): Promise<boolean> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...toolHeaders, 'mcp-name': name },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name, arguments: args, _meta: meta },
    }),
  });
  const text = await response.text();
  return response.ok && text.includes('"result"') && !text.includes('"isError":true');
}
const toolCall = (name: string, clients: number) => closedLoop(clients, SECONDS, () => toolCallOnce(name));

if (PARTS.has('1')) {
  out(
    `\n1. sync workflow tool call vs the same SQL on the engine (throughput, calls/s, medians of ${ROUNDS} alternating rounds; goal ≥ 0.9×); ${CONCURRENCY} jobs at once, as many engine connections`,
  );
  out(
    `${'engine'.padEnd(12)}${'clients'.padStart(8)}${'tool/s'.padStart(10)}${'p50 ms'.padStart(9)}${'SQL/s'.padStart(10)}${'p50 ms'.padStart(9)}${'ratio'.padStart(8)}  errors`,
  );
  for (const [dialect, toolName] of [
    ['spatialite', 'nearest_cities'],
    ['postgis', 'nearest_pg'],
  ] as const) {
    const query = await compiled(engines[dialect], { ...nearestDoc, connection: 'x' });
    for (const clients of [1, 4, 16]) {
      const firstPhase = phaseLines.length;
      const rounds: { tool: ClosedLoopResult; sql: ClosedLoopResult }[] = [];
      // Target and baseline alternate, and swap places each round, so a neighbour's load hits both.
      for (let round = 0; round < ROUNDS; round++) {
        if (round % 2 === 0) {
          const tool = await toolCall(toolName, clients);
          rounds.push({ tool, sql: await direct(engines[dialect], query, clients) });
        } else {
          const sql = await direct(engines[dialect], query, clients);
          rounds.push({ sql, tool: await toolCall(toolName, clients) });
        }
      }
      const jobPhases = medianPhases(phaseLines.slice(firstPhase));
      const ratios = rounds.map((r) => r.tool.callsPerSecond / r.sql.callsPerSecond);
      const mid = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
      out(
        `${dialect.padEnd(12)}${String(clients).padStart(8)}${mid(rounds.map((r) => r.tool.callsPerSecond))
          .toFixed(1)
          .padStart(10)}${mid(rounds.map((r) => r.tool.p50Ms))
          .toFixed(0)
          .padStart(9)}${mid(rounds.map((r) => r.sql.callsPerSecond))
          .toFixed(1)
          .padStart(10)}${mid(rounds.map((r) => r.sql.p50Ms))
          .toFixed(0)
          .padStart(
            9,
          )}${mid(ratios).toFixed(2).padStart(7)}×  ${rounds.reduce((n, r) => n + r.tool.failures, 0)}  rounds ${ratios.map((x) => x.toFixed(2)).join(' ')}`,
      );
      out(`${''.padEnd(12)}median job phases (ms): ${JSON.stringify(jobPhases)}`);
    }
  }
}

const client = await connectModernClient(url, token);
type S = Record<string, unknown>;
const call = async (name: string, a: S = {}): Promise<S> => {
  const r = await client.callTool({ name, arguments: a });
  if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.content)}`);
  return r.structuredContent as S;
};
async function finished(jobId: string): Promise<S> {
  for (;;) {
    const s = await call('get_job_status', { job_id: jobId });
    if (s.state !== 'queued' && s.state !== 'running') return s;
    await sleep(25);
  }
}

if (PARTS.has('2')) {
  out('\n2. 50 async jobs of a 0.1 s query: drain time vs the sum of their engine times (goal ≤ 2×)');
  {
    const query = { sql: SLOW_SQL, params: [] };
    let engineMs = 0;
    for (let i = 0; i < 50; i++) {
      const s = performance.now();
      await engines.postgis.run(query);
      engineMs += performance.now() - s;
    }
    const started = performance.now();
    const ids = await Promise.all(
      Array.from({ length: 50 }, async () => String((await call('slow_async')).jobId)),
    );
    for (const id of ids) await finished(id);
    const drainMs = performance.now() - started;
    out(
      `sum of engine times ${(engineMs / 1000).toFixed(2)} s; 50 jobs drained in ${(drainMs / 1000).toFixed(2)} s (${(50 / (drainMs / 1000)).toFixed(1)} jobs/s) = ${(drainMs / engineMs).toFixed(2)}× the sum`,
    );
  }
}

if (PARTS.has('3')) {
  out(
    '\n3. a 10 058-row PostGIS job (sync tool call, ends when the job does) vs its SQL streamed to the end on the engine',
  );
  {
    const query = await compiled(
      engines.postgis,
      {
        name: 'p',
        description: 'p',
        connection: 'x',
        parameters: [],
        nodes: [
          { id: 't', component: 'table', config: { table: 'pts_10k' } },
          { id: 'result', component: 'result', inputs: { input: 't' } },
        ],
        output: 'result',
      },
      {},
    );
    for (let run = 0; run < 3; run++) {
      let s = performance.now();
      let rows = 0;
      for await (const batch of engines.postgis.stream(query, { batchSize: 1000 })) rows += batch.length;
      const engineMs = performance.now() - s;
      s = performance.now();
      const r = await call('pts_10k');
      const jobMs = performance.now() - s;
      await sleep(100);
      const phases = phaseLines.filter((p) => p.rows === 10_058).at(-1)?.phases;
      out(
        `run ${run + 1}: engine ${engineMs.toFixed(0)} ms (${rows} rows); tool call ${jobMs.toFixed(0)} ms (${String(r.rowCount)} rows) = engine + ${(jobMs - engineMs).toFixed(0)} ms; phases ${JSON.stringify(phases)}`,
      );
    }
  }
}

if (PARTS.has('4')) {
  out(`\n4. scale: ${SCALE.toLocaleString('en')} points (BENCH_SCALE=${process.env.BENCH_SCALE ?? '1m'})`);
  out(
    `${'workload'.padEnd(40)}${'rows'.padStart(10)}${'wall s'.padStart(9)}${'engine s'.padStart(10)}${'srv CPU s'.padStart(11)}${'RSS +MB'.padStart(9)}${'of it job'.padStart(10)}${'peak MB'.padStart(9)}`,
  );
  async function scaleRun(label: string, tool: string, sql: string, page: boolean) {
    const s0 = performance.now();
    await engines.postgis.run(
      { sql: `SELECT count(*) FROM (${sql}) AS q`, params: [] },
      { timeoutMs: 600_000 },
    );
    const engineS = (performance.now() - s0) / 1000;
    const before = processStats();
    let peak = before.rssMb;
    const sampler = setInterval(() => (peak = Math.max(peak, processStats().rssMb)), 100);
    const started = performance.now();
    const job = String((await call(tool)).jobId);
    const status = await finished(job);
    if (status.state !== 'succeeded')
      throw new Error(`${tool} ended ${String(status.state)}: ${String(status.error)}`);
    // The growth while the job ran, apart from the growth while its result was paged.
    const jobPeak = Math.max(peak, processStats().rssMb);
    let rows = 0;
    if (page) {
      let cursor: string | undefined;
      do {
        const p = await call('get_job_results', { job_id: job, page_size: 1000, ...(cursor && { cursor }) });
        rows += (p.rows as unknown[]).length;
        cursor = p.nextCursor as string | undefined;
      } while (cursor);
    } else rows = Number(status.rowCount);
    const wallS = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const after = processStats();
    out(
      `${label.padEnd(40)}${String(rows).padStart(10)}${wallS.toFixed(2).padStart(9)}${engineS.toFixed(2).padStart(10)}${(after.cpuS - before.cpuS).toFixed(2).padStart(11)}${(Math.max(peak, after.rssMb) - before.rssMb).toFixed(0).padStart(9)}${(jobPeak - before.rssMb).toFixed(0).padStart(10)}${after.peakRssMb.toFixed(0).padStart(9)}`,
    );
  }
  await scaleRun('join + aggregate (200 regions)', 'join_async', JOIN_SQL, false);
  await scaleRun(
    `${PAGE_ROWS.toLocaleString('en')}-row result, paged to the end`,
    'page_async',
    PAGE_SQL,
    true,
  );
}
await client.close();
await target.stop();
await Promise.all(Object.values(engines).map((e) => e.close()));
await admin.end();
await warehouse.drop();
