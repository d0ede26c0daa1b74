import { describe, expect, it } from 'vitest';
import { ListResponseCache } from '../../../src/mcp/ListResponseCache.ts';

const request = (headers: Record<string, string> = {}) =>
  new Request('http://localhost/mcp', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'mcp-protocol-version': '2026-07-28', ...headers },
  });
const listBody = (id: unknown, extra: Record<string, unknown> = {}) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/list',
  params: { ...extra },
});

describe('ListResponseCache', () => {
  it('keys tools/list by visibility and request, ignoring only the JSON-RPC id', () => {
    const cache = new ListResponseCache();
    const a = cache.keyFor('org1|viewer', request(), listBody(1));
    expect(a).toBeDefined();
    expect(cache.keyFor('org1|viewer', request(), listBody(99))).toBe(a);
    expect(cache.keyFor('org2|viewer', request(), listBody(1))).not.toBe(a);
    expect(
      cache.keyFor('org1|viewer', request({ 'mcp-protocol-version': '2025-11-25' }), listBody(1)),
    ).not.toBe(a);
    expect(cache.keyFor('org1|viewer', request(), listBody(1, { cursor: 'x' }))).not.toBe(a);
  });

  it('does not cache other methods, notifications or batches', () => {
    const cache = new ListResponseCache();
    expect(
      cache.keyFor('v', request(), { jsonrpc: '2.0', id: 1, method: 'tools/call', params: {} }),
    ).toBeUndefined();
    expect(cache.keyFor('v', request(), { jsonrpc: '2.0', method: 'tools/list' })).toBeUndefined();
    expect(cache.keyFor('v', request(), [listBody(1)])).toBeUndefined();
  });

  it('replays a JSON answer with the new id', async () => {
    const cache = new ListResponseCache();
    const key = cache.keyFor('v', request(), listBody(1))!;
    await cache.remember(
      key,
      Response.json({ jsonrpc: '2.0', id: 1, result: { tools: [{ name: 'whoami' }] } }),
    );
    const replayed = ListResponseCache.replay(cache.get(key)!, 'abc');
    expect(replayed.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await replayed.json()).toEqual({
      jsonrpc: '2.0',
      id: 'abc',
      result: { tools: [{ name: 'whoami' }] },
    });
  });

  it('replays a single-event SSE answer as SSE', async () => {
    const cache = new ListResponseCache();
    const key = cache.keyFor('v', request(), listBody(1))!;
    const sse = 'event: message\ndata: {"result":{"tools":[]},"jsonrpc":"2.0","id":1}\n\n';
    const first = await cache.remember(
      key,
      new Response(sse, { headers: { 'content-type': 'text/event-stream' } }),
    );
    expect(await first.text()).toBe(sse);
    const replayed = ListResponseCache.replay(cache.get(key)!, 5);
    expect(await replayed.text()).toBe(
      'event: message\ndata: {"result":{"tools":[]},"jsonrpc":"2.0","id":5}\n\n',
    );
  });

  it('never stores errors or non-200 answers', async () => {
    const cache = new ListResponseCache();
    const key = cache.keyFor('v', request(), listBody(1))!;
    await cache.remember(
      key,
      Response.json({ jsonrpc: '2.0', id: 1, error: { code: -32603, message: 'x' } }),
    );
    await cache.remember(key, Response.json({ jsonrpc: '2.0', id: 1, result: {} }, { status: 500 }));
    expect(cache.get(key)).toBeUndefined();
  });

  it('evicts the least recently used entry beyond its bound', async () => {
    const cache = new ListResponseCache(2);
    const keys = [1, 2, 3].map((n) => cache.keyFor(`org${n}`, request(), listBody(1))!);
    await cache.remember(keys[0]!, Response.json({ jsonrpc: '2.0', id: 1, result: { n: 1 } }));
    await cache.remember(keys[1]!, Response.json({ jsonrpc: '2.0', id: 1, result: { n: 2 } }));
    cache.get(keys[0]!);
    await cache.remember(keys[2]!, Response.json({ jsonrpc: '2.0', id: 1, result: { n: 3 } }));
    expect(cache.get(keys[1]!)).toBeUndefined();
    expect(cache.get(keys[0]!)).toBeDefined();
    expect(cache.get(keys[2]!)).toBeDefined();
  });
});
