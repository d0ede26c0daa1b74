import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { LOG_LEVEL_META_KEY, type Client } from '@modelcontextprotocol/client';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { startTestServer, type TestServer, type TestUser } from '../../support/testServer.ts';
import { describeWithPostgres } from '../../support/postgres.ts';
import { connectLegacyClient, connectModernClient } from '../../support/mcpClients.ts';
import { publishWorkflow, saveWorkflow } from '../../../src/workflowLibrary/workflowRepository.ts';
import { createConnection } from '../../../src/connections/index.ts';
import { createMap } from '../../../src/maps/mapRepository.ts';
import { mapDefinitionSchema } from '../../../src/maps/mapDefinition.ts';

const example = (name: string) =>
  readFileSync(new URL(`../../../examples/workflows/${name}.json`, import.meta.url), 'utf8');

const citiesMap = {
  title: 'Big cities',
  description: 'Cities of the demo data',
  visibility: 'organization',
  layers: [{ id: 'cities', title: 'Cities', source: { kind: 'table', connection: 'demo', table: 'cities' } }],
};

// Every city: slow enough on the embedded engine that the runner reports progress while it runs.
const allCities = JSON.stringify({
  name: 'all_cities',
  description: 'Every city with its population.',
  connection: 'demo',
  parameters: [],
  nodes: [
    {
      id: 'cities',
      component: 'table',
      config: { table: 'cities', columns: ['name', 'population', 'geom'] },
    },
    { id: 'result', component: 'result', inputs: { input: 'cities' } },
  ],
  output: 'result',
});

type Completion = { completion: { values: string[] } };

