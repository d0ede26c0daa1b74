/**
 * Runs the server scenarios of @modelcontextprotocol/conformance against a real Meridian (demo
 * data, SQLite store). The suite has no option for an Authorization header, so it talks to a
 * loopback proxy that adds a bearer token of a demo editor and forwards everything else as is.
 *
 *   node --import tsx bench/conformance/runConformance.ts <path to conformance dist/index.js> [scenario...]
 *
 * The conformance package is not a dependency (install it anywhere with npm); on Node 20 its
 * runner is started with fsGlobSyncShim.mjs preloaded.
 *
 * With no scenario named, it runs the scenarios that test a server's own behaviour. The suite's
 * other server scenarios call fixtures of its reference server by name (tools such as
 * `test_simple_text` or `test_tool_with_progress`, prompts such as `test_simple_prompt`,
 * resources under `test://`), which no product serves; name them to run them anyway.
 */
import http from 'node:http';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startTestServer } from '../../test/support/testServer.ts';

const [runner, ...named] = process.argv.slice(2);
const APPLICABLE = [
  'server-initialize',
  'ping',
  'logging-set-level',
  'tools-list',
  'resources-list',
  'prompts-list',
  'server-sse-multiple-streams',
  'dns-rebinding-protection',
];
const scenarios = named.length ? named : APPLICABLE;
if (!runner) throw new Error('usage: runConformance.ts <conformance dist/index.js> [scenario...]');

// The proxy is the server's public face here, as a reverse proxy would be: it listens first so
// that its origin can be configured as allowed (the dns-rebinding scenario sends it as Origin).
let forward: http.RequestListener = (_req, res) => res.destroy();
const proxy = http.createServer((req, res) => forward(req, res));
await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
const port = (proxy.address() as { port: number }).port;

const t = await startTestServer('sqlite', {
  demo: true,
  env: { MERIDIAN_ALLOWED_ORIGINS: `http://localhost:${port},http://127.0.0.1:${port}` },
});
await t.server.demoReady;
const editor = await t.addUser({ email: 'conformance@example.com', role: 'editor' });
const token = await t.createToken(editor);
const target = new URL(t.mcpUrl);

forward = (req, res) => {
  const upstream = http.request(
    {
      host: target.hostname,
      port: target.port,
      path: req.url,
      method: req.method,
      headers: { ...req.headers, host: target.host, authorization: `Bearer ${token}` },
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
};
const url = `http://localhost:${port}${target.pathname}`;

const shim = fileURLToPath(new URL('./fsGlobSyncShim.mjs', import.meta.url));
const results: { scenario: string; status: number | null }[] = [];
for (const scenario of scenarios) {
  const args = ['--import', shim, runner, 'server', '--url', url, '--scenario', scenario];
  // Not spawnSync: the server and the proxy answer from this process's event loop.
  const child = spawn(process.execPath, args, { stdio: 'inherit' });
  const status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  results.push({ scenario, status });
}
for (const r of results) console.log(`${r.status === 0 ? 'PASS' : 'FAIL'} ${r.scenario}`);

proxy.close();
await t.stop();
process.exitCode = results.every((r) => r.status === 0) ? 0 : 1;
