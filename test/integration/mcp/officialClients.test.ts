import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type StoreKind, type TestServer, type TestUser } from '../../support/testServer.ts';
import { connectLegacyClient, connectModernClient } from '../../support/mcpClients.ts';
import { describeWithPostgres } from '../../support/postgres.ts';

// The same suite on both stores: both official SDK client generations connect with an API
// token, list tools and call whoami; a revoked token is refused on the very next request.
function clientSuite(kind: StoreKind) {
  let t: TestServer;
  let alice: TestUser;

  beforeAll(async () => {
    t = await startTestServer(kind);
    alice = await t.addUser({ email: 'alice@example.com', role: 'editor' });
  });
  afterAll(async () => t?.stop());

  it('v2 client on protocol 2026-07-28 lists tools and calls whoami', async () => {
    const token = await t.createToken(alice);
    const client = await connectModernClient(t.mcpUrl, token);
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toContain('whoami');
      const result = await client.callTool({ name: 'whoami', arguments: {} });
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toMatchObject({
        user: { email: 'alice@example.com' },
        organization: { slug: 'demo' },
        role: 'editor',
        authentication: { method: 'api_token' },
      });
    } finally {
      await client.close();
    }
  });

  it('v1 client on protocol 2025-11-25 gets a session, lists tools and calls whoami', async () => {
    const token = await t.createToken(alice, { scopes: 'workflows:read' });
    const { client, transport } = await connectLegacyClient(t.mcpUrl, token);
    try {
      expect(transport.sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(transport.protocolVersion).toBe('2025-11-25');
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toContain('whoami');
      const result = await client.callTool({ name: 'whoami', arguments: {} });
      expect(result.structuredContent).toMatchObject({
        user: { email: 'alice@example.com' },
        scopes: ['workflows:read'],
      });
    } finally {
      await client.close();
    }
  });

  it('a revoked token is refused on the very next request, for both generations', async () => {
    const token = await t.createToken(alice);
    const modern = await connectModernClient(t.mcpUrl, token);
    const { client: legacy } = await connectLegacyClient(t.mcpUrl, token);
    await modern.callTool({ name: 'whoami', arguments: {} });
    await legacy.callTool({ name: 'whoami', arguments: {} });

    const id = token.slice(4, 28);
    const { revokeApiToken } = await import('../../../src/store/repositories/apiTokens.ts');
    expect(await revokeApiToken(t.server.store.db, alice, id)).toBe(true);

    await expect(modern.callTool({ name: 'whoami', arguments: {} })).rejects.toThrow(
      /401|revoked|Unauthorized/i,
    );
    await expect(legacy.callTool({ name: 'whoami', arguments: {} })).rejects.toThrow(
      /401|revoked|Unauthorized/i,
    );
    await modern.close();
    await legacy.close();
  });
}

describe('official MCP SDK clients over HTTP (SQLite store)', () => clientSuite('sqlite'));
describeWithPostgres('official MCP SDK clients over HTTP (PostgreSQL store)', () => clientSuite('postgres'));
