/* global window */
// The official MCP SDK clients, bundled for a browser page (startBrowserClientPage.ts), so a
// test can run them cross-origin in Chromium the way MCP Inspector's web UI and MCP Jam do.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/** Connects with the v2 client pinned to 2026-07-28, lists the tools and calls whoami. */
window.modernClient = async (mcpUrl, token) => {
  const client = new Client(
    { name: 'browser-v2', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await client.connect(
    new StreamableHTTPClientTransport(new URL(mcpUrl), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    }),
  );
  try {
    const { tools } = await client.listTools();
    const whoami = await client.callTool({ name: 'whoami', arguments: {} });
    return { tools: tools.map((t) => t.name), whoami: whoami.structuredContent };
  } finally {
    await client.close();
  }
};

/** Connects with the v1 client (2025-11-25: initialize, Mcp-Session-Id) and lists the tools. */
window.legacyClient = async (mcpUrl, token) => {
  const client = new V1Client({ name: 'browser-v1', version: '1.0.0' });
  const transport = new V1Transport(new URL(mcpUrl), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  try {
    const { tools } = await client.listTools();
    return { tools: tools.map((t) => t.name), sessionId: transport.sessionId ?? null };
  } finally {
    await client.close();
  }
};
