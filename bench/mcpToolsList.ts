import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTarget, type Target } from './lib/startTarget.ts';
import {
  alternateRounds,
  warmUntilSteady,
  type RoundTarget,
  type RoundsResult,
} from './lib/alternateRounds.ts';

/**
 * tools/list, issue 12's honest version. Three targets, each in its own process, serving the same
 * listing behind the same kind of bearer check:
 * - Meridian (demo org's admin, API token verified against the store on every request);
 * - the v1 SDK's stateless reference serving Meridian's own tools/list result, behind the SDK's
 *   requireBearerAuth (SHA-256 of the token looked up in an in-memory map);
 * - raw node:http replying Meridian's response bytes (the floor; it checks nothing).
 * Each is warmed up until its throughput settles, then they alternate in rotated rounds; the
 * medians are printed with server CPU µs per request (/proc/<pid>/stat around each window).
 * Goals: Meridian ≥ 4× the reference on CPU per request and ≥ 35% of raw node:http's req/s.
 */
const ROUNDS = 4;
const ROUND_S = 3;
const CONNECTIONS = 16;

const modernHeaders = (token: string) => ({
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  authorization: `Bearer ${token}`,
  'mcp-protocol-version': '2026-07-28',
  'mcp-method': 'tools/list',
});
const modernBody = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/list',
  params: {
    _meta: {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
      'io.modelcontextprotocol/clientCapabilities': {},
    },
  },
});
const legacyBody = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });
const legacyHeaders = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
};