describe('MCP prompts, completions, resource templates and logging, scoped to the caller', () => {
  let t: TestServer;
  let viewer: TestUser;
  let outsider: TestUser;
  let viewerClient: Client;
  let outsiderClient: Client;
  let sharedMapId: string;
  let foreignMapId: string;

  beforeAll(async () => {
    t = await startTestServer('sqlite', { demo: true });
    await t.server.demoReady;
    const db = t.server.store.db;
    const editor = await t.addUser({ email: 'editor@example.com', role: 'editor' });
    const admin = await t.addUser({ email: 'admin@example.com', role: 'admin' });
    viewer = await t.addUser({ email: 'viewer@example.com', role: 'viewer' });
    outsider = await t.addUser({ email: 'outsider@example.com', role: 'admin', orgSlug: 'elsewhere' });
    // Names that must never reach the viewer: a restricted connection of the viewer's own
    // organization, and another organization's connection, workflow and map.
    await createConnection(db, t.server.connectionBox, admin, {
      name: 'vault',
      kind: 'spatialite',
      config: { file: 'demo.sqlite' },
      restricted: true,
    });
    await createConnection(db, t.server.connectionBox, outsider, {
      name: 'atlantis',
      kind: 'spatialite',
      config: { file: 'demo.sqlite' },
    });
    await saveWorkflow(db, editor, example('cities-within-radius'));
    await publishWorkflow(db, editor, 'cities_within_radius', {
      toolName: 'cities_near',
      title: 'Cities near',
    });
    await saveWorkflow(db, editor, allCities);
    await publishWorkflow(db, editor, 'all_cities', { toolName: 'all_cities', mode: 'sync' });
    await saveWorkflow(
      db,
      outsider,
      JSON.stringify({ ...JSON.parse(example('cities-within-radius')), connection: 'atlantis' }),
    );
    await publishWorkflow(db, outsider, 'cities_within_radius', {
      toolName: 'atlantis_secret',
      title: 'Secret',
    });
    sharedMapId = (await createMap(db, editor, mapDefinitionSchema.parse(citiesMap))).id;
    foreignMapId = (
      await createMap(
        db,
        outsider,
        mapDefinitionSchema.parse({
          ...citiesMap,
          title: 'Atlantis harbours',
          layers: [
            { ...citiesMap.layers[0], source: { kind: 'table', connection: 'atlantis', table: 'cities' } },
          ],
        }),
      )
    ).id;
    viewerClient = await connectModernClient(t.mcpUrl, await t.createToken(viewer));
    outsiderClient = await connectModernClient(t.mcpUrl, await t.createToken(outsider));
  }, 180_000);
  afterAll(async () => {
    await viewerClient?.close();
    await outsiderClient?.close();
    await t?.stop();
  });

  const completePrompt = (
    client: Client,
    prompt: string,
    name: string,
    value: string,
    args?: Record<string, string>,
  ) =>
    client
      .complete({
        ref: { type: 'ref/prompt', name: prompt },
        argument: { name, value },
        ...(args && { context: { arguments: args } }),
      })
      .then((r) => (r as Completion).completion.values);
  const completeTemplate = (
    client: Client,
    uri: string,
    name: string,
    value: string,
    args?: Record<string, string>,
  ) =>
    client
      .complete({
        ref: { type: 'ref/resource', uri },
        argument: { name, value },
        ...(args && { context: { arguments: args } }),
      })
      .then((r) => (r as Completion).completion.values);

  it('lists the spatial prompts and fills one in with its arguments, on both protocol generations', async () => {
    const { prompts } = await viewerClient.listPrompts();
    expect(prompts.map((p) => p.name).sort()).toEqual([
      'compare_areas',
      'explore_connection',
      'run_and_map_workflow',
    ]);
    expect(prompts.find((p) => p.name === 'compare_areas')!.arguments).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'connection', required: true }),
        expect.objectContaining({ name: 'table', required: true }),
        expect.objectContaining({ name: 'areas', required: true }),
      ]),
    );
    const got = await viewerClient.getPrompt({
      name: 'explore_connection',
      arguments: { connection: 'demo' },
    });
    const text = (got.messages[0]!.content as { text: string }).text;
    expect(text).toContain('Call list_tables with connection "demo"');

    const { client: legacy } = await connectLegacyClient(t.mcpUrl, await t.createToken(viewer));
    try {
      expect((await legacy.listPrompts()).prompts).toHaveLength(3);
      const mapped = await legacy.getPrompt({
        name: 'run_and_map_workflow',
        arguments: { workflow: 'cities_near', arguments: '{"lon": 2.35, "lat": 48.86}' },
      });
      expect((mapped.messages[0]!.content as { text: string }).text).toMatch(
        /Run the Meridian workflow tool "cities_near" with these arguments: \{"lon"/,
      );
      const done = await legacy.complete({
        ref: { type: 'ref/prompt', name: 'explore_connection' },
        argument: { name: 'connection', value: '' },
      });
      expect(done.completion.values).toEqual(['demo']);
    } finally {
      await legacy.close();
    }
  });

  it("completes connection names with only the connections the caller may use (never another organization's)", async () => {
    expect(await completePrompt(viewerClient, 'explore_connection', 'connection', '')).toEqual(['demo']);
    expect(await completePrompt(viewerClient, 'explore_connection', 'connection', 'at')).toEqual([]);
    expect(await completePrompt(viewerClient, 'explore_connection', 'connection', 'va')).toEqual([]);
    expect(await completePrompt(outsiderClient, 'explore_connection', 'connection', '')).toEqual([
      'atlantis',
    ]);
    expect(
      await completeTemplate(
        viewerClient,
        'meridian://connections/{connection}/tables/{table}',
        'connection',
        'd',
      ),
    ).toEqual(['demo']);
    // A token without connections:read gets nothing, like a caller without connections.
    const narrow = await connectModernClient(t.mcpUrl, await t.createToken(viewer, { scopes: 'maps:read' }));
    try {
      expect(await completePrompt(narrow, 'explore_connection', 'connection', '')).toEqual([]);
    } finally {
      await narrow.close();
    }
  });

  it('completes table names within the connection named in the context, only where the caller has access', async () => {
    const tables = await completePrompt(viewerClient, 'compare_areas', 'table', 'cit', {
      connection: 'demo',
    });
    expect(tables).toContain('cities');
    expect(tables.every((name) => name.toLowerCase().includes('cit'))).toBe(true);
    // Another organization's connection, the viewer's restricted one, and no connection at all.
    expect(
      await completePrompt(viewerClient, 'compare_areas', 'table', 'cit', { connection: 'atlantis' }),
    ).toEqual([]);
    expect(
      await completePrompt(viewerClient, 'compare_areas', 'table', 'cit', { connection: 'vault' }),
    ).toEqual([]);
    expect(await completePrompt(viewerClient, 'compare_areas', 'table', 'cit')).toEqual([]);
    expect(
      await completeTemplate(
        viewerClient,
        'meridian://connections/{connection}/tables/{table}',
        'table',
        'cit',
        {
          connection: 'demo',
        },
      ),
    ).toContain('cities');
    expect(
      await completePrompt(outsiderClient, 'compare_areas', 'table', 'cit', { connection: 'demo' }),
    ).toEqual([]);
  });

  it("completes workflow and map names from the caller's organization only", async () => {
    expect(await completePrompt(viewerClient, 'run_and_map_workflow', 'workflow', '')).toEqual(
      expect.arrayContaining(['cities_near', 'all_cities']),
    );
    expect(await completePrompt(viewerClient, 'run_and_map_workflow', 'workflow', 'atl')).toEqual([]);
    expect(await completePrompt(outsiderClient, 'run_and_map_workflow', 'workflow', '')).toEqual([
      'atlantis_secret',
    ]);
    const visibleMaps = await completeTemplate(viewerClient, 'meridian://maps/{mapId}', 'mapId', '');
    expect(visibleMaps).toContain(sharedMapId);
    expect(visibleMaps).not.toContain(foreignMapId);
    expect(await completeTemplate(viewerClient, 'meridian://maps/{mapId}', 'mapId', 'Atlantis')).toEqual([]);
    expect(await completeTemplate(outsiderClient, 'meridian://maps/{mapId}', 'mapId', 'atlantis')).toEqual([
      foreignMapId,
    ]);
  });

  it('lists the resource templates and reads a saved map and a table schema through them', async () => {
    const { resourceTemplates } = await viewerClient.listResourceTemplates();
    expect(resourceTemplates.map((r) => r.uriTemplate).sort()).toEqual([
      'meridian://connections/{connection}/tables/{table}',
      'meridian://maps/{mapId}',
    ]);
    const map = await viewerClient.readResource({ uri: `meridian://maps/${sharedMapId}` });
    const mapJson = JSON.parse((map.contents[0] as { text: string }).text);
    expect(mapJson).toMatchObject({ id: sharedMapId, title: 'Big cities', layers: [{ id: 'cities' }] });
    expect(mapJson.link).toContain(`/app/maps/${sharedMapId}`);

    const table = await viewerClient.readResource({ uri: 'meridian://connections/demo/tables/cities' });
    const schema = JSON.parse((table.contents[0] as { text: string }).text);
    expect(schema).toMatchObject({ connection: 'demo', name: 'cities' });
    expect(schema.columns.map((c: { name: string }) => c.name)).toEqual(
      expect.arrayContaining(['name', 'population']),
    );
    expect(schema.sampleRows).toBeUndefined();
  });

  it('answers a foreign map, connection or table exactly like a nonexistent one', async () => {
    const failure = async (uri: string) => {
      try {
        await viewerClient.readResource({ uri });
      } catch (error) {
        const { code, message } = error as { code: number; message: string };
        return { code, message: message.replace(uri, '<uri>') };
      }
      throw new Error(`${uri} was readable`);
    };
    const missingMap = await failure('meridian://maps/no-such-map');
    // The SDK's ResourceNotFoundError: -32602 on 2026-07-28 (it was -32002 in the 2025 revisions).
    expect([-32002, -32602]).toContain(missingMap.code);
    expect(missingMap.message).toMatch(/not found/i);
    expect(await failure(`meridian://maps/${foreignMapId}`)).toEqual(missingMap);
    const missingConnection = await failure('meridian://connections/nowhere/tables/cities');
    expect(missingConnection).toEqual(missingMap);
    expect(await failure('meridian://connections/atlantis/tables/cities')).toEqual(missingConnection);
    expect(await failure('meridian://connections/vault/tables/cities')).toEqual(missingConnection);
    expect(await failure('meridian://connections/demo/tables/no_such_table')).toEqual(missingConnection);
  });

  it('needs maps:read to read a map and connections:read to read a table schema', async () => {
    const narrow = await connectModernClient(
      t.mcpUrl,
      await t.createToken(viewer, { scopes: 'workflows:read' }),
    );
    try {
      await expect(narrow.readResource({ uri: `meridian://maps/${sharedMapId}` })).rejects.toThrow(
        /maps:read|insufficient_scope|403/i,
      );
      await expect(narrow.readResource({ uri: 'meridian://connections/demo/tables/cities' })).rejects.toThrow(
        /connections:read|insufficient_scope|403/i,
      );
    } finally {
      await narrow.close();
    }
  });

  it('sends job progress as log messages at or above the level the client asked for, with progress notifications (2026-07-28: per request)', async () => {
    const messages: { level: string; logger?: string; data: unknown }[] = [];
    viewerClient.setNotificationHandler('notifications/message', (n) => void messages.push(n.params));
    const progress: number[] = [];
    const run = (level?: string) =>
      viewerClient.callTool(
        { name: 'all_cities', arguments: {}, ...(level && { _meta: { [LOG_LEVEL_META_KEY]: level } }) },
        { onprogress: (p) => progress.push(p.progress), timeout: 120_000 },
      );

    await run('info');
    expect(progress.length).toBeGreaterThan(0);
    const jobLogs = messages.filter((m) => m.logger === 'meridian.jobs');
    expect(jobLogs.length).toBeGreaterThan(0);
    expect(jobLogs[0]).toMatchObject({ level: 'info', data: { jobId: expect.any(String) } });

    // Without the _meta field the server MUST NOT send log messages; at "error" none of a clean run's.
    messages.length = 0;
    progress.length = 0;
    await run();
    expect(progress.length).toBeGreaterThan(0);
    expect(messages).toEqual([]);
    await run('error');
    expect(messages).toEqual([]);
  }, 180_000);

  it('applies logging/setLevel to the later requests of a 2025 session (kept with the session, not the per-request server)', async () => {
    await expectSessionLogLevelApplied(t, viewer, 'all_cities');
  }, 180_000);

  it('needs the scopes of the tools a prompt drives to get it (listing stays open)', async () => {
    const narrow = await connectModernClient(t.mcpUrl, await t.createToken(viewer, { scopes: 'maps:read' }));
    try {
      expect((await narrow.listPrompts()).prompts).toHaveLength(3);
      await expect(
        narrow.getPrompt({ name: 'explore_connection', arguments: { connection: 'demo' } }),
      ).rejects.toThrow(/connections:read|insufficient_scope|403/i);
    } finally {
      await narrow.close();
    }
  });
});

