import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type StoreKind, type TestServer, type TestUser } from '../../support/testServer.ts';
import { describeWithPostgres } from '../../support/postgres.ts';
import {
  ACCEPT_BOTH,
  LEGACY,
  MODERN,
  STACK_TRACE,
  httpRequest,
  initializeBody,
  legacyBody,
  legacyHeaders,
  modernBody,
  modernHeaders,
  openLegacySession,
  post,
  type RawResponse,
} from './rawMcp.ts';

// SECURITY-TESTS.md group F (F1–F4, F6, F7) and issue 2's "bad input gets a clear answer" list,
// as raw HTTP against a real server. Expected statuses and codes are the MCP spec's
// (basic/transports/streamable-http, revisions 2026-07-28 and 2025-11-25). Where the plan says
// otherwise the spec wins: a header/body mismatch is -32020 HeaderMismatch (the plan's -32001 is
// the SDK's old session-not-found code), an unsupported version is -32022.
const HEADER_MISMATCH = -32020;
const UNSUPPORTED_PROTOCOL_VERSION = -32022;

function expectJsonRpcError(response: RawResponse, status: number, code: number) {
  expect(response.status, response.text.slice(0, 300)).toBe(status);
  expect(response.json?.jsonrpc).toBe('2.0');
  expect(response.json?.error?.code).toBe(code);
  expect(typeof response.json?.error?.message).toBe('string');
  expect(response.text).not.toMatch(STACK_TRACE);
}

