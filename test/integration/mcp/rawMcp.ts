import http from 'node:http';
import net from 'node:net';

/**
 * Raw-protocol helpers for /mcp: plain fetch (or a bare socket where fetch would rewrite the
 * request) so a test controls every header and byte. The request shapes are the ones the v2 SDK
 * client sends on 2026-07-28 (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`, and the
 * per-request `_meta` envelope), captured once with a logging proxy.
 */
export const MODERN = '2026-07-28';
export const LEGACY = '2025-11-25';

export const ACCEPT_BOTH = 'application/json, text/event-stream';

export function envelope(version = MODERN) {
  return {
    'io.modelcontextprotocol/protocolVersion': version,
    'io.modelcontextprotocol/clientInfo': { name: 'raw-test', version: '1.0.0' },
    'io.modelcontextprotocol/clientCapabilities': {},
  };
}

/** A 2026-07-28 request body. */
export function modernBody(
  method: string,
  params: Record<string, unknown> = {},
  options: { id?: number | string; version?: string } = {},
): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id: options.id ?? 1,
    method,
    params: { ...params, _meta: envelope(options.version) },
  });
}

/** The headers a conforming 2026-07-28 client sends with `modernBody(method, params)`. */
export function modernHeaders(
  token: string | undefined,
  method: string,
  name?: string,
): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: ACCEPT_BOTH,
    'mcp-protocol-version': MODERN,
    'mcp-method': method,
    ...(name !== undefined && { 'mcp-name': name }),
    ...(token !== undefined && { authorization: `Bearer ${token}` }),
  };
}

export function legacyBody(
  method: string,
  params: Record<string, unknown> = {},
  id: number | string = 1,
): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method, params });
}

export function initializeBody(protocolVersion = LEGACY): string {
  return legacyBody('initialize', {
    protocolVersion,
    capabilities: {},
    clientInfo: { name: 'raw-test', version: '1.0.0' },
  });
}

export function legacyHeaders(
  token: string | undefined,
  sessionId?: string,
  version = LEGACY,
): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: ACCEPT_BOTH,
    'mcp-protocol-version': version,
    ...(sessionId !== undefined && { 'mcp-session-id': sessionId }),
    ...(token !== undefined && { authorization: `Bearer ${token}` }),
  };
}

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The JSON body, or the first `data:` message of an SSE body; undefined when neither. */
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const data = /^data: (.*)$/m.exec(text);
    if (data) return JSON.parse(data[1]!);
    return undefined;
  }
}

export async function post(
  url: string,
  headers: Record<string, string>,
  body?: string,
  method = 'POST',
): Promise<RawResponse> {
  const response = await fetch(url, { method, headers, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: parseBody(text) };
}

/** Opens a 2025-11-25 session the way the v1 client does; returns its id. */
export async function openLegacySession(url: string, token: string, version = LEGACY): Promise<string> {
  const response = await post(url, legacyHeaders(token, undefined, version), initializeBody(version));
  if (response.status !== 200) throw new Error(`initialize failed: ${response.status} ${response.text}`);
  const sessionId = response.headers.get('mcp-session-id');
  if (!sessionId) throw new Error('initialize returned no Mcp-Session-Id');
  await post(
    url,
    legacyHeaders(token, sessionId, version),
    JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  );
  return sessionId;
}

/** node:http, for the headers fetch refuses to set (Host). */
export function httpRequest(
  url: string,
  options: { method?: string; headers: Record<string, string>; body?: string },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port: u.port,
        path: u.pathname + u.search,
        method: options.method ?? 'POST',
        headers: options.headers,
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text }),
        );
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

/** Writes exact bytes on a fresh socket and returns everything the server sent before closing. */
export function rawExchange(url: string, bytes: string, timeoutMs = 5000): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(u.port), '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no end of response within ${timeoutMs} ms; got: ${received.slice(0, 200)}`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    // A reset after the answer arrived still leaves the answer to assert on.
    socket.on('error', (error) => (received ? undefined : reject(error)));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
    socket.write(bytes);
  });
}

/** Everything a body or log line must never carry: a stack frame or a file path of ours. */
export const STACK_TRACE = /\bat .+\(.*:\d+:\d+\)|\/src\/|node_modules/;
