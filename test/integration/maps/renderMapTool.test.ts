import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { writeFileSync } from 'node:fs';
import { artifactPath } from '../../support/browser.ts';
import type { Client } from '@modelcontextprotocol/client';
import { startTestServer, type TestServer, type TestUser } from '../../support/testServer.ts';
import { connectLegacyClient, connectModernClient } from '../../support/mcpClients.ts';
import { callTool, type Structured } from '../../support/mcpCalls.ts';
import { createMap } from '../../../src/maps/mapRepository.ts';
import { mapDefinitionSchema } from '../../../src/maps/mapDefinition.ts';
import { MAP_APP_MIME_TYPE, MAP_APP_URI } from '../../../src/maps/mapAppResource.ts';

const VERTEX_BUDGET = 20_000;
const RED: [number, number, number] = [0xd6, 0x27, 0x28];

/** The image content of a render_map result, decoded, and kept as a test artifact. */
function decodePng(result: { content?: unknown }, artifact: string): PNG {
  const image = (result.content as { type: string; data?: string; mimeType?: string }[]).find(
    (c) => c.type === 'image',
  );
  expect(image?.mimeType).toBe('image/png');
  const bytes = Buffer.from(image!.data!, 'base64');
  writeFileSync(artifactPath(artifact), bytes);
  return PNG.sync.read(bytes);
}

