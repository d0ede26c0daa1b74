import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../support/testServer.ts';

// SECURITY-TESTS.md J3 (slowloris): a client that dribbles its headers or body is cut off by
// the headers/request timeouts while /healthz keeps answering. The timeouts are lowered through
// configuration so the test stays short; production defaults are 15 s and 30 s.
const HEADERS_TIMEOUT_MS = 800;
const REQUEST_TIMEOUT_MS = 1500;

interface Dribble {
  /** Milliseconds from connect to the server closing the socket, or undefined if it never did. */
  closedAfterMs?: number;
  received: string;
}

/** Connects, writes `first`, then one `drip` every `everyMs` until the server closes or `maxMs` passes. */
function dribble(
  port: number,
  first: string,
  drip: string,
  everyMs: number,
  maxMs: number,
): Promise<Dribble> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    let closed = false;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', () => undefined);
    const timer = setInterval(() => {
      if (!closed && socket.writable) socket.write(drip);
    }, everyMs);
    const giveUp = setTimeout(() => {
      clearInterval(timer);
      socket.destroy();
      resolve({ received });
    }, maxMs);
    socket.on('close', () => {
      closed = true;
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ closedAfterMs: Date.now() - started, received });
    });
    socket.write(first);
  });
}

describe('J3 slowloris is cut off by the headers and request timeouts', () => {
  let t: TestServer;
  let port: number;

  beforeAll(async () => {
    t = await startTestServer('sqlite', {
      env: {
        MERIDIAN_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
        MERIDIAN_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      },
    });
    port = Number(new URL(t.url).port);
  });
  afterAll(async () => t?.stop());

  it('headers dribbled one line at a time → 408 and closed soon after the headers timeout; /healthz answers meanwhile', async () => {
    const slow = Array.from({ length: 40 }, () =>
      dribble(port, `POST /mcp HTTP/1.1\r\nHost: localhost:${port}\r\n`, 'X-Slow: 1\r\n', 100, 6000),
    );
    // While 40 dribbling connections are open, the health check is prompt.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    const health = await fetch(`${t.url}/healthz`);
    expect(health.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(500);

    for (const outcome of await Promise.all(slow)) {
      expect(outcome.closedAfterMs, 'the server never closed a dribbling connection').toBeDefined();
      // Swept at a quarter of the timeout: closed within the timeout plus one sweep, plus slack.
      expect(outcome.closedAfterMs!).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
      expect(outcome.closedAfterMs!).toBeLessThan(HEADERS_TIMEOUT_MS + 1500);
      expect(outcome.received).toMatch(/^HTTP\/1\.1 408 /);
    }
  });

  it('a body dribbled after prompt headers → 408 and closed by the request timeout', async () => {
    const body = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}';
    const outcome = await dribble(
      port,
      `POST /signin HTTP/1.1\r\nHost: localhost:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n${body}`,
      'a',
      100,
      6000,
    );
    expect(outcome.closedAfterMs, 'the server never closed the connection').toBeDefined();
    expect(outcome.closedAfterMs!).toBeLessThan(REQUEST_TIMEOUT_MS + 1500);
    expect(outcome.received).toMatch(/^HTTP\/1\.1 408 /);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });

  it('a timeout larger than the request timeout is refused at start', async () => {
    const { loadConfig, ConfigError } = await import('../../../src/config.ts');
    expect(() =>
      loadConfig({ MERIDIAN_HEADERS_TIMEOUT_MS: '5000', MERIDIAN_REQUEST_TIMEOUT_MS: '1000' }),
    ).toThrow(ConfigError);
    expect(() => loadConfig({ MERIDIAN_HEADERS_TIMEOUT_MS: 'soon' })).toThrow(/MERIDIAN_HEADERS_TIMEOUT_MS/);
  });
});
