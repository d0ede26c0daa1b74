import { createServer } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

// The reference: the v1 SDK's documented stateless pattern — a new server and transport for
// every request, no authentication — serving one tool shaped like Meridian's whoami.
function buildServer(): McpServer {
  const server = new McpServer({ name: 'reference', version: '1.0.0' });
  server.registerTool(
    'whoami',
    {
      title: 'Who am I',
      description: 'Returns the user this connection acts as.',
      inputSchema: {},
      outputSchema: {
        user: z.object({ id: z.string(), email: z.string(), name: z.string() }),
        role: z.string(),
        scopes: z.array(z.string()),
      },
    },
    async () => ({
      content: [{ type: 'text', text: 'anonymous' }],
      structuredContent: { user: { id: '0', email: '', name: '' }, role: 'viewer', scopes: [] },
    }),
  );
  return server;
}

const http = createServer(async (req, res) => {
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
});
http.listen(0, '127.0.0.1', () => {
  const address = http.address();
  process.stdout.write(
    `READY ${JSON.stringify({ url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/mcp` })}\n`,
  );
});