describeWithPostgres('MCP logging/setLevel of a 2025 session, on a PostgreSQL store', () => {
  let t: TestServer;
  let viewer: TestUser;
  beforeAll(async () => {
    t = await startTestServer('postgres', { demo: true });
    await t.server.demoReady;
    const editor = await t.addUser({ email: 'editor@example.com', role: 'editor' });
    viewer = await t.addUser({ email: 'viewer@example.com', role: 'viewer' });
    await saveWorkflow(t.server.store.db, editor, allCities);
    await publishWorkflow(t.server.store.db, editor, 'all_cities', { toolName: 'all_cities', mode: 'sync' });
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('keeps the level with the session in the store and applies it to later calls', async () => {
    await expectSessionLogLevelApplied(t, viewer, 'all_cities');
  }, 180_000);
});

/** setLevel info → job progress arrives as info log messages; setLevel warning → none below it. */
async function expectSessionLogLevelApplied(t: TestServer, user: TestUser, tool: string): Promise<void> {
  const { client: legacy } = await connectLegacyClient(t.mcpUrl, await t.createToken(user));
  try {
    const messages: { level: string; logger?: string }[] = [];
    legacy.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void messages.push(n.params));
    await legacy.setLoggingLevel('info');
    const progress: number[] = [];
    await legacy.callTool({ name: tool, arguments: {} }, undefined, {
      onprogress: (p) => progress.push(p.progress),
      timeout: 120_000,
    });
    expect(progress.length).toBeGreaterThan(0);
    expect(messages.filter((m) => m.logger === 'meridian.jobs' && m.level === 'info').length).toBeGreaterThan(
      0,
    );

    messages.length = 0;
    await legacy.setLoggingLevel('warning');
    await legacy.callTool({ name: tool, arguments: {} }, undefined, { timeout: 120_000 });
    expect(messages.filter((m) => ['debug', 'info', 'notice'].includes(m.level))).toEqual([]);
  } finally {
    await legacy.close();
  }
}