function pixel(png: PNG, x: number, y: number): [number, number, number] {
  const i = (png.width * y + x) * 4;
  return [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
}

const near = (a: [number, number, number], b: [number, number, number], tolerance = 12) =>
  a.every((v, i) => Math.abs(v - b[i]!) <= tolerance);

function countColour(png: PNG, colour: [number, number, number]): number {
  let n = 0;
  for (let y = 0; y < png.height; y++)
    for (let x = 0; x < png.width; x++) if (near(pixel(png, x, y), colour)) n++;
  return n;
}

const countriesOverFrance = {
  title: 'Countries',
  viewport: { center: [2.5, 46.6], zoom: 5 },
  layers: [
    {
      id: 'countries',
      title: 'Countries',
      source: { kind: 'table', connection: 'demo', table: 'countries' },
      style: { fillColor: '#d62728', opacity: 1, tooltipColumns: ['name'] },
    },
  ],
};

describe('render_map and find_maps over MCP', () => {
  let t: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let eve: TestUser;
  let aliceClient: Client;
  let bobClient: Client;
  let eveClient: Client;
  let privateMapId: string;
  let sharedMapId: string;

  beforeAll(async () => {
    // A small vertex budget, so the demo's county polygons must be simplified.
    t = await startTestServer('sqlite', {
      demo: true,
      env: { MERIDIAN_MAP_MAX_VERTICES: String(VERTEX_BUDGET) },
    });
    await t.server.demoReady;
    alice = await t.addUser({ email: 'alice@example.com', role: 'editor' });
    bob = await t.addUser({ email: 'bob@example.com', role: 'admin' });
    eve = await t.addUser({ email: 'eve@example.com', role: 'admin', orgSlug: 'elsewhere' });
    const db = t.server.store.db;
    privateMapId = (
      await createMap(
        db,
        alice,
        mapDefinitionSchema.parse({
          ...countriesOverFrance,
          title: 'Secret borders of Atlantis',
          visibility: 'private',
        }),
      )
    ).id;
    sharedMapId = (
      await createMap(
        db,
        alice,
        mapDefinitionSchema.parse({
          title: 'Big cities',
          description: 'Cities of the demo data, coloured by population',
          visibility: 'organization',
          layers: [
            {
              id: 'cities',
              title: 'Cities',
              source: { kind: 'table', connection: 'demo', table: 'cities' },
              style: { colorBy: { kind: 'ramp', column: 'population' }, tooltipColumns: ['name'] },
            },
          ],
        }),
      )
    ).id;
    aliceClient = await connectModernClient(t.mcpUrl, await t.createToken(alice));
    bobClient = await connectModernClient(t.mcpUrl, await t.createToken(bob));
    eveClient = await connectModernClient(t.mcpUrl, await t.createToken(eve));
  }, 180_000);

  afterAll(async () => {
    await Promise.all([aliceClient, bobClient, eveClient].map((c) => c?.close()));
    await t?.stop();
  });

  it('lists a portable render_map input schema: tuples as prefixItems with minItems/maxItems, never a bare items: false', async () => {
    const tool = (await aliceClient.listTools()).tools.find((x) => x.name === 'render_map')!;
    const text = JSON.stringify(tool.inputSchema);
    expect(text).not.toContain('"items":false');
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking the advertised JSON Schema
    const schema = tool.inputSchema as any;
    const center = schema.properties.viewport.properties.center;
    expect(center).toMatchObject({ type: 'array', minItems: 2, maxItems: 2 });
    expect(center.prefixItems).toHaveLength(2);
    expect(text).toMatch(
      /"domain":\{"type":"array","prefixItems":\[\{"type":"number"\},\{"type":"number"\}\],"minItems":2,"maxItems":2\}/,
    );
  });

  it('lists render_map with the MCP Apps UI resource in _meta, for 2026-07-28 and 2025 clients', async () => {
    const modern = (await aliceClient.listTools()).tools.find((tool) => tool.name === 'render_map');
    expect(modern?._meta).toMatchObject({ ui: { resourceUri: MAP_APP_URI } });
    expect(
      (await aliceClient.listTools()).tools.find((tool) => tool.name === 'render_map')?._meta,
    ).toMatchObject({ ui: { resourceUri: MAP_APP_URI } }); // cached answer
    const { client: legacy } = await connectLegacyClient(t.mcpUrl, await t.createToken(alice));
    try {
      const tool = (await legacy.listTools()).tools.find((x) => x.name === 'render_map');
      expect(tool?._meta).toMatchObject({ ui: { resourceUri: MAP_APP_URI } });
      const result = await legacy.callTool({ name: 'render_map', arguments: { mapId: sharedMapId } });
      expect(result.isError).toBeFalsy();
      expect((result.content as { type: string }[]).map((c) => c.type)).toEqual(['text', 'image']);
      const listed = await legacy.listResources();
      expect(listed.resources.find((r) => r.uri === MAP_APP_URI)?.mimeType).toBe(MAP_APP_MIME_TYPE);
    } finally {
      await legacy.close();
    }
  });

  it('serves the UI resource with the MCP Apps mime type and CSP', async () => {
    const listed = await aliceClient.listResources();
    const entry = listed.resources.find((r) => r.uri === MAP_APP_URI);
    expect(entry?.mimeType).toBe(MAP_APP_MIME_TYPE);
    expect(entry?._meta).toMatchObject({
      ui: { csp: { connectDomains: [], resourceDomains: [] }, prefersBorder: true },
    });
    const read = await aliceClient.readResource({ uri: MAP_APP_URI });
    const content = read.contents[0] as { uri: string; mimeType: string; text: string; _meta?: unknown };
    expect(content.mimeType).toBe('text/html;profile=mcp-app');
    expect(content.text).toMatch(/<html/i);
    expect(content._meta).toMatchObject({ ui: { csp: { connectDomains: [] } } });
  });

  it('renders an ad-hoc map of a table into a PNG whose pixels show the features, with the RenderedMap as structured content', async () => {
    const result = await callTool(aliceClient, 'render_map', countriesOverFrance);
    expect(result.isError).toBeFalsy();
    const map = result.s as Structured;
    expect(map.id).toBeNull();
    expect(map.layers[0].featureCount).toBeGreaterThan(150);
    expect(
      map.layers[0].data.features.find((f: Structured) => f.properties.name === 'France').geometry.type,
    ).toMatch(/Polygon/);
    expect(Object.keys(map.layers[0].data.features[0].properties)).toEqual(['name']);
    const png = decodePng(result, 'render-map-countries.png');
    expect([png.width, png.height]).toEqual([800, 500]);
    // The viewport centres France: the middle of the image is the layer's fill colour.
    expect(near(pixel(png, 400, 250), RED)).toBe(true);
    expect(countColour(png, RED)).toBeGreaterThan(20_000);
    expect(result.text).toContain('Countries');
  });

  it('renders a saved map by id with a link, capping a large layer and filling the legend', async () => {
    const result = await callTool(aliceClient, 'render_map', { mapId: sharedMapId });
    expect(result.isError).toBeFalsy();
    const map = result.s as Structured;
    expect(map.id).toBe(sharedMapId);
    expect(map.link).toBe(`${t.url}/app/maps/${sharedMapId}`);
    const layer = map.layers[0];
    expect(layer.truncated).toBe(true);
    expect(layer.featureCount).toBe(5000);
    expect(layer.totalFeatures).toBeGreaterThan(5000);
    expect(layer.legend).toMatchObject({ kind: 'ramp', column: 'population' });
    expect(layer.style.colorBy.domain[1]).toBeGreaterThan(1_000_000);
    expect(result.text).toMatch(/showing 5000 of \d+ \(capped\)/);
    expect(result.text).toContain(map.link);
    const png = decodePng(result, 'render-map-cities.png');
    // Not blank: many pixels differ from the background.
    const background = pixel(png, 799, 0);
    let drawn = 0;
    for (let y = 40; y < png.height; y += 2)
      for (let x = 220; x < png.width; x += 2) if (!near(pixel(png, x, y), background, 4)) drawn++;
    expect(drawn).toBeGreaterThan(500);
  });

  it('keeps a spread sample of a capped layer without a ramp, the same one on every render', async () => {
    const args = {
      layers: [
        {
          title: 'Cities',
          source: { kind: 'table', connection: 'demo', table: 'cities' },
          style: { tooltipColumns: ['country'] },
        },
      ],
    };
    const result = await callTool(aliceClient, 'render_map', args);
    const layer = result.s.layers[0];
    expect(layer.truncated).toBe(true);
    expect(layer.featureCount).toBe(5000);
    // The first 5 000 rows in storage order (GeoNames ids) cover 27 countries; a sample over the
    // whole table covers most of its 225.
    const countries = new Set(layer.data.features.map((f: Structured) => f.properties.country));
    expect(countries.size).toBeGreaterThan(120);
    const again = await callTool(aliceClient, 'render_map', args);
    expect(again.s.layers[0].data.features.map((f: Structured) => f.geometry.coordinates)).toEqual(
      layer.data.features.map((f: Structured) => f.geometry.coordinates),
    );
  });

  it('simplifies polygons over the vertex budget', async () => {
    const result = await callTool(aliceClient, 'render_map', {
      layers: [{ title: 'Counties', source: { kind: 'table', connection: 'demo', table: 'us_counties' } }],
    });
    expect(result.isError).toBeFalsy();
    const layer = result.s.layers[0];
    expect(layer.simplified).toBe(true);
    const vertices = JSON.stringify(layer.data).match(/\[-?\d+(\.\d+)?,-?\d+(\.\d+)?\]/g)!.length;
    expect(vertices).toBeLessThanOrEqual(VERTEX_BUDGET);
    expect(vertices).toBeGreaterThan(VERTEX_BUDGET / 10);
  });

  it('renders a job result and a workflow layer', async () => {
    const run = await callTool(aliceClient, 'cities_within_radius', {
      lon: 2.35,
      lat: 48.86,
      radius_m: 30000,
    });
    expect(run.s.state).toBe('succeeded');
    const fromJob = await callTool(aliceClient, 'render_map', {
      title: 'Around Paris',
      layers: [
        {
          title: 'Cities near Paris',
          source: { kind: 'job', jobId: run.s.jobId },
          style: { colorBy: { kind: 'categories', column: 'country' } },
        },
      ],
    });
    expect(fromJob.isError).toBeFalsy();
    expect(fromJob.s.layers[0].featureCount).toBe(run.s.rowCount);
    expect(fromJob.s.layers[0].legend.entries[0]).toEqual({ label: 'FR', color: '#4e79a7' });

    const fromWorkflow = await callTool(aliceClient, 'render_map', {
      layers: [
        {
          title: 'Near Berlin',
          source: { kind: 'workflow', tool: 'cities_within_radius', arguments: { lon: 13.4, lat: 52.52 } },
        },
      ],
    });
    expect(fromWorkflow.isError).toBeFalsy();
    expect(fromWorkflow.s.layers[0].featureCount).toBeGreaterThan(3);
    expect(fromWorkflow.s.bounds[0]).toBeGreaterThan(12);

    const otherUsersJob = await callTool(bobClient, 'render_map', {
      layers: [{ title: 'x', source: { kind: 'job', jobId: run.s.jobId } }],
    });
    expect(otherUsersJob.isError).toBe(true);
    expect(otherUsersJob.text).toContain('There is no job');

    const badArguments = await callTool(aliceClient, 'render_map', {
      layers: [
        { title: 'x', source: { kind: 'workflow', tool: 'cities_within_radius', arguments: { lon: 500 } } },
      ],
    });
    expect(badArguments.isError).toBe(true);
    expect(badArguments.text).toMatch(/layers\.0\.source\.arguments\.(lon|lat)/);
  });

  it('audit #11: a maps:read token draws table layers, while job and workflow layers need workflows:run (docs/oauth.md)', async () => {
    const run = await callTool(aliceClient, 'cities_within_radius', {
      lon: 2.35,
      lat: 48.86,
      radius_m: 30000,
    });
    expect(run.s.state).toBe('succeeded');
    const mapsOnly = await connectModernClient(t.mcpUrl, await t.createToken(alice, { scopes: 'maps:read' }));
    try {
      const table = await callTool(mapsOnly, 'render_map', countriesOverFrance);
      expect(table.isError).toBeFalsy();
      expect(table.s.layers[0].featureCount).toBeGreaterThan(0);

      const job = await callTool(mapsOnly, 'render_map', {
        layers: [{ title: 'x', source: { kind: 'job', jobId: run.s.jobId } }],
      });
      expect(job.isError).toBe(true);
      expect(job.text).toMatch(/^layers\.0\.source\.jobId: .*needs the workflows:run scope/);

      const workflow = await callTool(mapsOnly, 'render_map', {
        layers: [
          {
            title: 'x',
            source: { kind: 'workflow', tool: 'cities_within_radius', arguments: { lon: 2, lat: 48 } },
          },
        ],
      });
      expect(workflow.isError).toBe(true);
      expect(workflow.text).toMatch(/^layers\.0\.source\.tool: .*needs the workflows:run scope/);
    } finally {
      await mapsOnly.close();
    }
  });

  it('names the field of an invalid style or an unknown source', async () => {
    const badColour = await callTool(aliceClient, 'render_map', {
      layers: [
        {
          title: 'x',
          source: { kind: 'table', connection: 'demo', table: 'cities' },
          style: { fillColor: 'red' },
        },
      ],
    });
    expect(badColour.isError).toBe(true);
    // Our zod schema's wording and a dotted path, not the SDK's JSON Schema "must match pattern".
    expect(badColour.text).toContain(
      'layers.0.style.fillColor: a colour is #rgb or #rrggbb, for instance "#1f77b4"',
    );
    expect(badColour.text).toContain('Call render_map again with corrected arguments');
    expect(badColour.text).not.toMatch(/must match|data\//);

    // Every problem at once, each with its field, so one corrected call is enough.
    const several = await callTool(aliceClient, 'render_map', {
      layers: [{ title: 'x', source: { kind: 'tabel' }, style: { opacity: 2 } }],
    });
    expect(several.isError).toBe(true);
    expect(several.text).toMatch(/layers\.0\.source\.kind: .*'table' \| 'workflow' \| 'job'/);
    expect(several.text).toContain('layers.0.style.opacity: ');
    const badLimit = await callTool(aliceClient, 'find_maps', { limit: 0 });
    expect(badLimit.isError).toBe(true);
    expect(badLimit.text).toMatch(/^Invalid arguments for find_maps: limit: /);

    const badColumn = await callTool(aliceClient, 'render_map', {
      layers: [
        {
          title: 'x',
          source: { kind: 'table', connection: 'demo', table: 'cities' },
          style: { colorBy: { kind: 'categories', column: 'continent' } },
        },
      ],
    });
    expect(badColumn.isError).toBe(true);
    expect(badColumn.text).toContain('layers.0.style.colorBy.column');
    expect(badColumn.text).toContain('has no column "continent"');

    const badTable = await callTool(aliceClient, 'render_map', {
      layers: [{ title: 'x', source: { kind: 'table', connection: 'demo', table: 'citys' } }],
    });
    expect(badTable.isError).toBe(true);
    expect(badTable.text).toMatch(/layers\.0\.source\.table.*Did you mean: cities/);

    const badConnection = await callTool(aliceClient, 'render_map', {
      layers: [{ title: 'x', source: { kind: 'table', connection: 'nope', table: 'cities' } }],
    });
    expect(badConnection.text).toContain('Your connections: demo');
  });

  it('keeps a private map invisible to everyone but its owner, and organization maps inside the organization', async () => {
    const unknown = await callTool(bobClient, 'render_map', { mapId: 'AAAAAAAAAAAAAAAAAAAAAA' });
    const privateForBob = await callTool(bobClient, 'render_map', { mapId: privateMapId });
    expect(privateForBob.isError).toBe(true);
    expect(privateForBob.text).toBe(unknown.text.replace('AAAAAAAAAAAAAAAAAAAAAA', privateMapId));
    expect((await callTool(aliceClient, 'render_map', { mapId: privateMapId })).isError).toBeFalsy();

    const aliceFinds = await callTool(aliceClient, 'find_maps', { query: 'atlantis' });
    expect(aliceFinds.s.maps.map((m: Structured) => m.id)).toEqual([privateMapId]);
    expect((await callTool(bobClient, 'find_maps', { query: 'atlantis' })).s.maps).toEqual([]);
    const bobSees = (await callTool(bobClient, 'find_maps', {})).s.maps as Structured[];
    // besides the demo organization's seeded maps (their own test: demoMaps.test.ts)
    expect(bobSees.filter((m) => !t.server.demoMaps.includes(m.title)).map((m) => m.id)).toEqual([
      sharedMapId,
    ]);
    // Search covers layer sources (table names), case-insensitively.
    expect((await callTool(bobClient, 'find_maps', { query: 'CITIES' })).s.maps[0]).toMatchObject({
      id: sharedMapId,
      link: `${t.url}/app/maps/${sharedMapId}`,
    });

    expect((await callTool(eveClient, 'find_maps', {})).s.maps).toEqual([]);
    const shared = await callTool(eveClient, 'render_map', { mapId: sharedMapId });
    expect(shared.isError).toBe(true);
    expect(shared.text).toContain('There is no saved map');
  });
});
