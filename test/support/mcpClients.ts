import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/** The current SDK client, pinned to the 2026-07-28 revision (stateless, no handshake). */
export async function connectModernClient(mcpUrl: string, token: string): Promise<Client> {
  const client = new Client(
    { name: 'meridian-test-v2', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await client.connect(
    new StreamableHTTPClientTransport(new URL(mcpUrl), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

/** The v1 SDK client (protocol 2025-11-25: initialize, Mcp-Session-Id). */
export async function connectLegacyClient(
  mcpUrl: string,
  token: string,
): Promise<{ client: V1Client; transport: V1Transport }> {
  const client = new V1Client({ name: 'meridian-test-v1', version: '1.0.0' });
  const transport = new V1Transport(new URL(mcpUrl), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  return { client, transport };
}
