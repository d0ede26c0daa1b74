import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../../support/testServer.ts';
import { connectLegacyClient, connectModernClient } from '../../support/mcpClients.ts';
import { legacyBody, legacyHeaders, modernBody, modernHeaders, openLegacySession, post } from './rawMcp.ts';
import { saveWorkflow } from '../../../src/workflowLibrary/workflowRepository.ts';

// Audit #11: with a token lacking workflows:read, workflow tools are not listed, and calling one
// answered -32602 "Tool not found", so a client had no way to learn it should step up. A tool the
// token's user could run now gets the same HTTP 403 insufficient_scope challenge the built-in
// tools give, naming every scope the call needs. A tool the user cannot see at all (another
// organization's, an unpublished workflow) still answers exactly like a name that does not exist
// (SECURITY-TESTS F8).
const TOOL = 'cities_within_radius'; // published by the demo organization
const ARGS = { lon: 2.35, lat: 48.85, radius_m: 5000 };

// A saved but never published workflow of the demo organization.
const unpublished = JSON.stringify({
  name: 'unpublished_cities',
  description: 'Every city.',
  connection: 'demo',
  parameters: [],
  nodes: [
    { id: 'cities', component: 'table', config: { table: 'cities', columns: ['name', 'geom'] } },
    { id: 'result', component: 'result', inputs: { input: 'cities' } },
  ],
  output: 'result',
});

describe('audit #11: a workflow tool hidden by the token scopes gets a step-up challenge', () => {
  let t: TestServer;
  let viewer: TestUser;
  let outsider: TestUser;
  let challengeHeader: RegExp;

  beforeAll(async () => {
    t = await startTestServer('sqlite', { demo: true });
    await t.server.demoReady;
    viewer = await t.addUser({ email: 'viewer@example.com', role: 'viewer' });
    outsider = await t.addUser({ email: 'outsider@example.com', role: 'admin', orgSlug: 'elsewhere' });
    const editor = await t.addUser({ email: 'editor@example.com', role: 'editor' });
    await saveWorkflow(t.server.store.db, editor, unpublished);
    challengeHeader = new RegExp(
      `^Bearer error="insufficient_scope", error_description="[^"]+", scope="workflows:read workflows:run", resource_metadata="${t.url}/\\.well-known/oauth-protected-resource/mcp"$`,
    );
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
  });

  const callRaw = (token: string, name: string) =>
    post(
      t.mcpUrl,
      modernHeaders(token, 'tools/call', name),
      modernBody('tools/call', { name, arguments: ARGS }),
    );

  it('audit #11: a maps:read token calling a workflow tool → HTTP 403 insufficient_scope naming workflows:read workflows:run (2026-07-28, raw and v2 SDK client)', async () => {
    const token = await t.createToken(viewer, { scopes: 'maps:read' });
    const raw = await callRaw(token, TOOL);
    expect(raw.status).toBe(403);
    expect(raw.headers.get('www-authenticate')).toMatch(challengeHeader);
    expect(raw.json).toMatchObject({ error: 'insufficient_scope' });

    const client = await connectModernClient(t.mcpUrl, token);
    try {
      expect((await client.listTools()).tools.map((x) => x.name)).not.toContain(TOOL);
      await expect(client.callTool({ name: TOOL, arguments: ARGS })).rejects.toThrow(
        /403|insufficient.scope/i,
      );
    } finally {
      await client.close();
    }
  });

  it('audit #11: the same challenge on a 2025-11-25 session (raw and v1 SDK client)', async () => {
    const token = await t.createToken(viewer, { scopes: 'maps:read' });
    const sessionId = await openLegacySession(t.mcpUrl, token);
    const raw = await post(
      t.mcpUrl,
      legacyHeaders(token, sessionId),
      legacyBody('tools/call', { name: TOOL, arguments: ARGS }),
    );
    expect(raw.status).toBe(403);
    expect(raw.headers.get('www-authenticate')).toMatch(challengeHeader);

    const { client } = await connectLegacyClient(t.mcpUrl, token);
    try {
      await expect(client.callTool({ name: TOOL, arguments: ARGS })).rejects.toThrow(
        /403|insufficient.scope/i,
      );
    } finally {
      await client.close();
    }
  });

  it('audit #11: a workflows:read token (listed, not runnable) gets the same challenge, with both scopes', async () => {
    const token = await t.createToken(viewer, { scopes: 'workflows:read' });
    const raw = await callRaw(token, TOOL);
    expect(raw.status).toBe(403);
    expect(raw.headers.get('www-authenticate')).toMatch(challengeHeader);
  });

  it("audit #11: another organization's tool and an unpublished workflow stay −32602, identical to a nonexistent name (F8)", async () => {
    const answers = async (token: string, name: string) => {
      const raw = await callRaw(token, name);
      return {
        status: raw.status,
        challenge: raw.headers.get('www-authenticate'),
        body: raw.text.replaceAll(name, '<name>'),
      };
    };
    for (const [user, name] of [
      [outsider, TOOL],
      [viewer, 'unpublished_cities'],
    ] as const) {
      const token = await t.createToken(user, { scopes: 'maps:read' });
      const hidden = await answers(token, name);
      const nonexistent = await answers(token, 'no_such_tool_at_all');
      expect(hidden.challenge).toBeNull();
      expect(hidden.body).toMatch(/-32602/);
      expect(hidden).toEqual(nonexistent);
    }
  });
});