describe('MCP transport, 2026-07-28 requests (F1–F3, F6, F7)', () => {
  let t: TestServer;
  let alice: TestUser;
  let token: string;

  beforeAll(async () => {
    t = await startTestServer('sqlite', { env: { MERIDIAN_ALLOWED_ORIGINS: 'https://app.example.com' } });
    alice = await t.addUser({ email: 'alice@example.com', role: 'editor' });
    token = await t.createToken(alice);
  });
  afterAll(async () => t?.stop());

  const list = () => post(t.mcpUrl, modernHeaders(token, 'tools/list'), modernBody('tools/list'));

  it('a well-formed request succeeds (the baseline the cases below depart from)', async () => {
    const response = await list();
    expect(response.status).toBe(200);
    expect(response.json.result.tools.map((tool: { name: string }) => tool.name)).toContain('whoami');
  });

  it('a repeated tools/list (the replayed listing) is the same answer under the new id, with a Content-Length and the security headers', async () => {
    const first = await list();
    const again = await post(
      t.mcpUrl,
      modernHeaders(token, 'tools/list'),
      modernBody('tools/list', {}, { id: 'second "listing"' }),
    );
    expect(again.status).toBe(200);
    expect(again.json.id).toBe('second "listing"');
    expect(again.json.result).toEqual(first.json.result);
    expect(again.headers.get('content-length')).toBe(String(Buffer.byteLength(again.text)));
    expect(again.headers.get('transfer-encoding')).toBeNull();
    expect(again.headers.get('x-content-type-options')).toBe('nosniff');
    expect(again.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
  });

  describe('F1 Origin', () => {
    it.each([
      ['https://evil.example', 403],
      ['null', 403],
      ['http://localhost', 403], // another port is another origin
      ['https://app.example.com', 200], // MERIDIAN_ALLOWED_ORIGINS
    ])('Origin %s → %i', async (origin, status) => {
      const response = await post(
        t.mcpUrl,
        { ...modernHeaders(token, 'tools/list'), origin },
        modernBody('tools/list'),
      );
      expect(response.status).toBe(status);
      if (status === 403) {
        expect(response.json).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 }, id: null });
      }
    });

    it('the public URL’s own origin and a request without Origin are accepted', async () => {
      expect(
        (
          await post(
            t.mcpUrl,
            { ...modernHeaders(token, 'tools/list'), origin: new URL(t.url).origin },
            modernBody('tools/list'),
          )
        ).status,
      ).toBe(200);
      expect((await list()).status).toBe(200);
    });

    it('a foreign Origin is refused before authentication, with or without a token', async () => {
      const noToken = await post(
        t.mcpUrl,
        { ...modernHeaders(undefined, 'tools/list'), origin: 'https://evil.example' },
        modernBody('tools/list'),
      );
      expect(noToken.status).toBe(403);
      expect(noToken.headers.get('www-authenticate')).toBeNull();
    });
  });

  describe('F2 Host (DNS rebinding, loopback install)', () => {
    const port = () => new URL(t.url).port;
    it.each([
      ['evil.example', 403],
      ['evil.example:PORT', 403],
      ['localhost.evil.example:PORT', 403],
      ['localhost:PORT', 200],
      ['127.0.0.1:PORT', 200],
      ['[::1]:PORT', 200],
    ])('Host %s → %i', async (host, status) => {
      const response = await httpRequest(t.mcpUrl, {
        headers: { ...modernHeaders(token, 'tools/list'), host: host.replace('PORT', port()) },
        body: modernBody('tools/list'),
      });
      expect(response.status).toBe(status);
    });
  });

  describe('F3 request metadata headers', () => {
    it('MCP-Protocol-Version header ≠ the _meta version → 400 HeaderMismatch', async () => {
      const response = await post(
        t.mcpUrl,
        { ...modernHeaders(token, 'tools/list'), 'mcp-protocol-version': LEGACY },
        modernBody('tools/list'),
      );
      expectJsonRpcError(response, 400, HEADER_MISMATCH);
    });

    it('Mcp-Method ≠ body method → 400 HeaderMismatch', async () => {
      const response = await post(
        t.mcpUrl,
        modernHeaders(token, 'tools/call', 'whoami'),
        modernBody('tools/list'),
      );
      expectJsonRpcError(response, 400, HEADER_MISMATCH);
    });

    it('Mcp-Name ≠ params.name, or missing → 400 HeaderMismatch', async () => {
      const body = modernBody('tools/call', { name: 'whoami', arguments: {} });
      expectJsonRpcError(
        await post(t.mcpUrl, modernHeaders(token, 'tools/call', 'delete_everything'), body),
        400,
        HEADER_MISMATCH,
      );
      expectJsonRpcError(
        await post(t.mcpUrl, modernHeaders(token, 'tools/call'), body),
        400,
        HEADER_MISMATCH,
      );
      // The header a conforming client sends is accepted.
      expect((await post(t.mcpUrl, modernHeaders(token, 'tools/call', 'whoami'), body)).status).toBe(200);
    });

    it('Mcp-Method missing → 400 HeaderMismatch', async () => {
      const headers = modernHeaders(token, 'tools/list');
      delete headers['mcp-method'];
      expectJsonRpcError(await post(t.mcpUrl, headers, modernBody('tools/list')), 400, HEADER_MISMATCH);
    });

    it('a protocol version the server does not speak → 400 UnsupportedProtocolVersion listing the supported ones', async () => {
      const response = await post(
        t.mcpUrl,
        { ...modernHeaders(token, 'tools/list'), 'mcp-protocol-version': '2099-01-01' },
        modernBody('tools/list', {}, { version: '2099-01-01' }),
      );
      expectJsonRpcError(response, 400, UNSUPPORTED_PROTOCOL_VERSION);
      expect(response.json.error.data.supported).toContain(MODERN);
    });

    it('an unknown method → 404 with -32601', async () => {
      const response = await post(t.mcpUrl, modernHeaders(token, 'admin/shell'), modernBody('admin/shell'));
      expectJsonRpcError(response, 404, -32601);
    });

    it.each(['GET', 'DELETE'])('%s on the endpoint → 405 with Allow', async (method) => {
      const response = await post(
        t.mcpUrl,
        { authorization: `Bearer ${token}`, 'mcp-protocol-version': MODERN, accept: ACCEPT_BOTH },
        undefined,
        method,
      );
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toMatch(/POST/);
    });

    it('DELETE without a session id is 405 too (nothing to end; a 2026 server has no DELETE)', async () => {
      const response = await post(t.mcpUrl, { authorization: `Bearer ${token}` }, undefined, 'DELETE');
      expect(response.status).toBe(405);
    });

    it('an Mcp-Session-Id sent on a 2026-07-28 request is ignored and never echoed', async () => {
      const response = await post(
        t.mcpUrl,
        { ...modernHeaders(token, 'tools/list'), 'mcp-session-id': 'made-up-session' },
        modernBody('tools/list'),
      );
      expect(response.status).toBe(200);
      expect(response.headers.get('mcp-session-id')).toBeNull();
    });
  });

  describe('F6 message shape and content negotiation', () => {
    it('a batch array → 400 with -32600', async () => {
      const response = await post(
        t.mcpUrl,
        modernHeaders(token, 'tools/list'),
        `[${modernBody('tools/list')}]`,
      );
      expectJsonRpcError(response, 400, -32600);
    });

    it('a wrong Content-Type → 415', async () => {
      const response = await post(
        t.mcpUrl,
        { ...modernHeaders(token, 'tools/list'), 'content-type': 'text/plain' },
        modernBody('tools/list'),
      );
      expect(response.status).toBe(415);
      expect(response.json?.error?.code).toBe(-32000);
    });

    it.each([
      ['application/json'],
      ['text/event-stream'],
      ['text/html'],
      ['application/json, text/event-stream;q=0'],
      [undefined],
    ])('Accept %j (not both json and sse) → 406', async (accept) => {
      // node:http rather than fetch, which would add `Accept: */*` when none is given.
      const headers: Record<string, string> = { ...modernHeaders(token, 'tools/list') };
      if (accept === undefined) delete headers.accept;
      else headers.accept = accept;
      const response = await httpRequest(t.mcpUrl, { headers, body: modernBody('tools/list') });
      expect(response.status).toBe(406);
      expect(JSON.parse(response.text).error.code).toBe(-32000);
    });

    it.each([
      ['application/json, text/event-stream'],
      ['text/event-stream;q=0.9, application/json'],
      ['*/*'],
      ['application/*, text/*'],
    ])('Accept %j → accepted', async (accept) => {
      const response = await post(
        t.mcpUrl,
        { ...modernHeaders(token, 'tools/list'), accept },
        modernBody('tools/list'),
      );
      expect(response.status).toBe(200);
    });

    it('a notification → 202 with no body', async () => {
      const body = JSON.stringify({
        jsonrpc: '2.0',
        method: 'notifications/initialized',
        params: { _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN } },
      });
      const response = await post(t.mcpUrl, modernHeaders(token, 'notifications/initialized'), body);
      expect(response.status).toBe(202);
      expect(response.text).toBe('');
    });

    it('malformed JSON → 400 with -32700 Parse error', async () => {
      expectJsonRpcError(
        await post(t.mcpUrl, modernHeaders(token, 'tools/list'), '{"jsonrpc":"2.0","id":1,"method":'),
        400,
        -32700,
      );
    });

    it('JSON that is not JSON-RPC → 400 with -32600', async () => {
      expectJsonRpcError(
        await post(t.mcpUrl, modernHeaders(token, 'tools/list'), '{"hello":"world"}'),
        400,
        -32600,
      );
    });
  });

  describe('F7 size and depth', () => {
    it('a 5 MiB body → 413, answered from Content-Length before the body is read', async () => {
      const fiveMiB = 5 * 1024 * 1024;
      const started = Date.now();
      // Announce 5 MiB but send only the start: a server that waited for the body would hang.
      const response = await httpRequest(t.mcpUrl, {
        headers: { ...modernHeaders(token, 'tools/list'), 'content-length': String(fiveMiB) },
        body: undefined,
      }).catch((error: unknown) => ({ status: -1, text: String(error), headers: {} }));
      expect(response.status).toBe(413);
      expect(Date.now() - started).toBeLessThan(3000);
    });

    it('a 5 MiB body sent in full (chunked, no Content-Length) → 413', async () => {
      const body = new Uint8Array(5 * 1024 * 1024).fill(0x20);
      const stream = new ReadableStream({
        start(controller) {
          for (let i = 0; i < body.length; i += 256 * 1024)
            controller.enqueue(body.subarray(i, i + 256 * 1024));
          controller.close();
        },
      });
      const response = await fetch(t.mcpUrl, {
        method: 'POST',
        headers: modernHeaders(token, 'tools/list'),
        body: stream,
        duplex: 'half',
      } as RequestInit);
      expect(response.status).toBe(413);
      expect(((await response.json()) as { error: { code: number } }).error.code).toBe(-32000);
    });

    it('JSON nested 10,000 deep → 400, no stack overflow, and the server keeps serving', async () => {
      const nested = '['.repeat(10_000) + ']'.repeat(10_000);
      expectJsonRpcError(await post(t.mcpUrl, modernHeaders(token, 'tools/list'), nested), 400, -32600);
      const deepArguments =
        `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","_meta":${JSON.stringify({ 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientInfo': { name: 'x', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} })},"arguments":` +
        '{"a":'.repeat(10_000) +
        '1' +
        '}'.repeat(10_000) +
        '}}';
      const response = await post(t.mcpUrl, modernHeaders(token, 'tools/call', 'whoami'), deepArguments);
      // whoami takes no arguments: unknown keys are dropped, never walked recursively.
      expect([200, 400]).toContain(response.status);
      expect(response.text).not.toMatch(/RangeError|Maximum call stack/);
      expect((await list()).status).toBe(200);
    });

    it('a 100 KB tool name → rejected with a 4xx (431 when the Mcp-Name header carries it, 400 otherwise)', async () => {
      const name = 'x'.repeat(100_000);
      const body = modernBody('tools/call', { name, arguments: {} });
      const inHeader = await post(t.mcpUrl, modernHeaders(token, 'tools/call', name), body);
      expect(inHeader.status).toBe(431); // Node's 16 KiB header cap, before anything of ours runs
      const notInHeader = await post(t.mcpUrl, modernHeaders(token, 'tools/call', 'whoami'), body);
      expectJsonRpcError(notInHeader, 400, HEADER_MISMATCH);
      expect((await list()).status).toBe(200);
    });
  });

  it('no bad-input answer leaks a stack trace or the token, and no log line holds the token', async () => {
    const secret = token.slice(29);
    for (const line of t.logs) {
      expect(line).not.toContain(secret);
    }
  });
});

