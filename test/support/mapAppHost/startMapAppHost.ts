import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { MAP_APP_FILE } from '../../../src/maps/mapAppResource.ts';

/**
 * The CSP the MCP Apps spec (2026-01-26, "Restrictive Default") tells hosts to apply when a UI
 * resource declares no `_meta.ui.csp`, which is Meridian's case without a basemap.
 */
export const SPEC_DEFAULT_CSP = [
  "default-src 'none'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "media-src 'self' data:",
  "connect-src 'none'",
].join('; ');

export interface MapAppHost {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves a test host page (/host.html, the AppBridge bundled from hostPage.js) and the built view
 * (/view.html = web/dist/map-app/index.html, with `csp` as its Content-Security-Policy header) on
 * a loopback port. Build the view first (npm run build:web).
 */
export async function startMapAppHost(options: { csp?: string } = {}): Promise<MapAppHost> {
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('./hostPage.js', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  const hostJs = bundle.outputFiles[0]!.text;
  const viewHtml = await readFile(MAP_APP_FILE, 'utf8');
  const csp = options.csp ?? SPEC_DEFAULT_CSP;
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/host.html') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(
        '<!doctype html><html><head><meta charset="utf-8"><title>Test host</title></head><body style="margin:0"><script type="module" src="/host.js"></script></body></html>',
      );
    } else if (path === '/host.js') {
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      response.end(hostJs);
    } else if (path === '/view.html') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp });
      response.end(viewHtml);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
