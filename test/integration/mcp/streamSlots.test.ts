import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../support/testServer.ts';
import { legacyHeaders, modernBody, modernHeaders, openLegacySession } from './rawMcp.ts';

// Audit #12: an event stream's slot stayed taken for ~15 s after its client disconnected (until
// the next keep-alive write failed), so a client reconnecting a few times in a row hit the
// per-user cap of 10 (429 "Too many open event streams"); a conformance run saw 21 of 30 GETs
// refused. The slot must be freed when the socket closes. The cap itself (SECURITY-TESTS J3)
// still holds for streams open at the same time.
const CAP = 10;

interface OpenStream {
  status: number;
  close(): void;
}

/** Opens a stream, waits for its first bytes (so it is really established), and leaves it open. */
async function openStream(url: string, init: RequestInit): Promise<OpenStream> {
  const controller = new AbortController();
  const response = await fetch(url, { ...init, signal: controller.signal });
  if (response.status === 200) await response.body!.getReader().read();
  else await response.text();
  return { status: response.status, close: () => controller.abort() };
}

const legacyGet = (url: string, token: string, sessionId: string) =>
  openStream(url, { method: 'GET', headers: legacyHeaders(token, sessionId) });

const modernListen = (url: string, token: string) =>
  openStream(url, {
    method: 'POST',
    headers: modernHeaders(token, 'subscriptions/listen'),
    body: modernBody('subscriptions/listen', { notifications: { toolsListChanged: true } }),
  });

describe('audit #12: event-stream slots are freed when the client disconnects', () => {
  let t: TestServer;
  let legacyToken: string;
  let modernToken: string;

  beforeAll(async () => {
    t = await startTestServer('sqlite');
    // One user per protocol generation, so each test starts with all of that user's slots free.
    legacyToken = await t.createToken(await t.addUser({ email: 'legacy@example.com', role: 'editor' }));
    modernToken = await t.createToken(await t.addUser({ email: 'modern@example.com', role: 'editor' }));
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('audit #12: 30 short 2025 GET streams opened and closed in sequence all open (no 429); 10 open at once still cap the 11th', async () => {
    const sessionId = await openLegacySession(t.mcpUrl, legacyToken);
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const stream = await legacyGet(t.mcpUrl, legacyToken, sessionId);
      statuses.push(stream.status);
      stream.close();
    }
    expect(statuses).toEqual(Array(30).fill(200));

    const open: OpenStream[] = [];
    try {
      for (let i = 0; i < CAP; i++) open.push(await legacyGet(t.mcpUrl, legacyToken, sessionId));
      expect(open.map((s) => s.status)).toEqual(Array(CAP).fill(200));
      const over = await legacyGet(t.mcpUrl, legacyToken, sessionId);
      over.close();
      expect(over.status).toBe(429);
    } finally {
      for (const stream of open) stream.close();
    }
  });

  it('audit #12: 30 short 2026-07-28 subscriptions/listen streams opened and closed in sequence all open (no 429); the cap still holds', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const stream = await modernListen(t.mcpUrl, modernToken);
      statuses.push(stream.status);
      stream.close();
    }
    expect(statuses).toEqual(Array(30).fill(200));

    const open: OpenStream[] = [];
    try {
      for (let i = 0; i < CAP; i++) open.push(await modernListen(t.mcpUrl, modernToken));
      expect(open.map((s) => s.status)).toEqual(Array(CAP).fill(200));
      const over = await modernListen(t.mcpUrl, modernToken);
      over.close();
      expect(over.status).toBe(429);
    } finally {
      for (const stream of open) stream.close();
    }
  });
});
