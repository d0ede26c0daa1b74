import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { callTool, type Structured } from '../../support/mcpCalls.ts';
import { startTestServer, type TestServer, type TestUser } from '../../support/testServer.ts';
import { connectLegacyClient, connectModernClient } from '../../support/mcpClients.ts';
import { modernBody, modernHeaders, post } from './rawMcp.ts';
import {
  publishWorkflow,
  saveWorkflow,
  unpublishWorkflow,
} from '../../../src/workflowLibrary/workflowRepository.ts';
import { createConnection, deleteConnection, setConnectionMembers } from '../../../src/connections/index.ts';

const example = (name: string) =>
  readFileSync(new URL(`../../../examples/workflows/${name}.json`, import.meta.url), 'utf8');
const call = callTool;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(check: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(100);
  }
}

// A workflow with every city: slow enough on the embedded engine to pass a short deadline, and
// big enough to page through.
const allCities = JSON.stringify({
  name: 'all_cities',
  description: 'Every city with its population.',
  connection: 'demo',
  parameters: [
    { name: 'min_population', type: 'integer', min: 0, default: 0, description: 'Smallest population' },
  ],
  nodes: [
    {
      id: 'cities',
      component: 'table',
      config: { table: 'cities', columns: ['name', 'country', 'population', 'geom'] },
    },
    {
      id: 'big',
      component: 'filter',
      inputs: { input: 'cities' },
      config: { conditions: [{ column: 'population', op: '>=', value: { $param: 'min_population' } }] },
    },
    { id: 'result', component: 'result', inputs: { input: 'big' } },
  ],
  output: 'result',
});

