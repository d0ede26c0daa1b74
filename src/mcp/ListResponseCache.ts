/**
 * Caches the SDK's answers to listing requests (`tools/list`), so a client polling its tool
 * list does not pay for building a whole server per request.
 *
 * An entry is keyed by everything that can change the answer: the caller's visibility (org,
 * role, scopes and the org's catalog version, supplied by the endpoint) and the complete request
 * except its JSON-RPC id — method, the protocol headers and the body. Only a 200 JSON answer the
 * SDK itself produced is stored; a hit replays it with the new request's id. Bounded LRU.
 */
export interface CachedListResponse {
  status: number;
  headers: [string, string][];
  /** 2025-protocol answers come as one SSE event; 2026-07-28 answers as plain JSON. */
  framing: 'json' | 'sse';
  /**
   * The encoded answer around its JSON-RPC id: everything before the id, and after it. Kept as
   * bytes, so a replay copies two buffers instead of encoding (and measuring) a large string.
   */
  beforeId: Buffer;
  afterId: Buffer;
}

/** Reads one request header (lower-case name), from a web Request or Node's header object. */
export type HeaderLookup = (name: string) => string | null;

const CACHEABLE_METHODS = new Set(['tools/list']);
const KEY_HEADERS = ['accept', 'content-type', 'mcp-protocol-version', 'mcp-method', 'mcp-name'];

export class ListResponseCache {
  private readonly entries = new Map<string, CachedListResponse>();

  constructor(private readonly maxEntries = 2000) {}

  /** Whether a body is a listing this cache can hold (checked before computing the visibility key). */
  static mayCache(body: unknown): boolean {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return false;
    const { id, method } = body as { id?: unknown; method?: unknown };
    return typeof method === 'string' && CACHEABLE_METHODS.has(method) && id !== undefined;
  }

  /** The cache key for a request, or undefined when the request is not a cacheable listing. */
  keyFor(visibilityKey: string, request: Request | HeaderLookup, body: unknown): string | undefined {
    const header: HeaderLookup = request instanceof Request ? (name) => request.headers.get(name) : request;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
    const { id, method, ...rest } = body as { id?: unknown; method?: unknown };
    if (typeof method !== 'string' || !CACHEABLE_METHODS.has(method) || id === undefined) return undefined;
    const headers = KEY_HEADERS.map((name) => header(name) ?? '').join('\u0000');
    return `${visibilityKey}\u0001${method}\u0001${headers}\u0001${JSON.stringify(rest)}`;
  }

  get(key: string): CachedListResponse | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  /** Stores a fresh SDK answer if it is a plain JSON success; returns the response to send. */
  async remember(key: string, response: Response): Promise<Response> {
    const type = response.headers.get('content-type') ?? '';
    const framing = type.startsWith('application/json')
      ? 'json'
      : type.startsWith('text/event-stream')
        ? 'sse'
        : undefined;
    if (response.status !== 200 || !framing) return response;
    const text = await response.text();
    const payload = framing === 'json' ? text : singleSseEventData(text);
    const parsed =
      payload === undefined ? undefined : (JSON.parse(payload) as { result?: unknown; error?: unknown });
    if (parsed?.result !== undefined && parsed.error === undefined) {
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, {
        status: response.status,
        headers: [...response.headers].filter(([name]) => name !== 'content-length'),
        framing,
        beforeId: Buffer.from(
          `${framing === 'sse' ? 'event: message\ndata: ' : ''}{"result":${JSON.stringify(parsed.result)},"jsonrpc":"2.0","id":`,
        ),
        afterId: Buffer.from(framing === 'sse' ? '}\n\n' : '}'),
      });
    }
    return new Response(text, { status: response.status, headers: response.headers });
  }

  static replay(entry: CachedListResponse, id: unknown): Response {
    return new Response(new Uint8Array(ListResponseCache.replayBody(entry, id)), {
      status: entry.status,
      headers: entry.headers,
    });
  }

  static replayBody(entry: CachedListResponse, id: unknown): Buffer {
    return Buffer.concat([entry.beforeId, Buffer.from(JSON.stringify(id)), entry.afterId]);
  }

  clear(): void {
    this.entries.clear();
  }
}

/** The data of a stream that holds exactly one `message` event (and nothing else), or undefined. */
function singleSseEventData(text: string): string | undefined {
  const events = text.split('\n\n').filter((block) => block.trim() !== '');
  if (events.length !== 1) return undefined;
  const lines = events[0]!.split('\n');
  if (lines.some((line) => !line.startsWith('event: message') && !line.startsWith('data: ')))
    return undefined;
  const data = lines.filter((line) => line.startsWith('data: ')).map((line) => line.slice(6));
  return data.length === 1 ? data[0] : undefined;
}
