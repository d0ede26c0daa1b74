import { startTarget } from './lib/startTarget.ts';
import { measure, printTable, type Measurement } from './lib/measure.ts';

/**
 * tools/list throughput and p99: Meridian (bearer token checked against the store on every
 * request) beside the v1 SDK's stateless reference pattern (no auth) and a raw node:http server
 * returning the same body. Issue 2's goal: Meridian ≥ 3× the SDK reference.
 */
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

const rows: Measurement[] = [];

const meridian = await startTarget('bench/targets/meridian.ts');
const token = meridian.info.token!;
const probe = await fetch(meridian.info.url, {
  method: 'POST',
  headers: modernHeaders(token),
  body: modernBody,
});
const toolsListBody = await probe.text();
if (probe.status !== 200) throw new Error(`Meridian tools/list failed: ${probe.status} ${toolsListBody}`);
rows.push(
  await measure('meridian, 2026-07-28, bearer token', {
    url: meridian.info.url,
    headers: modernHeaders(token),
    body: modernBody,
  }),
);

// A 2025 client: initialize once, then tools/list on its (store-backed) session.
const init = await fetch(meridian.info.url, {
  method: 'POST',
  headers: { ...legacyHeaders, authorization: `Bearer ${token}` },
  body: JSON.stringify({
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
  }),
});
const sessionId = init.headers.get('mcp-session-id')!;
rows.push(
  await measure('meridian, 2025-11-25 session, bearer token', {
    url: meridian.info.url,
    headers: { ...legacyHeaders, authorization: `Bearer ${token}`, 'mcp-session-id': sessionId },
    body: legacyBody,
  }),
);
await meridian.stop();

const sdk = await startTarget('bench/targets/sdkV1Stateless.ts');
rows.push(
  await measure('sdk-v1 stateless reference, no auth', {
    url: sdk.info.url,
    headers: legacyHeaders,
    body: legacyBody,
  }),
);
await sdk.stop();

const raw = await startTarget('bench/targets/rawNodeHttp.ts', { BENCH_BODY: toolsListBody });
rows.push(
  await measure('raw node:http, same body', { url: raw.info.url, headers: legacyHeaders, body: legacyBody }),
);
await raw.stop();

printTable('MCP tools/list (16 connections, 5 s each, after 1 s warm-up)', rows, 'sdk');
const byLabel = (prefix: string) => rows.find((r) => r.label.startsWith(prefix))!;
const sdkRps = byLabel('sdk-v1').requestsPerSecond;
process.stdout.write(
  `ratios: meridian/sdk-v1 = ${(byLabel('meridian, 2026').requestsPerSecond / sdkRps).toFixed(2)}× (goal ≥ 3×); ` +
    `sdk-v1/raw = ${(sdkRps / byLabel('raw').requestsPerSecond).toFixed(3)}; ` +
    `meridian/raw = ${(byLabel('meridian, 2026').requestsPerSecond / byLabel('raw').requestsPerSecond).toFixed(3)}\n`,
);
