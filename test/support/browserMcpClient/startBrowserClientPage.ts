import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export interface BrowserClientPage {
  /** The page's origin, e.g. http://127.0.0.1:PORT. */
  origin: string;
  /** A page that loads the bundled MCP clients (window.modernClient, window.legacyClient). */
  url: string;
  close(): Promise<void>;
}

/** Serves a blank page carrying the bundled MCP SDK clients, on a loopback port of its own. */
export async function startBrowserClientPage(): Promise<BrowserClientPage> {
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('./clientPage.js', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  const clientJs = bundle.outputFiles[0]!.text;
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/index.html') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(
        '<!doctype html><html><head><meta charset="utf-8"><title>Browser MCP client</title><script type="module" src="/client.js"></script></head><body></body></html>',
      );
    } else if (path === '/client.js') {
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      response.end(clientJs);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  const origin = `http://127.0.0.1:${address.port}`;
  return {
    origin,
    url: `${origin}/index.html`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
