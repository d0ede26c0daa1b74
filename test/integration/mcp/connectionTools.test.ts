import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/client';
import { callTool, type Structured } from '../../support/mcpCalls.ts';
import { startTestServer, type TestServer, type TestUser } from '../../support/testServer.ts';
import { connectLegacyClient, connectModernClient } from '../../support/mcpClients.ts';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../../support/postgres.ts';
import { createConnection, setConnectionMembers } from '../../../src/connections/index.ts';
import { loadDemoDataIntoPostgis } from '../../../src/demo/index.ts';

const call = callTool;

describe('connection browsing tools over MCP (embedded demo connection)', () => {
  let t: TestServer;
  let viewer: TestUser;
  let outsider: TestUser;
  let client: Client;

  beforeAll(async () => {
    t = await startTestServer('sqlite', { demo: true });
    await t.server.demoReady;
    viewer = await t.addUser({ email: 'viewer@example.com', role: 'viewer' });
    outsider = await t.addUser({ email: 'outsider@example.com', role: 'admin', orgSlug: 'other' });
    client = await connectModernClient(t.mcpUrl, await t.createToken(viewer));
  }, 180_000);
  afterAll(async () => {
    await client?.close();
    await t?.stop();
  });

  it('lists the connections the user can use', async () => {
    const r = await call(client, 'list_connections');
    expect(r.s.connections).toEqual([expect.objectContaining({ name: 'demo', kind: 'spatialite' })]);
    expect(JSON.stringify(r.s)).not.toMatch(/demo\.sqlite|sealed|file/);
  });

  it('lists tables a page at a time with a cursor bound to the connection', async () => {
    const first = await call(client, 'list_tables', { connection: 'demo', limit: 2 });
    expect(first.s.total).toBeGreaterThanOrEqual(4);
    expect(first.s.tables).toHaveLength(2);
    const second = await call(client, 'list_tables', {
      connection: 'demo',
      limit: 2,
      cursor: first.s.nextCursor,
    });
    const names = [...first.s.tables, ...second.s.tables].map((t: Structured) => t.name);
    expect(new Set(names).size).toBe(4);
    const cities = [...first.s.tables, ...second.s.tables].find((t: Structured) => t.name === 'cities');
    if (cities) expect(cities.geometry).toEqual({ column: 'geom', type: 'POINT', srid: 4326 });
    const forged = await call(client, 'list_tables', {
      connection: 'demo',
      cursor: Buffer.from(JSON.stringify({ c: 'someone-else', o: 2 })).toString('base64url'),
    });
    expect(forged.isError).toBe(true);
    expect(forged.text).toMatch(/belongs to another listing/);
  });

  it('searches table and column names across connections', async () => {
    const r = await call(client, 'search_tables', { query: 'counties' });
    expect(r.s.matches.map((m: Structured) => m.table)).toContain('us_counties');
    const byColumn = await call(client, 'search_tables', { query: 'population' });
    expect(byColumn.s.matches).toContainEqual(
      expect.objectContaining({ table: 'cities', matchedColumns: ['population'] }),
    );
  });

  it('describes a table with extent and sample rows', async () => {
    const r = await call(client, 'describe_table', { connection: 'demo', table: 'countries', sampleRows: 3 });
    expect(r.isError).toBeFalsy();
    expect(r.s.columns.map((c: Structured) => c.name)).toEqual(['id', 'name', 'geom']);
    expect(r.s.rowEstimate).toBe(241);
    const [minx, miny, maxx, maxy] = r.s.extent;
    expect(minx).toBeCloseTo(-180, 0);
    expect(maxx).toBeCloseTo(180, 0);
    expect(miny).toBeLessThan(-55);
    expect(maxy).toBeGreaterThan(80);
    expect(r.s.sampleRows).toHaveLength(3);
    expect(String(r.s.sampleRows[0].geom)).toMatch(/^MULTIPOLYGON/);
    expect(r.text).toContain('| id | name | geom |');
  });

  it('computes column statistics for numbers, text and geometry', async () => {
    const pop = await call(client, 'get_column_stats', {
      connection: 'demo',
      table: 'cities',
      column: 'population',
    });
    expect(pop.s).toMatchObject({ nulls: 0, sampled: false });
    expect(pop.s.min).toBeGreaterThanOrEqual(5000);
    expect(pop.s.max).toBeGreaterThan(10_000_000);
    expect(pop.s.quantiles.p50).toBeGreaterThan(5000);
    expect(pop.s.histogram).toHaveLength(10);
    expect(pop.s.histogram.reduce((n: number, b: Structured) => n + b.count, 0)).toBe(pop.s.count);
    const country = await call(client, 'get_column_stats', {
      connection: 'demo',
      table: 'cities',
      column: 'country',
    });
    expect(country.s.topValues[0].count).toBeGreaterThan(1000);
    const geom = await call(client, 'get_column_stats', {
      connection: 'demo',
      table: 'us_states',
      column: 'geom',
    });
    expect(geom.s.topValues[0].value).toMatch(/POLYGON/);
    expect(geom.s.extent[0]).toBeLessThan(-170);
  });

  it('answers unknown tables, columns and connections with a tool error that says how to fix the call', async () => {
    const table = await call(client, 'describe_table', { connection: 'demo', table: 'citys' });
    expect(table.isError).toBe(true);
    expect(table.text).toMatch(/no table "citys".*Did you mean: cities/);
    const column = await call(client, 'get_column_stats', {
      connection: 'demo',
      table: 'cities',
      column: 'pop',
    });
    expect(column.text).toBe(
      'The table cities has no column "pop". Its columns: id, name, country, population, geom.',
    );
    const hostile = await call(client, 'describe_table', {
      connection: 'demo',
      table: 'cities"; DROP TABLE cities; --',
    });
    expect(hostile.isError).toBe(true);
    const connection = await call(client, 'list_tables', { connection: 'warehouse' });
    expect(connection.text).toBe(
      'There is no connection "warehouse" that you can use. Your connections: demo.',
    );
  });

  it("never shows another organization's connection, and answers for it as for a missing one", async () => {
    const other = await connectModernClient(t.mcpUrl, await t.createToken(outsider));
    try {
      const mine = await call(other, 'list_connections');
      expect(mine.s.connections).toEqual([]);
      const probe = await call(other, 'describe_table', { connection: 'demo', table: 'cities' });
      expect(probe.text).toBe(
        'There is no connection "demo" that you can use. You have no connections; ask an admin to share one.',
      );
      const search = await call(other, 'search_tables', { query: 'cities' });
      expect(search.s.total).toBe(0);
    } finally {
      await other.close();
    }
  });

  it('hides a restricted connection from members it is not shared with, on the next call', async () => {
    const admin = await t.addUser({ email: 'admin2@example.com', role: 'admin' });
    const member = await t.addUser({ email: 'member@example.com', role: 'viewer' });
    const secret = await createConnection(t.server.store.db, t.server.connectionBox, admin, {
      name: 'finance',
      kind: 'spatialite',
      config: { file: 'demo.sqlite' },
      restricted: true,
    });
    await setConnectionMembers(t.server.store.db, admin, secret.id, [member.userId]);
    const memberClient = await connectModernClient(t.mcpUrl, await t.createToken(member));
    expect(
      (await call(memberClient, 'list_connections')).s.connections.map((c: Structured) => c.name),
    ).toEqual(['demo', 'finance']);
    expect((await call(client, 'list_connections')).s.connections.map((c: Structured) => c.name)).toEqual([
      'demo',
    ]);
    expect((await call(client, 'list_tables', { connection: 'finance' })).isError).toBe(true);
    await setConnectionMembers(t.server.store.db, admin, secret.id, []);
    expect((await call(memberClient, 'list_tables', { connection: 'finance' })).isError).toBe(true);
    await memberClient.close();
  });

  it('asks for the connections:read scope with 403 insufficient_scope when the token lacks it', async () => {
    const narrow = await t.createToken(viewer, { scopes: 'workflows:read' });
    const response = await fetch(t.mcpUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${narrow}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': 'list_connections',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: {
          name: 'list_connections',
          arguments: {},
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' },
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        },
      }),
    });
    expect(response.status).toBe(403);
    const challenge = response.headers.get('www-authenticate')!;
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="connections:read"');
    expect(challenge).toContain(`resource_metadata="${t.url}/.well-known/oauth-protected-resource/mcp"`);

    const { client: legacy } = await connectLegacyClient(t.mcpUrl, narrow);
    await expect(legacy.callTool({ name: 'list_connections', arguments: {} })).rejects.toThrow(
      /403|insufficient_scope|Forbidden/i,
    );
    await legacy.close();
  });
});