describe('workflows as MCP tools', () => {
  let t: TestServer;
  let editor: TestUser;
  let viewer: TestUser;
  let outsider: TestUser;
  let client: Client;

  beforeAll(async () => {
    t = await startTestServer('sqlite', { demo: true });
    await t.server.demoReady;
    editor = await t.addUser({ email: 'editor@example.com', role: 'editor' });
    viewer = await t.addUser({ email: 'viewer@example.com', role: 'viewer' });
    outsider = await t.addUser({ email: 'outsider@example.com', role: 'admin', orgSlug: 'elsewhere' });
    await saveWorkflow(t.server.store.db, editor, example('cities-within-radius'));
    await saveWorkflow(t.server.store.db, editor, allCities);
    client = await connectModernClient(t.mcpUrl, await t.createToken(viewer));
  }, 180_000);
  afterAll(async () => {
    await client?.close();
    await t?.stop();
  });

  it('shows a published workflow in tools/list and tells listening clients of both generations, without reconnecting', async () => {
    const modernEvents: string[][] = [];
    const modern = new Client(
      { name: 'listener-v2', version: '1' },
      {
        versionNegotiation: { mode: { pin: '2026-07-28' } },
        listChanged: {
          tools: {
            debounceMs: 0,
            onChanged: (_error, tools) => modernEvents.push((tools ?? []).map((x) => x.name)),
          },
        },
      },
    );
    const token = await t.createToken(viewer);
    await modern.connect(
      new StreamableHTTPClientTransport(new URL(t.mcpUrl), {
        requestInit: { headers: { Authorization: `Bearer ${token}` } },
      }),
    );
    const legacyEvents: string[][] = [];
    const legacy = new V1Client(
      { name: 'listener-v1', version: '1' },
      {
        listChanged: {
          tools: {
            debounceMs: 0,
            onChanged: (_error, tools) => legacyEvents.push((tools ?? []).map((x) => x.name)),
          },
        },
      },
    );
    await legacy.connect(
      new V1Transport(new URL(t.mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
    );
    expect((await client.listTools()).tools.map((x) => x.name)).not.toContain('cities_near');
    await sleep(300); // let both listeners' streams open

    await publishWorkflow(t.server.store.db, editor, 'cities_within_radius', {
      toolName: 'cities_near',
      title: 'Cities near a place',
      description: 'Cities within a radius of a point.',
    });
    t.server.notifyToolsChanged(editor.orgId);
    await until(async () => modernEvents.some((names) => names.includes('cities_near')));
    await until(async () => legacyEvents.some((names) => names.includes('cities_near')));

    const { tools } = await client.listTools();
    const tool = tools.find((x) => x.name === 'cities_near')!;
    expect(tool.title).toBe('Cities near a place');
    expect(tool.annotations).toMatchObject({ readOnlyHint: true });
    expect(tool.inputSchema).toMatchObject({
      type: 'object',
      required: ['lon', 'lat'],
      properties: { radius_m: { type: 'number', minimum: 1, maximum: 500000, default: 50000 } },
    });
    expect(tool.outputSchema).toMatchObject({
      required: ['state', 'jobId'],
      properties: { rows: { items: { properties: { population: { type: ['integer', 'null'] } } } } },
    });

    // A change made by another process (here: straight in the store) reaches listeners through the watcher.
    await unpublishWorkflow(t.server.store.db, editor, 'cities_within_radius');
    await until(
      async () => modernEvents.some((names) => !names.includes('cities_near')) && modernEvents.length >= 2,
    );
    expect((await client.listTools()).tools.map((x) => x.name)).not.toContain('cities_near');
    await publishWorkflow(t.server.store.db, editor, 'cities_within_radius', {
      toolName: 'cities_near',
      title: 'Cities near a place',
    });
    await modern.close();
    await legacy.close();
  });

  it('runs a sync tool and answers with rows, columns and a short table for the model', async () => {
    const r = await call(client, 'cities_near', {
      lon: 2.3522,
      lat: 48.8566,
      radius_m: 15000,
      max_results: 5,
    });
    expect(r.isError).toBeFalsy();
    expect(r.s.state).toBe('succeeded');
    expect(r.s.rows[0].name).toBe('Paris');
    expect(r.s.rows[0].distance_m).toBeLessThan(2000);
    expect(r.s.rows.length).toBeLessThanOrEqual(5);
    expect(r.s.columns.map((c: Structured) => c.name)).toEqual([
      'name',
      'country',
      'population',
      'distance_m',
      'geom',
    ]);
    expect(JSON.parse(r.s.rows[0].geom).type).toBe('Point');
    expect(r.text).toMatch(/^\d+ row\(s\); columns: name \(text\)/);
    expect(r.text).toContain('| Paris |');
  });

  it('sends notifications/progress while a sync tool runs when the client gave a progress token, on both protocol generations', async () => {
    const args = { lon: 2.3522, lat: 48.8566, radius_m: 15000, max_results: 5 };
    const modernProgress: Array<{ progress: number; message?: string }> = [];
    const modern = await client.callTool(
      { name: 'cities_near', arguments: args },
      { onprogress: (p) => modernProgress.push(p) },
    );
    expect((modern.structuredContent as Structured).state).toBe('succeeded');
    expect(modernProgress.length).toBeGreaterThan(0);
    // Strictly increasing, as the protocol requires, and in words a person can read.
    expect(modernProgress.map((p) => p.progress)).toEqual(
      [...modernProgress.map((p) => p.progress)].sort((a, b) => a - b),
    );
    expect(new Set(modernProgress.map((p) => p.progress)).size).toBe(modernProgress.length);
    expect(modernProgress.at(-1)!.message).toMatch(/^\d+ rows$/);

    const { client: legacy } = await connectLegacyClient(t.mcpUrl, await t.createToken(viewer));
    try {
      const legacyProgress: Array<{ progress: number; message?: string }> = [];
      const old = await legacy.callTool({ name: 'cities_near', arguments: args }, undefined, {
        onprogress: (p) => legacyProgress.push(p),
      });
      expect((old.structuredContent as Structured).state).toBe('succeeded');
      expect(legacyProgress.length).toBeGreaterThan(0);
      expect(legacyProgress.at(-1)!.message).toMatch(/^\d+ rows$/);
    } finally {
      await legacy.close();
    }

    // Without a progress token, no notifications are sent (the raw SSE answer holds only the result).
    const raw = await post(
      t.mcpUrl,
      modernHeaders(await t.createToken(viewer), 'tools/call', 'cities_near'),
      modernBody('tools/call', { name: 'cities_near', arguments: args }),
    );
    expect(raw.status).toBe(200);
    expect(raw.text).not.toContain('notifications/progress');
  });

  it('shows or hides a workflow tool as its connection is shared, unshared, deleted or added, and tells listening clients', async () => {
    const { db } = t.server.store;
    const admin = await t.addUser({ email: 'boss@example.com', role: 'admin' });
    const member = await t.addUser({ email: 'member@example.com', role: 'viewer' });
    const vaultConnection = { name: 'vault', kind: 'spatialite' as const, config: { file: 'demo.sqlite' } };
    const vault = await createConnection(db, t.server.connectionBox, admin, {
      ...vaultConnection,
      restricted: true,
    });
    await saveWorkflow(
      db,
      admin,
      JSON.stringify({
        ...JSON.parse(example('cities-within-radius')),
        name: 'vault_cities',
        connection: 'vault',
      }),
    );
    await publishWorkflow(db, admin, 'vault_cities', {
      toolName: 'vault_cities',
      title: 'Cities from the vault',
    });

    const memberToken = await t.createToken(member);
    const memberClient = await connectModernClient(t.mcpUrl, memberToken);
    const adminClient = await connectModernClient(t.mcpUrl, await t.createToken(admin));
    const events: string[][] = [];
    const listener = new Client(
      { name: 'listener', version: '1' },
      {
        versionNegotiation: { mode: { pin: '2026-07-28' } },
        listChanged: {
          tools: {
            debounceMs: 0,
            onChanged: (_error, tools) => events.push((tools ?? []).map((x) => x.name)),
          },
        },
      },
    );
    await listener.connect(
      new StreamableHTTPClientTransport(new URL(t.mcpUrl), {
        requestInit: { headers: { Authorization: `Bearer ${memberToken}` } },
      }),
    );
    const names = async (c: Client) => (await c.listTools()).tools.map((x) => x.name);
    try {
      // Twice: the second listing is answered from the list cache.
      expect(await names(memberClient)).not.toContain('vault_cities');
      expect(await names(memberClient)).not.toContain('vault_cities');
      await sleep(300); // let the listener's stream open

      await setConnectionMembers(db, admin, vault.id, [member.userId]);
      expect(await names(memberClient)).toContain('vault_cities');
      await until(async () => events.some((list) => list.includes('vault_cities')));

      await setConnectionMembers(db, admin, vault.id, []);
      expect(await names(memberClient)).not.toContain('vault_cities');
      await until(async () => events.length >= 2 && !events.at(-1)!.includes('vault_cities'));

      // Deleting the connection takes the tool from everyone; adding one by that name brings it back.
      expect(await names(adminClient)).toContain('vault_cities');
      expect(await deleteConnection(db, admin, vault.id)).toBe(true);
      expect(await names(adminClient)).not.toContain('vault_cities');
      await createConnection(db, t.server.connectionBox, admin, vaultConnection);
      expect(await names(adminClient)).toContain('vault_cities');
      expect(await names(memberClient)).toContain('vault_cities');
    } finally {
      await listener.close();
      await memberClient.close();
      await adminClient.close();
      await unpublishWorkflow(db, admin, 'vault_cities');
    }
  });

  it('answers bad arguments with a tool error naming the argument and what it accepts', async () => {
    const missing = await call(client, 'cities_near', { lon: 2.35 });
    expect(missing.isError).toBe(true);
    expect(missing.text).toMatch(/^Invalid arguments for cities_near:\n- lat: /m);
    const range = await call(client, 'cities_near', { lon: 500, lat: 48 });
    expect(range.text).toMatch(/- lon: .*-180.*180/);
    const injected = await call(client, 'cities_near', { lon: '2; DROP TABLE cities', lat: 48 });
    expect(injected.text).toMatch(/- lon: /);
    const extra = await call(client, 'cities_near', { lon: 2, lat: 48, table: 'users' });
    expect(extra.text).toMatch(
      /- table: unknown argument "table"; this workflow takes: lon, lat, radius_m, max_results/,
    );
  });

  it('R12: turns a sync call past its deadline into a job, which polling completes and pages', async () => {
    await publishWorkflow(t.server.store.db, editor, 'all_cities', {
      toolName: 'all_cities',
      mode: 'sync',
      syncDeadlineMs: 500,
    });
    const r = await call(client, 'all_cities', {});
    expect(r.isError).toBeFalsy();
    const jobId = r.s.jobId as string;
    if (r.s.state !== 'succeeded') {
      expect(['queued', 'running']).toContain(r.s.state);
      expect(r.text).toMatch(/continues as job .*Poll get_job_status/);
    }
    const status = await until(async () => {
      const s = await call(client, 'get_job_status', { job_id: jobId });
      return s.s.state === 'succeeded' && s;
    });
    expect(status.s.rowCount).toBeGreaterThan(40_000);
    let cursor: string | undefined;
    let seen = 0;
    let pages = 0;
    do {
      const page = await call(client, 'get_job_results', {
        job_id: jobId,
        page_size: 1000,
        ...(cursor && { cursor }),
      });
      expect(page.s.offset).toBe(seen);
      seen += page.s.rows.length;
      cursor = page.s.nextCursor;
      pages++;
    } while (cursor && pages < 3);
    expect(seen).toBe(3000);
    const geo = await call(client, 'get_job_results', { job_id: jobId, page_size: 2, format: 'geojson' });
    expect(geo.s.featureCollection.features[0]).toMatchObject({
      type: 'Feature',
      geometry: { type: 'Point' },
    });
    expect(geo.s.featureCollection.features[0].properties).toHaveProperty('population');
  });

  it('runs an async tool at once as a job, and cancels one mid-run', async () => {
    await publishWorkflow(t.server.store.db, editor, 'all_cities', { toolName: 'all_cities', mode: 'async' });
    const started = await call(client, 'all_cities', { min_population: 0 });
    expect(started.s.state).toBe('queued');
    expect(started.text).toMatch(/Poll get_job_status/);
    const cancelled = await call(client, 'cancel_job', { job_id: started.s.jobId });
    expect(['cancelled', 'cancelling']).toContain(cancelled.s.outcome);
    const final = await until(async () => {
      const s = await call(client, 'get_job_status', { job_id: started.s.jobId });
      return ['cancelled', 'succeeded'].includes(s.s.state) && s;
    });
    expect(final.s.state).toBe('cancelled');
    const results = await call(client, 'get_job_results', { job_id: started.s.jobId });
    expect(results.isError).toBe(true);
    expect(results.text).toMatch(/has no results: it is cancelled/);
    const mine = await call(client, 'list_jobs', {});
    expect(mine.s.jobs.map((j: Structured) => j.jobId)).toContain(started.s.jobId);
  });

  it("keeps another organization's and another user's tools and jobs out of reach", async () => {
    const r = await call(client, 'cities_near', { lon: 2.35, lat: 48.85, radius_m: 5000 });
    const jobId = r.s.jobId as string;
    const other = await connectModernClient(t.mcpUrl, await t.createToken(outsider));
    const colleague = await connectModernClient(t.mcpUrl, await t.createToken(editor));
    try {
      expect((await other.listTools()).tools.map((x) => x.name)).not.toContain('cities_near');
      const unknown = await other
        .callTool({ name: 'cities_near', arguments: { lon: 2, lat: 48 } })
        .catch((e: Error) => e);
      const nonexistent = await other
        .callTool({ name: 'no_such_tool_at_all', arguments: {} })
        .catch((e: Error) => e);
      expect(String(unknown instanceof Error ? unknown.message : JSON.stringify(unknown))).toBe(
        String(nonexistent instanceof Error ? nonexistent.message : JSON.stringify(nonexistent)).replace(
          'no_such_tool_at_all',
          'cities_near',
        ),
      );
      for (const stranger of [other, colleague]) {
        for (const [tool, args] of [
          ['get_job_status', { job_id: jobId }],
          ['get_job_results', { job_id: jobId }],
          ['cancel_job', { job_id: jobId }],
        ] as const) {
          const answer = await call(stranger, tool, args);
          expect(answer.isError, tool).toBe(true);
          expect(answer.text).toBe(
            `There is no job "${jobId}" of yours. Call list_jobs to see your recent jobs (results are kept for a limited time).`,
          );
        }
        expect((await call(stranger, 'list_jobs')).s.jobs.map((j: Structured) => j.jobId)).not.toContain(
          jobId,
        );
      }
    } finally {
      await other.close();
      await colleague.close();
    }
  });

  it('asks for workflows:run before running a tool, and hides workflow tools from tokens without workflows:read', async () => {
    const readOnlyToken = await t.createToken(viewer, { scopes: 'workflows:read' });
    const readOnly = await connectModernClient(t.mcpUrl, readOnlyToken);
    expect((await readOnly.listTools()).tools.map((x) => x.name)).toContain('cities_near');
    await expect(readOnly.callTool({ name: 'cities_near', arguments: { lon: 2, lat: 48 } })).rejects.toThrow(
      /403|insufficient.scope/i,
    );
    // The challenge names every scope the call needs, workflows:read too (MCP authorization: all
    // of the operation's scopes in one challenge; adding what the client already holds is the
    // client's job), and where to get them (audit #11).
    const raw = await post(
      t.mcpUrl,
      modernHeaders(readOnlyToken, 'tools/call', 'cities_near'),
      modernBody('tools/call', { name: 'cities_near', arguments: { lon: 2, lat: 48 } }),
    );
    expect(raw.status).toBe(403);
    expect(raw.headers.get('www-authenticate')).toMatch(
      new RegExp(
        `^Bearer error="insufficient_scope", error_description="[^"]+", scope="workflows:read workflows:run", resource_metadata="${t.url}/\\.well-known/oauth-protected-resource/mcp"$`,
      ),
    );
    await readOnly.close();
    const browseOnly = await connectModernClient(
      t.mcpUrl,
      await t.createToken(viewer, { scopes: 'connections:read' }),
    );
    expect((await browseOnly.listTools()).tools.map((x) => x.name)).not.toContain('cities_near');
    await browseOnly.close();
  });
});
