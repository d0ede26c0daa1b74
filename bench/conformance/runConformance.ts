/**
 * Runs the server scenarios of @modelcontextprotocol/conformance against a real Meridian (demo
 * data, SQLite store). The suite has no option for an Authorization header, so it talks to a
 * loopback proxy that adds a bearer token of a demo editor and forwards everything else as is.
 *
 *   node --import tsx bench/conformance/runConformance.ts <path to conformance dist/index.js> [scenario...]
 *
 * The conformance package is not a dependency (install it anywhere with npm); on Node 20 its
 * runner is started with fsGlobSyncShim.mjs preloaded.
 */
import http from 'node:http';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startTestServer } from '../../test/support/testServer.ts';

const [runner, ...scenarios] = process.argv.slice(2);
if (!runner) throw new Error('usage: runConformance.ts <conformance dist/index.js> [scenario...]');

const t = await startTestServer('sqlite', { demo: true });
await t.server.demoReady;
const editor = await t.addUser({ email: 'conformance@example.com', role: 'editor' });
const token = await t.createToken(editor);
const target = new URL(t.mcpUrl);

const proxy = http.createServer((req, res) => {
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
});
await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
const port = (proxy.address() as { port: number }).port;
const url = `http://localhost:${port}${target.pathname}`;

const shim = fileURLToPath(new URL('./fsGlobSyncShim.mjs', import.meta.url));
const results: { scenario: string; status: number | null }[] = [];
for (const scenario of scenarios.length ? scenarios : [undefined]) {
  const args = [
    '--import',
    shim,
    runner,
    'server',
    '--url',
    url,
    ...(scenario ? ['--scenario', scenario] : []),
  ];
  // Not spawnSync: the server and the proxy answer from this process's event loop.
  const child = spawn(process.execPath, args, { stdio: 'inherit' });
  const status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  results.push({ scenario: scenario ?? '(active suite)', status });
}
for (const r of results) console.log(`${r.status === 0 ? 'PASS' : 'FAIL'} ${r.scenario}`);

proxy.close();
await t.stop();