const started: Target[] = [];
const start = async (script: string, env?: Record<string, string>) => {
  const target = await startTarget(script, env);
  started.push(target);
  return target;
};
const post = async (url: string, headers: Record<string, string>, body: string) => {
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${url}: ${response.status} ${text}`);
  return { text, sessionId: response.headers.get('mcp-session-id') };
};

const meridian = await start('bench/targets/meridian.ts', { BENCH_DEMO: '1' });
const token = meridian.info.token!;
const listing = await post(meridian.info.url, modernHeaders(token), modernBody);
const tools = (JSON.parse(listing.text) as { result: { tools: unknown[] } }).result.tools;

// A 2025 client: initialize once, then tools/list on its (store-backed) session.
const init = await post(
  meridian.info.url,
  { ...legacyHeaders, authorization: `Bearer ${token}` },
  JSON.stringify({
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
  }),
);

const dir = mkdtempSync(join(tmpdir(), 'meridian-bench-tools-'));
const toolsFile = join(dir, 'tools.json');
writeFileSync(toolsFile, JSON.stringify(tools));
const sdk = await start('bench/targets/sdkV1Stateless.ts', { BENCH_TOOLS: toolsFile, BENCH_TOKEN: token });
const raw = await start('bench/targets/rawNodeHttp.ts', { BENCH_BODY: listing.text });

const targets: RoundTarget[] = [
  {
    label: 'meridian, 2026-07-28, bearer token',
    pid: meridian.child.pid!,
    url: meridian.info.url,
    headers: modernHeaders(token),
    body: modernBody,
  },
  {
    label: 'meridian, 2025-11-25 session, bearer',
    pid: meridian.child.pid!,
    url: meridian.info.url,
    headers: { ...legacyHeaders, authorization: `Bearer ${token}`, 'mcp-session-id': init.sessionId! },
    body: legacyBody,
  },
  {
    label: 'sdk-v1 stateless, requireBearerAuth',
    pid: sdk.child.pid!,
    url: sdk.info.url,
    headers: { ...legacyHeaders, authorization: `Bearer ${token}` },
    body: legacyBody,
  },
  {
    label: 'raw node:http, same bytes',
    pid: raw.child.pid!,
    url: raw.info.url,
    headers: legacyHeaders,
    body: legacyBody,
  },
];

// Same listing? Compare what each target actually sends back.
const sdkListing = await post(sdk.info.url, targets[2]!.headers, legacyBody);
const sameTools =
  JSON.stringify((JSON.parse(sdkListing.text) as { result: { tools: unknown[] } }).result.tools) ===
  JSON.stringify(tools);
// The reference must refuse a wrong token, as Meridian does (otherwise it would skip the check).
const refused = await fetch(sdk.info.url, {
  method: 'POST',
  headers: { ...targets[2]!.headers, authorization: 'Bearer not-the-token' },
  body: legacyBody,
});
await refused.text();
process.stdout.write(
  `listing: ${tools.length} tools; meridian ${listing.text.length} B, sdk-v1 ${sdkListing.text.length} B ` +
    `(same tools: ${sameTools ? 'yes' : 'NO'}), raw ${listing.text.length} B; ` +
    `sdk-v1 with a wrong token: ${refused.status}\n`,
);

const wallStart = performance.now();
for (const target of targets) {
  const warm = await warmUntilSteady(target, CONNECTIONS);
  process.stdout.write(
    `warm-up ${target.label}: ${warm.windows.map((r) => r.toFixed(0)).join(', ')} req/s` +
      `${warm.steady ? '' : ' (did not settle within 5% in 20 s; machine loaded)'}\n`,
  );
}
const results = await alternateRounds(targets, {
  rounds: ROUNDS,
  durationS: ROUND_S,
  connections: CONNECTIONS,
});
for (const target of started) await target.stop();
rmSync(dir, { recursive: true, force: true });

const row = (r: RoundsResult, ref: RoundsResult, rawResult: RoundsResult) =>
  `${r.label.padEnd(40)}${r.requestsPerSecond.toFixed(0).padStart(8)}${r.p50Ms.toFixed(1).padStart(8)}` +
  `${r.p99Ms.toFixed(1).padStart(8)}${r.cpuMicrosPerRequest.toFixed(0).padStart(9)}` +
  `${(ref.cpuMicrosPerRequest / r.cpuMicrosPerRequest).toFixed(2).padStart(10)}×` +
  `${((100 * r.requestsPerSecond) / rawResult.requestsPerSecond).toFixed(0).padStart(8)}%` +
  `${String(r.failures).padStart(7)}\n`;
const [modern, legacy, reference, floor] = results as [
  RoundsResult,
  RoundsResult,
  RoundsResult,
  RoundsResult,
];
process.stdout.write(
  `\nMCP tools/list: ${CONNECTIONS} connections, ${ROUNDS} rotated rounds × ${ROUND_S} s, medians ` +
    `(${((performance.now() - wallStart) / 1000).toFixed(0)} s of load; shared machine, load average ` +
    `${(await import('node:os'))
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')})\n` +
    `${'target'.padEnd(40)}${'req/s'.padStart(8)}${'p50 ms'.padStart(8)}${'p99 ms'.padStart(8)}` +
    `${'CPU µs'.padStart(9)}${'CPU vs ref'.padStart(11)}${'of raw'.padStart(9)}${'fails'.padStart(7)}\n` +
    results.map((r) => row(r, reference, floor)).join('') +
    'per round (req/s | CPU µs):\n  ' +
    results
      .map(
        (r) =>
          `${r.label}: ${r.windows.map((w) => w.requestsPerSecond.toFixed(0)).join('/')} | ` +
          r.windows.map((w) => w.cpuMicrosPerRequest.toFixed(0)).join('/'),
      )
      .join('\n  ') +
    '\n',
);
const cpuRatio = reference.cpuMicrosPerRequest / modern.cpuMicrosPerRequest;
const ofRaw = modern.requestsPerSecond / floor.requestsPerSecond;
process.stdout.write(
  `ratios (2026-07-28): CPU per request sdk-v1/meridian = ${cpuRatio.toFixed(2)}× (goal ≥ 4×: ${cpuRatio >= 4 ? 'met' : 'NOT met'}); ` +
    `req/s meridian/sdk-v1 = ${(modern.requestsPerSecond / reference.requestsPerSecond).toFixed(2)}×; ` +
    `meridian/raw = ${(100 * ofRaw).toFixed(0)}% (goal ≥ 35%: ${ofRaw >= 0.35 ? 'met' : 'NOT met'}); ` +
    `2025 session/sdk-v1 CPU = ${(reference.cpuMicrosPerRequest / legacy.cpuMicrosPerRequest).toFixed(2)}×\n`,
);
