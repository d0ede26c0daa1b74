import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../../support/testServer.ts';
import { modernBody, modernHeaders } from './rawMcp.ts';

// SECURITY-TESTS.md J3, second half: idle SSE streams per token. `subscriptions/listen` streams
// stay open, so each user may hold at most 10 on a process; the 11th is refused with 429 while
// other users and ordinary requests are unaffected, and closing a stream frees its slot.
const CAP = 10;

interface OpenStream {
  status: number;
  abort(): void;
}

async function listen(url: string, token: string): Promise<OpenStream> {
  const controller = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    headers: modernHeaders(token, 'subscriptions/listen'),
    body: modernBody('subscriptions/listen', { notifications: { toolsListChanged: true } }),
    signal: controller.signal,
  });
  if (response.status === 200) {
    // Read the acknowledgement so the stream is really established, then leave it open.
    const reader = response.body!.getReader();
    await reader.read();
  } else {
    await response.text();
  }
  return { status: response.status, abort: () => controller.abort() };
}

describe('J3 open subscription streams are capped per user', () => {
  let t: TestServer;
  let alice: TestUser;
  let aliceToken: string;
  let bobToken: string;
  const open: OpenStream[] = [];

  beforeAll(async () => {
    t = await startTestServer('sqlite');
    alice = await t.addUser({ email: 'alice@example.com', role: 'editor' });
    const bob = await t.addUser({ email: 'bob@example.com', role: 'editor' });
    aliceToken = await t.createToken(alice);
    bobToken = await t.createToken(bob);
  });
  afterAll(async () => {
    for (const stream of open) stream.abort();
    await t?.stop();
  });

  it(`the first ${CAP} streams open; the next one → 429 with Retry-After, also with a second token of the same user`, async () => {
    for (let i = 0; i < CAP; i++) {
      const stream = await listen(t.mcpUrl, aliceToken);
      open.push(stream);
      expect(stream.status, `stream ${i + 1}`).toBe(200);
    }
    const response = await fetch(t.mcpUrl, {
      method: 'POST',
      headers: modernHeaders(await t.createToken(alice), 'subscriptions/listen'),
      body: modernBody('subscriptions/listen', { notifications: { toolsListChanged: true } }),
    });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('30');
    expect(((await response.json()) as { error: { code: number } }).error.code).toBe(-32000);
  });

  it('another user and ordinary requests are unaffected', async () => {
    const bobStream = await listen(t.mcpUrl, bobToken);
    open.push(bobStream);
    expect(bobStream.status).toBe(200);
    const list = await fetch(t.mcpUrl, {
      method: 'POST',
      headers: modernHeaders(aliceToken, 'tools/list'),
      body: modernBody('tools/list'),
    });
    expect(list.status).toBe(200);
  });

  it('closing a stream frees its slot', async () => {
    open.shift()!.abort();
    let status = 0;
    for (let attempt = 0; attempt < 20 && status !== 200; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const stream = await listen(t.mcpUrl, aliceToken);
      status = stream.status;
      if (status === 200) open.push(stream);
    }
    expect(status).toBe(200);
  });

  it('a listen request whose Mcp-Method header lies is rejected by the header check and holds no slot', async () => {
    const response = await fetch(t.mcpUrl, {
      method: 'POST',
      headers: modernHeaders(bobToken, 'subscriptions/listen'),
      body: modernBody('tools/list'),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: number } }).error.code).toBe(-32020);
  });
});
