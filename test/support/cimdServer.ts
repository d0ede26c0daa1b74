import { createServer, type Server } from 'node:https';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A throwaway CA and a leaf certificate for localhost / internal.test / 127.0.0.1, generated at
 * test time with the openssl command line (present wherever Debian's PostgreSQL and Chromium are).
 */
export function createTestCertificates(dir: string): { caPem: string; certPem: string; keyPem: string } {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=Meridian test CA',
  );
  run(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'leaf.key',
    '-out',
    'leaf.csr',
    '-subj',
    '/CN=localhost',
  );
  writeFileSync(
    join(dir, 'leaf.ext'),
    'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,DNS:internal.test,IP:127.0.0.1\n',
  );
  run(
    'x509',
    '-req',
    '-in',
    'leaf.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'leaf.pem',
    '-days',
    '2',
    '-extfile',
    'leaf.ext',
  );
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  return { caPem: read('ca.pem'), certPem: read('leaf.pem'), keyPem: read('leaf.key') };
}

export type Route = (req: IncomingMessage, res: ServerResponse) => void;

export interface CimdServer {
  origin: string;
  port: number;
  caFile: string;
  /** TCP connections accepted so far (the canary for SSRF cases). */
  connections(): number;
  /** Requests per path. */
  hits(path: string): number;
  route(path: string, handler: Route): void;
  json(path: string, document: unknown, headers?: Record<string, string>): void;
  close(): Promise<void>;
}

/** An https server with its own CA, serving client metadata documents for tests. */
export async function startCimdServer(): Promise<CimdServer> {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-ca-'));
  const certs = createTestCertificates(dir);
  const caFile = join(dir, 'ca.pem');
  const routes = new Map<string, Route>();
  const hitCounts = new Map<string, number>();
  let connections = 0;
  const server: Server = createServer({ cert: certs.certPem, key: certs.keyPem }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    hitCounts.set(path, (hitCounts.get(path) ?? 0) + 1);
    const handler = routes.get(path);
    if (!handler) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    handler(req, res);
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const origin = `https://localhost:${port}`;
  return {
    origin,
    port,
    caFile,
    connections: () => connections,
    hits: (path) => hitCounts.get(path) ?? 0,
    route: (path, handler) => routes.set(path, handler),
    json(path, document, headers = {}) {
      routes.set(path, (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(document));
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