// F4 and the legacy half of the bad-input list: sessions live in the store, so run on both.
function legacySuite(kind: StoreKind) {
  let t: TestServer;
  let aliceToken: string;
  let bobToken: string;

  beforeAll(async () => {
    t = await startTestServer(kind);
    const alice = await t.addUser({ email: 'alice@example.com', role: 'editor' });
    const bob = await t.addUser({ email: 'bob@example.com', role: 'editor' });
    aliceToken = await t.createToken(alice);
    bobToken = await t.createToken(bob);
  });
  afterAll(async () => t?.stop());

  const listWith = (token: string, sessionId?: string, version = LEGACY) =>
    post(t.mcpUrl, legacyHeaders(token, sessionId, version), legacyBody('tools/list', {}, 2));

  it('initialize mints a 256-bit session id; requests with it succeed', async () => {
    const sessionId = await openLegacySession(t.mcpUrl, aliceToken);
    expect(sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const response = await listWith(aliceToken, sessionId);
    expect(response.status).toBe(200);
    expect(response.json.result.tools.length).toBeGreaterThan(0);
    // Again, under another id: the replayed listing, still one SSE event, now with a length.
    const again = await post(
      t.mcpUrl,
      legacyHeaders(aliceToken, sessionId),
      legacyBody('tools/list', {}, 'again'),
    );
    expect(again.headers.get('content-type')).toBe(response.headers.get('content-type'));
    expect(again.json).toEqual({ ...response.json, id: 'again' });
    expect(again.headers.get('content-length')).toBe(String(Buffer.byteLength(again.text)));
  });

  it('F4 an unknown session id → 404', async () => {
    expectJsonRpcError(
      await listWith(aliceToken, 'no-such-session-0000000000000000000000000000'),
      404,
      -32001,
    );
  });

  it('F4 a request without a session id after initialize → 400', async () => {
    const response = await listWith(aliceToken);
    expect(response.status).toBe(400);
    expect(response.json?.error?.code).toBe(-32000);
  });

  it('F4 user A’s session id with user B’s token → 404 on POST, GET and DELETE, and A’s session survives', async () => {
    const sessionId = await openLegacySession(t.mcpUrl, aliceToken);
    // Bob's own listing is cached first, so the refusal below cannot come from a cold cache.
    expect((await listWith(bobToken, await openLegacySession(t.mcpUrl, bobToken))).status).toBe(200);
    expectJsonRpcError(await listWith(bobToken, sessionId), 404, -32001);
    expect((await post(t.mcpUrl, legacyHeaders(bobToken, sessionId), undefined, 'GET')).status).toBe(404);
    expect((await post(t.mcpUrl, legacyHeaders(bobToken, sessionId), undefined, 'DELETE')).status).toBe(404);
    expect((await listWith(aliceToken, sessionId)).status).toBe(200);
  });

  it('F4 a DELETEd (ended) session → 404 afterwards, and a second DELETE → 404', async () => {
    const sessionId = await openLegacySession(t.mcpUrl, aliceToken);
    expect((await post(t.mcpUrl, legacyHeaders(aliceToken, sessionId), undefined, 'DELETE')).status).toBe(
      200,
    );
    expectJsonRpcError(await listWith(aliceToken, sessionId), 404, -32001);
    expect((await post(t.mcpUrl, legacyHeaders(aliceToken, sessionId), undefined, 'DELETE')).status).toBe(
      404,
    );
  });

  it('GET on a live session opens its event stream (text/event-stream)', async () => {
    const sessionId = await openLegacySession(t.mcpUrl, aliceToken);
    const controller = new AbortController();
    const response = await fetch(t.mcpUrl, {
      headers: { ...legacyHeaders(aliceToken, sessionId), accept: 'text/event-stream' },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toBe(': stream open\n\n');
    controller.abort();
  });

  it('an unsupported MCP-Protocol-Version header on a session → 400', async () => {
    const sessionId = await openLegacySession(t.mcpUrl, aliceToken);
    for (const version of ['1900-01-01', 'not-a-version']) {
      const response = await listWith(aliceToken, sessionId, version);
      expect(response.status, version).toBe(400);
      expect(response.text).not.toMatch(STACK_TRACE);
    }
  });

  it('initialize with a version the server does not speak negotiates one it does (2025 lifecycle)', async () => {
    const response = await post(t.mcpUrl, legacyHeaders(aliceToken), initializeBody('1999-01-01'));
    expect(response.status).toBe(200);
    expect(response.json.result.protocolVersion).toBe(LEGACY);
  });

  it('an unknown method in a session → JSON-RPC -32601', async () => {
    const sessionId = await openLegacySession(t.mcpUrl, aliceToken);
    const response = await post(
      t.mcpUrl,
      legacyHeaders(aliceToken, sessionId),
      legacyBody('admin/shell', {}, 5),
    );
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ jsonrpc: '2.0', id: 5, error: { code: -32601 } });
  });

  it('F6 a batch on a 2025-06-18+ session → 400 -32600 (batching was removed in 2025-06-18)', async () => {
    const sessionId = await openLegacySession(t.mcpUrl, aliceToken);
    const response = await post(
      t.mcpUrl,
      legacyHeaders(aliceToken, sessionId),
      `[${legacyBody('tools/list', {}, 3)}]`,
    );
    expectJsonRpcError(response, 400, -32600);
  });

  it('F6 initialize without Accept listing both types → 406', async () => {
    const response = await post(
      t.mcpUrl,
      { ...legacyHeaders(aliceToken), accept: 'application/json' },
      initializeBody(),
    );
    expect(response.status).toBe(406);
  });

  it('malformed JSON in a session → 400 -32700', async () => {
    const sessionId = await openLegacySession(t.mcpUrl, aliceToken);
    expectJsonRpcError(
      await post(t.mcpUrl, legacyHeaders(aliceToken, sessionId), '{"jsonrpc":'),
      400,
      -32700,
    );
  });
}

describe('MCP transport, 2025-11-25 sessions (F4, SQLite store)', () => legacySuite('sqlite'));
describeWithPostgres('MCP transport, 2025-11-25 sessions (F4, PostgreSQL store)', () =>
  legacySuite('postgres'),
);