describeWithPostgres('connection browsing tools on a PostGIS connection', () => {
  let t: TestServer;
  let warehouse: TestDatabase;
  let client: Client;

  beforeAll(async () => {
    t = await startTestServer('sqlite');
    warehouse = await createTestDatabase(['postgis']);
    await loadDemoDataIntoPostgis(warehouse.url);
    const admin = await t.addUser({ email: 'pgadmin@example.com', role: 'admin' });
    await createConnection(t.server.store.db, t.server.connectionBox, admin, {
      name: 'warehouse',
      kind: 'postgis',
      config: { url: warehouse.url },
    });
    client = await connectModernClient(t.mcpUrl, await t.createToken(admin));
  }, 180_000);
  afterAll(async () => {
    await client?.close();
    await t?.stop();
    await warehouse?.drop();
  });

  it('lists, describes and summarizes PostGIS tables the same way', async () => {
    const tables = await call(client, 'list_tables', { connection: 'warehouse', schema: 'public' });
    expect(tables.s.tables.map((x: Structured) => x.name)).toEqual(
      expect.arrayContaining(['cities', 'countries', 'us_counties', 'us_states']),
    );
    const described = await call(client, 'describe_table', {
      connection: 'warehouse',
      table: 'public.countries',
      sampleRows: 2,
    });
    expect(described.isError).toBeFalsy();
    expect(described.s.extent[0]).toBeCloseTo(-180, 0);
    const pop = await call(client, 'get_column_stats', {
      connection: 'warehouse',
      table: 'cities',
      column: 'population',
    });
    expect(pop.s.min).toBeGreaterThanOrEqual(5000);
    expect(JSON.stringify(described.s) + JSON.stringify(tables.s)).not.toContain(
      new URL(warehouse.url).pathname.slice(1),
    );
  });
});
