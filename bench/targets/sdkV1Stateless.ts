import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';

/**
 * The reference: the v1 SDK's documented stateless pattern (a new server and transport for every
 * request) behind the SDK's own `requireBearerAuth`, serving the very tools Meridian lists.
 *
 * - BENCH_TOOLS: a file holding Meridian's tools/list `tools` array, registered unchanged (names,
 *   descriptions, inputSchema, outputSchema, annotations, _meta). They are JSON Schema, so they go
 *   through the low-level `Server` (McpServer only takes zod); that skips McpServer's
 *   zod-to-JSON-Schema work on every listing, i.e. it makes the reference cheaper, not dearer.
 * - BENCH_TOKEN: the one valid bearer token. The verifier is the cheapest honest check: SHA-256
 *   of the presented token looked up in an in-memory map (a token store that never hits a disk).
 */
const tools = JSON.parse(readFileSync(process.env.BENCH_TOOLS!, 'utf8')) as Tool[];
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const tokens = new Map<string, AuthInfo>([
  [
    sha256(process.env.BENCH_TOKEN!),
    { token: '', clientId: 'bench', scopes: ['mcp'], expiresAt: Math.floor(Date.now() / 1000) + 3600 },
  ],
]);
const verifier: OAuthTokenVerifier = {
  async verifyAccessToken(token) {
    const info = tokens.get(sha256(token));
    if (!info) {
      const { InvalidTokenError } = await import('@modelcontextprotocol/sdk/server/auth/errors.js');
      throw new InvalidTokenError('Unknown token');
    }
    return { ...info, token };
  },
};
const bearer = requireBearerAuth({ verifier });

// requireBearerAuth is Express middleware; on success it only reads the header and calls next(),
// so plain node:http works. Its refusal path uses res.set/status/json: give it those three.
function asExpressResponse(res: ServerResponse) {
  return Object.assign(res, {
    set: (name: string, value: string) => (res.setHeader(name, value), res),
    status: (code: number) => ((res.statusCode = code), res),
    json: (value: unknown) => res.setHeader('content-type', 'application/json').end(JSON.stringify(value)),
  });
}

function buildServer(): Server {
  const server = new Server({ name: 'reference', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools }));
  return server;
}

async function handle(req: IncomingMessage & { auth?: AuthInfo }, res: ServerResponse) {
  const authorized = await new Promise<boolean>((resolve) => {
    void bearer(req as never, asExpressResponse(res) as never, () => resolve(true));
    res.once('finish', () => resolve(false));
  });
  if (!authorized) return;
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const server = buildServer();
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, body);
}

const http = createServer((req, res) => void handle(req, res));
http.listen(0, '127.0.0.1', () => {
  const address = http.address();
  process.stdout.write(
    `READY ${JSON.stringify({ url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/mcp` })}\n`,
  );
});
