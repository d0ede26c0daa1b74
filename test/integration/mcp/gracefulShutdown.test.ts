import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startTestServer } from '../../support/testServer.ts';
import { connectModernClient } from '../../support/mcpClients.ts';
import { defineTool } from '../../../src/mcp/McpTool.ts';
import { BUILT_IN_TOOLS } from '../../../src/mcp/registerMcpRoutes.ts';

// A tool that takes a while, to have a request in flight when shutdown starts.
const slowTool = defineTool({
  name: 'slow_echo',
  title: 'Slow echo',
  description: 'Echoes after a delay (test only).',
  requiredScopes: [],
  inputSchema: z.object({ text: z.string(), ms: z.number() }),
  handler: async ({ text, ms }) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return { content: [{ type: 'text', text }] };
  },
});

describe('graceful shutdown', () => {
  it('lets an in-flight MCP request finish, then refuses new connections', async () => {
    const t = await startTestServer('sqlite', { mcp: { tools: [...BUILT_IN_TOOLS, slowTool] } });
    const user = await t.addUser({ email: 'slow@example.com' });
    const token = await t.createToken(user);
    const client = await connectModernClient(t.mcpUrl, token);
    const inFlight = client.callTool({ name: 'slow_echo', arguments: { text: 'finished', ms: 800 } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stopping = t.stop();
    const result = await inFlight;
    expect(result.content).toEqual([{ type: 'text', text: 'finished' }]);
    await stopping;
    await expect(fetch(`${t.url}/healthz`)).rejects.toThrow();
  });
});
