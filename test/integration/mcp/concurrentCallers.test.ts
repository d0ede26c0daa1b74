import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../../support/testServer.ts';
import { connectLegacyClient, connectModernClient } from '../../support/mcpClients.ts';
import { defineTool } from '../../../src/mcp/McpTool.ts';
import { BUILT_IN_TOOLS } from '../../../src/mcp/registerMcpRoutes.ts';
import { modernBody, modernHeaders, post } from './rawMcp.ts';

// SECURITY-TESTS.md F5 (GHSA-345p-7cg4-v4c7): many users, the same JSON-RPC ids, slow and fast
// calls in flight together with progress notifications. Every response and every notification
// must reach the caller it belongs to, on both protocol generations.

/** Sleeps, reporting progress that names the caller, then answers with the caller's identity. */
const slowEcho = defineTool({
  name: 'slow_echo',
  title: 'Slow echo',
  description: 'Test tool: waits, reports progress, returns who called it.',
  requiredScopes: [],
  inputSchema: z.object({
    tag: z.string(),
    delayMs: z.number().int().min(0).max(2000),
    steps: z.number().int().min(0).max(10),
  }),
  outputSchema: z.object({ email: z.string(), tag: z.string() }),
  async handler({ tag, delayMs, steps }, caller, ctx) {
    const progressToken = ctx.mcpReq._meta?.progressToken;
    for (let step = 1; step <= steps; step++) {
      await new Promise((resolve) => setTimeout(resolve, delayMs / Math.max(steps, 1)));
      if (progressToken !== undefined) {
        await ctx.mcpReq.notify({
          method: 'notifications/progress',
          params: {
            progressToken,
            progress: step,
            total: steps,
            message: `${caller.principal.email}|${tag}`,
          },
        });
      }
    }
    if (steps === 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    return {
      content: [{ type: 'text', text: `${caller.principal.email}|${tag}` }],
      structuredContent: { email: caller.principal.email, tag },
    };
  },
});

describe('F5 concurrent callers never see each other’s responses or notifications', () => {
  let t: TestServer;
  const users: TestUser[] = [];
  const tokens: string[] = [];
  const USERS = 12;

  beforeAll(async () => {
    t = await startTestServer('sqlite', { mcp: { tools: [...BUILT_IN_TOOLS, slowEcho] } });
    // Password hashing (scrypt) dominates; the thread pool runs it in parallel.
    users.push(
      ...(await Promise.all(
        Array.from({ length: USERS }, (_, i) => t.addUser({ email: `user${i}@example.com`, role: 'editor' })),
      )),
    );
    for (const user of users) tokens.push(await t.createToken(user));
  });
  afterAll(async () => t?.stop());

  it(`${USERS} users (half on 2026-07-28, half on 2025-11-25), slow and fast calls at once`, async () => {
    const runs = users.map(async (user, i) => {
      const progress: string[] = [];
      const onprogress = (p: { message?: string }) => void progress.push(String(p.message));
      const argsList = [
        { tag: `slow-${i}`, delayMs: 300 + (i % 3) * 50, steps: 3 },
        { tag: `fast-${i}`, delayMs: 0, steps: 1 },
        { tag: `mid-${i}`, delayMs: 120, steps: 2 },
      ];
      if (i % 2 === 0) {
        const client = await connectModernClient(t.mcpUrl, tokens[i]!);
        try {
          const results = await Promise.all(
            argsList.map((args) => client.callTool({ name: 'slow_echo', arguments: args }, { onprogress })),
          );
          return { user, results, progress };
        } finally {
          await client.close();
        }
      }
      const { client } = await connectLegacyClient(t.mcpUrl, tokens[i]!);
      try {
        // v1: callTool(params, resultSchema?, options?)
        const results = await Promise.all(
          argsList.map((args) =>
            client.callTool({ name: 'slow_echo', arguments: args }, undefined, { onprogress }),
          ),
        );
        return { user, results, progress };
      } finally {
        await client.close();
      }
    });
    const outcomes = await Promise.all(runs);
    for (const { user, results, progress } of outcomes) {
      const i = users.indexOf(user);
      expect(results.map((r) => r.structuredContent)).toEqual([
        { email: user.email, tag: `slow-${i}` },
        { email: user.email, tag: `fast-${i}` },
        { email: user.email, tag: `mid-${i}` },
      ]);
      // 3 + 1 + 2 progress notifications, each naming this caller and one of its own calls.
      expect(progress).toHaveLength(6);
      for (const message of progress)
        expect(message).toMatch(new RegExp(`^${user.email.replace('.', '\\.')}\\|(slow|fast|mid)-${i}$`));
    }
  });

  it('raw requests with the identical JSON-RPC id from different users get their own answers', async () => {
    const responses = await Promise.all(
      tokens.map((token, i) =>
        post(
          t.mcpUrl,
          modernHeaders(token, 'tools/call', 'slow_echo'),
          modernBody(
            'tools/call',
            { name: 'slow_echo', arguments: { tag: `raw-${i}`, delayMs: (USERS - i) * 10, steps: 0 } },
            { id: 1 },
          ),
        ),
      ),
    );
    responses.forEach((response, i) => {
      expect(response.status).toBe(200);
      expect(response.json.id).toBe(1);
      expect(response.json.result.structuredContent).toEqual({ email: users[i]!.email, tag: `raw-${i}` });
    });
  });
});
