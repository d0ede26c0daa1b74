import * as x509 from '@peculiar/x509';
import { createServer, type Server } from 'node:https';
import { webcrypto, createPrivateKey } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

async function pem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key as webcrypto.CryptoKey));
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }).toString();
}

/** A throwaway CA and a leaf certificate for localhost / 127.0.0.1, generated at test time. */
export async function createTestCertificates(): Promise<{ caPem: string; certPem: string; keyPem: string }> {
  const now = Date.now();
  const caKeys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=Meridian test CA',
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 86_400_000),
    keys: caKeys as CryptoKeyPair,
    signingAlgorithm: ALG,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  const leafKeys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: 'CN=localhost',
    issuer: ca.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 86_400_000),
    signingKey: (caKeys as CryptoKeyPair).privateKey,
    publicKey: (leafKeys as CryptoKeyPair).publicKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' },
        { type: 'dns', value: 'internal.test' },
        { type: 'ip', value: '127.0.0.1' },
      ]),
    ],
  });
  return { caPem: ca.toString('pem'), certPem: leaf.toString('pem'), keyPem: await pem((leafKeys as CryptoKeyPair).privateKey) };
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
  const certs = await createTestCertificates();
  const dir = mkdtempSync(join(tmpdir(), 'meridian-ca-'));
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, certs.caPem);
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
