import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { startTestServer, type StoreKind, type TestServer, type TestUser } from '../../support/testServer.ts';
import { WorkspaceApiClient } from '../../support/workspaceApiClient.ts';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../../support/postgres.ts';
import { createConnection } from '../../../src/connections/index.ts';

/**
 * The canvas's API over real HTTP: the component catalog, draft validation with issues on
 * their nodes, node previews (values bound, rows capped, the caller's connection access and
 * organization checked), saving versions from the canvas, and 403 problems for viewers.
 */
const example = JSON.parse(
  readFileSync(
    join(import.meta.dirname, '..', '..', '..', 'examples/workflows/cities-within-radius.json'),
    'utf8',
  ),
) as { name: string; nodes: { id: string; inputs?: Record<string, string> }[]; [key: string]: unknown };

interface Problem {
  status: number;
  detail: string;
  errors?: { field: string; message: string }[];
}
interface Issue {
  code: string;
  node?: string;
  field?: string;
  message: string;
}
interface Preview {
  node: string;
  columns: { name: string; type: string }[];
  rows: Record<string, unknown>[];
  truncated: boolean;
  map: { layers: { data: { features: unknown[] } }[]; bounds: number[] | null } | null;
}

const paris = { lon: 2.35, lat: 48.85, radius_m: 30000 };
const draft = (changes: Record<string, unknown> = {}) => ({
  ...structuredClone(example),
  name: 'drafted',
  ...changes,
});

function canvasApiSuite(kind: StoreKind) {
  let t: TestServer;
  let admin: TestUser;
  let editor: TestUser;
  let viewer: TestUser;
  let outsider: TestUser;
  let warehouse: TestDatabase;
  const signIn = (user: TestUser) => WorkspaceApiClient.signIn(t.url, user.email, user.password);

  beforeAll(async () => {
    t = await startTestServer(kind, { demo: true });
    await t.server.demoReady;
    admin = await t.addUser({ email: 'ada@example.com', role: 'admin' });
    editor = await t.addUser({ email: 'ed@example.com', role: 'editor' });
    viewer = await t.addUser({ email: 'vi@example.com', role: 'viewer' });
    outsider = await t.addUser({ email: 'out@other.example', role: 'admin', orgSlug: 'other' });
    // A PostGIS warehouse only the admin may use (restricted, no members).
    warehouse = await createTestDatabase(['postgis']);
    const client = new pg.Client({ connectionString: warehouse.url });
    await client.connect();
    await client.query(`CREATE TABLE places (name text, geom geometry(Point, 4326));
      INSERT INTO places VALUES ('a', ST_SetSRID(ST_MakePoint(1, 1), 4326)), ('b', ST_SetSRID(ST_MakePoint(2, 2), 4326))`);
    await client.end();
    await createConnection(t.server.store.db, t.server.connectionBox, admin, {
      name: 'warehouse',
      kind: 'postgis',
      config: { url: warehouse.url },
      restricted: true,
    });
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    await warehouse?.drop();
  });

  it('lists every component with its config JSON Schema and input ports (sign-in required)', async () => {
    expect((await fetch(`${t.url}/api/v1/workflow-components`)).status).toBe(401);
    const vi = await signIn(viewer);
    const { status, body } = await vi.get<{
      components: {
        name: string;
        category: string;
        inputs: { name: string }[];
        configSchema: { type: string };
      }[];
    }>('/api/v1/workflow-components');
    expect(status).toBe(200);
    const join = body.components.find((c) => c.name === 'spatial_join')!;
    expect(join.inputs.map((p) => p.name)).toEqual(['left', 'right']);
    expect(join.configSchema).toMatchObject({
      type: 'object',
      properties: { predicate: { enum: expect.arrayContaining(['within_distance']) } },
    });
    expect(body.components.find((c) => c.name === 'table')).toMatchObject({ category: 'source', inputs: [] });
  });

  it('validates a draft: issues name their node and field; a valid draft gets each node’s columns', async () => {
    const ed = await signIn(editor);
    const unwired = draft();
    const near = unwired.nodes.find((n) => n.id === 'near')!;
    delete near.inputs!.left;
    const broken = await ed.send<{ issues: Issue[] }>('POST', '/api/v1/workflow-drafts/validate', {
      document: unwired,
    });
    expect(broken.status).toBe(200);
    expect(broken.body.issues).toEqual([
      expect.objectContaining({ code: 'missing_input', node: 'near', field: 'inputs.left' }),
    ]);

    const valid = await ed.send<{ issues: Issue[]; columns: Record<string, { name: string }[]> }>(
      'POST',
      '/api/v1/workflow-drafts/validate',
      { document: draft() },
    );
    expect(valid.body.issues).toEqual([]);
    expect(valid.body.columns.columns!.map((c) => c.name)).toEqual([
      'name',
      'country',
      'population',
      'distance_m',
      'geom',
    ]);

    // A document that does not even parse still gets its issues placed on nodes.
    const badId = draft();
    (badId.nodes[0] as { config?: unknown }).config = { table: 'no_such_table' };
    const unknownTable = await ed.send<{ issues: Issue[] }>('POST', '/api/v1/workflow-drafts/validate', {
      document: badId,
    });
    expect(unknownTable.body.issues[0]).toMatchObject({ code: 'unknown_table', node: 'cities' });
    const shape = await ed.send<{ issues: Issue[] }>('POST', '/api/v1/workflow-drafts/validate', {
      document: draft({ output: 42 }),
    });
    expect(shape.body.issues[0]).toMatchObject({ code: 'invalid_document', field: 'output' });
  });

  it('previews any node: its first rows (capped) with a map; values are bound, never spliced', async () => {
    const ed = await signIn(editor);
    const last = await ed.send<Preview>('POST', '/api/v1/workflow-drafts/preview', {
      document: draft(),
      node: 'columns',
      arguments: paris,
    });
    expect(last.status).toBe(200);
    expect(last.body.columns.map((c) => c.name)).toEqual([
      'name',
      'country',
      'population',
      'distance_m',
      'geom',
    ]);
    expect(last.body.rows[0]).toMatchObject({ name: 'Paris', country: 'FR' });
    expect(last.body.map!.layers[0]!.data.features).toHaveLength(last.body.rows.length);
    expect(last.body.map!.bounds).toHaveLength(4);

    // An intermediate node: the join's rows before ordering; a source: capped at 50 rows.
    const near = await ed.send<Preview>('POST', '/api/v1/workflow-drafts/preview', {
      document: draft(),
      node: 'near',
      arguments: paris,
    });
    expect(near.body.columns.map((c) => c.name)).toContain('place');
    expect(near.body.rows.length).toBe(last.body.rows.length);
    // A source needs no test values for the parameters of later steps.
    const source = await ed.send<Preview>('POST', '/api/v1/workflow-drafts/preview', {
      document: draft(),
      node: 'cities',
    });
    expect(source.body.rows).toHaveLength(50);
    expect(source.body.truncated).toBe(true);

    // A text parameter reaches the engine as a bound value: an injection attempt matches nothing.
    const byName = {
      name: 'by_name',
      connection: 'demo',
      parameters: [{ name: 'city', type: 'string', required: true }],
      nodes: [
        { id: 'cities', component: 'table', config: { table: 'cities', columns: ['name', 'geom'] } },
        {
          id: 'named',
          component: 'filter',
          inputs: { input: 'cities' },
          config: { conditions: [{ column: 'name', op: '=', value: { $param: 'city' } }] },
        },
        { id: 'result', component: 'result', inputs: { input: 'named' } },
      ],
      output: 'result',
    };
    const injected = await ed.send<Preview>('POST', '/api/v1/workflow-drafts/preview', {
      document: byName,
      node: 'named',
      arguments: { city: "Paris' OR '1'='1" },
    });
    expect(injected.status).toBe(200);
    expect(injected.body.rows).toEqual([]);
    const named = await ed.send<Preview>('POST', '/api/v1/workflow-drafts/preview', {
      document: byName,
      node: 'named',
      arguments: { city: 'Paris' },
    });
    expect(named.body.rows.length).toBeGreaterThan(0);
    expect(new Set(named.body.rows.map((r) => r.name))).toEqual(new Set(['Paris']));
  });

  it('refuses previews it cannot run with a problem naming the fix', async () => {
    const ed = await signIn(editor);
    const missingArg = await ed.send<Problem>('POST', '/api/v1/workflow-drafts/preview', {
      document: draft(),
      node: 'columns',
      arguments: { lat: 48.85 },
    });
    expect(missingArg.status).toBe(422);
    expect(missingArg.body.errors).toEqual([expect.objectContaining({ field: 'arguments.lon' })]);
    const unknownNode = await ed.send<Problem>('POST', '/api/v1/workflow-drafts/preview', {
      document: draft(),
      node: 'nowhere',
      arguments: paris,
    });
    expect(unknownNode.status).toBe(422);
    expect(unknownNode.body.detail).toContain('no node "nowhere"');
    const unwired = draft();
    delete unwired.nodes.find((n) => n.id === 'near')!.inputs!.right;
    const invalid = await ed.send<Problem>('POST', '/api/v1/workflow-drafts/preview', {
      document: unwired,
      node: 'columns',
      arguments: paris,
    });
    expect(invalid.status).toBe(422);
    expect(invalid.body.errors![0]!.field).toBe('nodes.near.inputs.right');
  });

  it('checks the caller may use the draft’s connection: restricted, or another organization’s, is 403', async () => {
    const warehouseDraft = {
      name: 'places',
      connection: 'warehouse',
      nodes: [
        { id: 'places', component: 'table', config: { table: 'places' } },
        { id: 'result', component: 'result', inputs: { input: 'places' } },
      ],
      output: 'result',
    };
    const ad = await signIn(admin);
    const own = await ad.send<Preview>('POST', '/api/v1/workflow-drafts/preview', {
      document: warehouseDraft,
      node: 'places',
    });
    expect(own.status).toBe(200);
    expect(own.body.rows.map((r) => r.name).sort()).toEqual(['a', 'b']);

    const ed = await signIn(editor);
    for (const path of ['/api/v1/workflow-drafts/preview', '/api/v1/workflow-drafts/validate']) {
      const refused = await ed.send<Problem>('POST', path, { document: warehouseDraft, node: 'places' });
      expect(refused.status).toBe(403);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(refused.body.detail).toContain('You cannot use the connection "warehouse"');
    }
    const out = await signIn(outsider);
    const foreign = await out.send<Problem>('POST', '/api/v1/workflow-drafts/preview', {
      document: draft(),
      node: 'columns',
      arguments: paris,
    });
    expect(foreign.status).toBe(403);
    expect(JSON.stringify(foreign.body)).not.toMatch(/Paris|cities/);
  });

  it('refuses drafts, previews and saves from viewers with 403 problem documents, and writes without CSRF', async () => {
    const vi = await signIn(viewer);
    for (const [path, body] of [
      ['/api/v1/workflow-drafts/validate', { document: draft() }],
      ['/api/v1/workflow-drafts/preview', { document: draft(), node: 'columns', arguments: paris }],
      ['/api/v1/workflows', { document: draft() }],
    ] as const) {
      const refused = await vi.send<Problem>('POST', path, body);
      expect(refused.status).toBe(403);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(refused.body.detail).toContain('Viewers can look but not change');
    }
    const ed = await signIn(editor);
    const forged = await ed.send<Problem>(
      'POST',
      '/api/v1/workflow-drafts/preview',
      { document: draft(), node: 'columns', arguments: paris },
      { csrf: null },
    );
    expect(forged.status).toBe(403);
  });

  it('saves the canvas as new versions of the workflow, keeping node positions', async () => {
    const ed = await signIn(editor);
    const positioned = draft({ name: 'canvas_saved' });
    positioned.nodes.forEach((n, i) => Object.assign(n, { position: { x: i * 240, y: 40 } }));
    const first = await ed.send<{ workflow: { version: number } }>('POST', '/api/v1/workflows', {
      document: positioned,
    });
    expect(first.status).toBe(201);
    expect(first.body.workflow.version).toBe(1);
    const second = await ed.send<{ workflow: { version: number } }>('POST', '/api/v1/workflows', {
      document: { ...positioned, description: 'second version' },
    });
    expect(second.body.workflow.version).toBe(2);
    const saved = await ed.get<{
      workflow: { version: number; description: string; document: { nodes: { position?: unknown }[] } };
    }>('/api/v1/workflows/canvas_saved');
    expect(saved.body.workflow).toMatchObject({ version: 2, description: 'second version' });
    expect(saved.body.workflow.document.nodes[3]!.position).toEqual({ x: 720, y: 40 });
    // A position is a point, nothing else.
    const bad = structuredClone(positioned);
    Object.assign(bad.nodes[0]!, { position: { x: 'left', y: 0 } });
    const refused = await ed.send<Problem>('POST', '/api/v1/workflows', { document: bad });
    expect(refused.status).toBe(422);
  });
}

describe('workflow canvas API (SQLite store)', () => canvasApiSuite('sqlite'));
describeWithPostgres('workflow canvas API (PostgreSQL store)', () => canvasApiSuite('postgres'));
