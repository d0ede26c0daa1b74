import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type StoreKind, type TestServer, type TestUser } from '../../support/testServer.ts';
import { WorkspaceApiClient } from '../../support/workspaceApiClient.ts';
import { FormClient } from '../../support/formClient.ts';
import { describeWithPostgres } from '../../support/postgres.ts';
import { submitJob } from '../../../src/jobs/index.ts';

const fixture = readFileSync(
  join(import.meta.dirname, '..', '..', 'fixtures', 'workflows', 'cities-near-place.json'),
  'utf8',
);

interface Problem {
  status: number;
  detail: string;
  errors?: { field: string; message: string }[];
}
interface Job {
  id: string;
  state: string;
  rowCount: number | null;
  error: string | null;
  mine: boolean;
  userEmail?: string;
}

const signIn = (t: TestServer, user: TestUser) => WorkspaceApiClient.signIn(t.url, user.email, user.password);

async function waitForJob(client: WorkspaceApiClient, id: string): Promise<Job> {
  for (let i = 0; i < 200; i++) {
    const { body } = await client.get<{ job: Job }>(`/api/v1/jobs/${id}`);
    if (!['queued', 'running'].includes(body.job.state)) return body.job;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`job ${id} did not finish`);
}

/** Import → publish → run → page through results: the flow the SPA's Workflows page drives. */
async function importPublishRun(t: TestServer, editor: TestUser): Promise<void> {
  const ed = await signIn(t, editor);
  const saved = await ed.send<{ workflow: { name: string; tool: null } }>('POST', '/api/v1/workflows', {
    document: fixture,
  });
  expect(saved.status).toBe(201);
  expect(saved.body.workflow).toMatchObject({ name: 'cities_near_place', tool: null });

  const published = await ed.send<{ workflow: { tool: { name: string; mode: string } } }>(
    'POST',
    '/api/v1/workflows/cities_near_place/publish',
    {
      toolName: 'cities_near',
      title: 'Cities near a place',
      mode: 'async',
    },
  );
  expect(published.status).toBe(200);
  expect(published.body.workflow.tool).toMatchObject({ name: 'cities_near', mode: 'async' });

  const run = await ed.send<{ job: Job }>('POST', '/api/v1/workflows/cities_near_place/runs', {
    arguments: { place: { type: 'Point', coordinates: [2.35, 48.85] }, radius_m: 30000 },
  });
  expect(run.status).toBe(202);
  const job = await waitForJob(ed, run.body.job.id);
  expect(job).toMatchObject({ state: 'succeeded', mine: true });
  expect(job.rowCount).toBeGreaterThan(2);

  const first = await ed.get<{
    rows: Record<string, unknown>[];
    total: number;
    nextCursor: string | null;
    columns: { name: string }[];
  }>(`/api/v1/jobs/${job.id}/results?limit=2`);
  expect(first.status).toBe(200);
  expect(first.body.rows).toHaveLength(2);
  expect(first.body.total).toBe(job.rowCount);
  expect(first.body.columns.map((c) => c.name)).toContain('distance_m');
  const second = await ed.get<{ rows: Record<string, unknown>[]; offset: number }>(
    `/api/v1/jobs/${job.id}/results?limit=2&cursor=${first.body.nextCursor}`,
  );
  expect(second.body.offset).toBe(2);
  expect(second.body.rows[0]).not.toEqual(first.body.rows[0]);
}

describe('workspace JSON API: workflows, jobs, connections (SQLite)', () => {
  let t: TestServer;
  let admin: TestUser;
  let editor: TestUser;
  let viewer: TestUser;
  let outsider: TestUser;

  beforeAll(async () => {
    t = await startTestServer('sqlite', { demo: true });
    await t.server.demoReady;
    admin = await t.addUser({ email: 'ada@example.com', role: 'admin' });
    editor = await t.addUser({ email: 'ed@example.com', role: 'editor' });
    viewer = await t.addUser({ email: 'vi@example.com', role: 'viewer' });
    outsider = await t.addUser({ email: 'out@other.example', role: 'admin', orgSlug: 'other' });
  }, 120_000);
  afterAll(async () => t?.stop());

  it('answers 401 without a session, and sends the retired pages to the SPA', async () => {
    for (const path of ['/api/v1/workflows', '/api/v1/jobs', '/api/v1/connections', '/api/v1/workflows/x']) {
      const response = await fetch(t.url + path);
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
    const anonymous = new FormClient(t.url);
    for (const path of ['/workflows', '/jobs', '/connections', '/workflows/x?tab=run']) {
      const response = await anonymous.get(path);
      expect(response.status).toBe(301);
      expect(response.headers.get('location')).toBe(`/app${path}`);
    }
    // the app itself sends a visitor without a session to sign in, and back afterwards
    const spa = await anonymous.get('/app/workflows/cities_within_radius');
    expect(spa.status).toBe(303);
    expect(spa.headers.get('location')).toBe(
      `/signin?next=${encodeURIComponent('/app/workflows/cities_within_radius')}`,
    );
  });

  it('imports a workflow (CSRF header required, viewers refused, 422 naming the document)', async () => {
    const ed = await signIn(t, editor);
    expect((await ed.send('POST', '/api/v1/workflows', { document: fixture }, { csrf: null })).status).toBe(
      403,
    );
    expect(
      (await ed.send('POST', '/api/v1/workflows', { document: fixture }, { csrf: 'forged' })).status,
    ).toBe(403);

    const bad = await ed.send<Problem>('POST', '/api/v1/workflows', { document: '{"name": "x"' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors![0]).toMatchObject({ field: 'document' });
    expect(bad.body.detail).toContain('The workflow document is not valid');
    expect((await ed.send<Problem>('POST', '/api/v1/workflows', {})).body.errors![0]!.field).toBe('document');

    const saved = await ed.send<{ workflow: { name: string } }>('POST', '/api/v1/workflows', {
      document: fixture,
    });
    expect(saved.status).toBe(201);

    const vi = await signIn(t, viewer);
    expect((await vi.send('POST', '/api/v1/workflows', { document: fixture })).status).toBe(403);
  });

  it('describes a workflow: parameters, the tool input schema and a graph of its components', async () => {
    const vi = await signIn(t, viewer);
    const { status, body } = await vi.get<{
      workflow: {
        parameters: { name: string }[];
        inputSchema: { required: string[]; properties: Record<string, unknown> };
        graph: {
          nodes: {
            id: string;
            kind: string;
            label: string;
            config: string[];
            depth: number;
            isOutput: boolean;
            columns?: { name: string }[];
          }[];
          edges: { source: string; target: string; port: string }[];
        };
        issues: unknown[];
        canEdit: boolean;
        canRun: boolean;
      };
    }>('/api/v1/workflows/cities_near_place');
    expect(status).toBe(200);
    const w = body.workflow;
    expect(w.parameters.map((p) => p.name)).toEqual(['place', 'radius_m', 'size']);
    expect(w.inputSchema.required).toEqual(['place']);
    expect(Object.keys(w.inputSchema.properties)).toEqual(['place', 'radius_m', 'size']);
    expect(w).toMatchObject({ canEdit: false, canRun: true, issues: [] });
    const near = w.graph.nodes.find((n) => n.id === 'near')!;
    expect(near).toMatchObject({ kind: 'filter', label: 'Spatial filter', depth: 1 });
    expect(near.config).toEqual(['predicate: within_distance', 'distance_m: $radius_m']);
    expect(w.graph.nodes.find((n) => n.id === 'result')).toMatchObject({ isOutput: true, depth: 4 });
    expect(w.graph.nodes.find((n) => n.id === 'measured')!.columns!.map((c) => c.name)).toContain(
      'distance_m',
    );
    expect(w.graph.edges).toContainEqual({
      id: 'place->near:filter',
      source: 'place',
      target: 'near',
      port: 'filter',
    });

    const list = await vi.get<{ workflows: { name: string; tool: { name: string } | null }[] }>(
      '/api/v1/workflows',
    );
    expect(list.body.workflows.find((x) => x.name === 'cities_within_radius')!.tool).toMatchObject({
      name: 'cities_within_radius',
      mode: 'sync',
    });
  });

  it('publishes with field errors (reserved, duplicate, deadline, markup), refuses viewers, unpublishes', async () => {
    const ed = await signIn(t, editor);
    const second = JSON.parse(fixture) as { name: string };
    second.name = 'other_cities';
    expect((await ed.send('POST', '/api/v1/workflows', { document: second })).status).toBe(201);

    const form = {
      toolName: 'cities_near',
      title: 'Cities near a place',
      description: 'Cities within a radius of a point.',
      mode: 'sync',
      syncDeadlineMs: 8000,
    };
    const publish = (body: object, client = ed, name = 'cities_near_place') =>
      client.send<Problem>('POST', `/api/v1/workflows/${name}/publish`, body);
    const reserved = await publish({ ...form, toolName: 'get_job_status' });
    expect(reserved.status).toBe(422);
    expect(reserved.body.errors).toEqual([
      { field: 'toolName', message: expect.stringContaining('built-in Meridian tool') },
    ]);
    expect((await publish({ ...form, syncDeadlineMs: 100 })).body.errors![0]).toMatchObject({
      field: 'syncDeadlineMs',
      message: expect.stringContaining('between 500 and 60000 ms'),
    });
    expect(
      (await publish({ ...form, description: 'Cities <script>alert(1)</script>' })).body.errors![0],
    ).toMatchObject({ field: 'description' });
    expect((await publish({ ...form, mode: 'later' })).body.errors![0]).toMatchObject({ field: 'mode' });
    expect(
      (await ed.send('POST', '/api/v1/workflows/cities_near_place/publish', form, { csrf: null })).status,
    ).toBe(403);

    const vi = await signIn(t, viewer);
    expect((await publish(form, vi)).status).toBe(403);
    expect((await vi.send('POST', '/api/v1/workflows/cities_near_place/unpublish')).status).toBe(403);

    expect((await publish(form)).status).toBe(200);
    const duplicate = await publish(form, ed, 'other_cities');
    expect(duplicate.status).toBe(422);
    expect(duplicate.body.errors![0]!.message).toContain(
      'The tool name "cities_near" is already used by the workflow cities_near_place',
    );

    const detail = await vi.get<{
      workflow: {
        tool: { name: string };
        toolPreview: { title: string; annotations: { readOnlyHint: boolean } };
      };
    }>('/api/v1/workflows/cities_near_place');
    expect(detail.body.workflow.tool.name).toBe('cities_near');
    expect(detail.body.workflow.toolPreview).toMatchObject({
      title: 'Cities near a place',
      annotations: { readOnlyHint: true },
    });

    const unpublished = await ed.send<{ workflow: { tool: null } }>(
      'POST',
      '/api/v1/workflows/cities_near_place/unpublish',
    );
    expect(unpublished.status).toBe(200);
    expect(unpublished.body.workflow.tool).toBeNull();
  });

  it('runs a workflow like its MCP tool: 422 per argument, then a job whose results page', async () => {
    const vi = await signIn(t, viewer);
    const invalid = await vi.send<Problem>('POST', '/api/v1/workflows/cities_within_radius/runs', {
      arguments: { lon: 500, radius_m: 'far', bogus: 1 },
    });
    expect(invalid.status).toBe(422);
    const fields = Object.fromEntries(invalid.body.errors!.map((e) => [e.field, e.message]));
    expect(Object.keys(fields).sort()).toEqual(['bogus', 'lat', 'lon', 'radius_m']);
    expect(fields.lon).toContain('above the maximum 180');
    expect(fields.lat).toContain('is required');
    expect(
      (
        await vi.send(
          'POST',
          '/api/v1/workflows/cities_within_radius/runs',
          { arguments: { lon: 2.35, lat: 48.85 } },
          { csrf: null },
        )
      ).status,
    ).toBe(403);

    const run = await vi.send<{ job: Job }>('POST', '/api/v1/workflows/cities_within_radius/runs', {
      arguments: { lon: '2.35', lat: 48.85, radius_m: 100000, max_results: 3 },
    });
    expect(run.status).toBe(202);
    const job = await waitForJob(vi, run.body.job.id);
    expect(job).toMatchObject({ state: 'succeeded', rowCount: 3, mine: true, truncated: false });
    // What a job shows, and nothing more: never its arguments, client or attempt counters.
    expect(Object.keys(job).sort()).toEqual([
      'columns',
      'createdAt',
      'durationMs',
      'error',
      'expiresAt',
      'finishedAt',
      'id',
      'mine',
      'progress',
      'progressMessage',
      'publicLink',
      'rowCount',
      'startedAt',
      'state',
      'title',
      'truncated',
    ]);
    expect((job as Job & { durationMs: number }).durationMs).toBeGreaterThanOrEqual(0);
    const page = await vi.get<{ rows: Record<string, unknown>[]; nextCursor: string | null; total: number }>(
      `/api/v1/jobs/${job.id}/results`,
    );
    expect(page.body).toMatchObject({ total: 3, nextCursor: null });
    expect(page.body.rows[0]!.name).toBe('Paris');
    expect((await vi.get<Problem>(`/api/v1/jobs/${job.id}/results?cursor=bogus`)).status).toBe(422);
    expect((await vi.get<Problem>(`/api/v1/jobs/${job.id}/results?limit=5000`)).body.errors![0]!.field).toBe(
      'limit',
    );

    // Someone else's job answers like an unknown one, admins included.
    const ad = await signIn(t, admin);
    expect((await ad.get(`/api/v1/jobs/${job.id}`)).status).toBe(404);
    expect((await ad.get(`/api/v1/jobs/${job.id}/results`)).status).toBe(404);
    expect((await vi.get<{ jobs: Job[] }>('/api/v1/jobs')).body.jobs.map((j) => j.id)).toContain(job.id);
  });

  it('lists jobs (own; admins may ask for the organization) and cancels only one’s own queued job', async () => {
    const db = t.server.store.db;
    // These jobs must stay queued: no runner may pick them up (it would fail them, kind unknown).
    await t.server.jobs.stop(100);
    const edJob = await submitJob(db, editor, {
      kind: 'workspace-test',
      title: 'Editor job',
      input: {},
      clientId: 'workspace-test',
    });
    const viJob = await submitJob(db, viewer, {
      kind: 'workspace-test',
      title: 'Viewer job',
      input: {},
      clientId: 'workspace-test',
    });

    const ad = await signIn(t, admin);
    expect((await ad.get<{ jobs: Job[] }>('/api/v1/jobs')).body.jobs).toEqual([]);
    const all = (await ad.get<{ jobs: (Job & { title: string })[] }>('/api/v1/jobs?scope=organization')).body
      .jobs;
    expect(all.find((j) => j.id === edJob.id)).toMatchObject({
      title: 'Editor job',
      userEmail: 'ed@example.com',
      mine: false,
    });
    expect((await ad.send('POST', `/api/v1/jobs/${edJob.id}/cancel`)).status).toBe(404);

    const vi = await signIn(t, viewer);
    expect((await vi.get('/api/v1/jobs?scope=organization')).status).toBe(403);
    const mine = (await vi.get<{ jobs: Job[] }>('/api/v1/jobs')).body.jobs.map((j) => j.id);
    expect(mine).toContain(viJob.id);
    expect(mine).not.toContain(edJob.id);
    expect((await vi.get(`/api/v1/jobs/${viJob.id}/results`)).status).toBe(409);
    expect((await vi.send('POST', `/api/v1/jobs/${viJob.id}/cancel`, undefined, { csrf: null })).status).toBe(
      403,
    );
    expect((await vi.send('POST', `/api/v1/jobs/${edJob.id}/cancel`)).status).toBe(404);
    const cancelled = await vi.send<{ outcome: string; job: Job }>('POST', `/api/v1/jobs/${viJob.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ outcome: 'cancelled', job: { state: 'cancelled' } });
    await t.server.jobs.start();
  });

  it('lists and browses connections, tests one, and lets only admins add a PostGIS connection whose URL is never returned', async () => {
    const vi = await signIn(t, viewer);
    const list = await vi.get<{ connections: { name: string; kind: string }[] }>('/api/v1/connections');
    expect(list.body.connections).toContainEqual(
      expect.objectContaining({ name: 'demo', kind: 'spatialite' }),
    );
    const tables = await vi.get<{
      tables: { name: string; qualifiedName: string; geometryColumns: { name: string }[] }[];
    }>('/api/v1/connections/demo/tables');
    expect(tables.status).toBe(200);
    const cities = tables.body.tables.find((x) => x.name === 'cities')!;
    expect(cities.qualifiedName).toBe('cities');
    expect(cities.geometryColumns.map((c) => c.name)).toEqual(['geom']);
    const columns = await vi.get<{ table: { columns: { name: string; type: string }[] } }>(
      '/api/v1/connections/demo/tables/cities',
    );
    expect(columns.body.table.columns).toContainEqual(
      expect.objectContaining({ name: 'geom', type: 'geometry' }),
    );
    const missing = await vi.get<Problem>('/api/v1/connections/demo/tables/citiez');
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toContain('Did you mean: cities');
    expect((await vi.get('/api/v1/connections/nope/tables')).status).toBe(404);

    const tested = await vi.send<{ ok: boolean; message: string }>('POST', '/api/v1/connections/demo/test');
    expect(tested.body).toMatchObject({
      ok: true,
      message: expect.stringMatching(/^Connection "demo" works: [1-9]\d* tables?/),
    });
    expect((await vi.send('POST', '/api/v1/connections/demo/test', undefined, { csrf: null })).status).toBe(
      403,
    );
    expect((await vi.send('POST', '/api/v1/connections/nope/test')).status).toBe(404);

    const url = 'postgres://reader:s3cret-pw@127.0.0.1:1/gis';
    expect((await vi.send('POST', '/api/v1/connections', { name: 'warehouse', url })).status).toBe(403);
    const ed = await signIn(t, editor);
    expect((await ed.send('POST', '/api/v1/connections', { name: 'warehouse', url })).status).toBe(403);

    const ad = await signIn(t, admin);
    expect(
      (await ad.send('POST', '/api/v1/connections', { name: 'warehouse', url }, { csrf: null })).status,
    ).toBe(403);
    const badUrl = await ad.send<Problem>('POST', '/api/v1/connections', {
      name: 'warehouse',
      url: 'mysql://x:pw-in-url@y/z',
    });
    expect(badUrl.status).toBe(422);
    expect(badUrl.body.errors![0]!.field).toBe('url');
    expect(JSON.stringify(badUrl.body)).not.toContain('pw-in-url');
    expect(
      (await ad.send<Problem>('POST', '/api/v1/connections', { name: 'demo', url })).body.errors![0]!.field,
    ).toBe('name');
    const added = await ad.send<{ connection: Record<string, unknown> }>('POST', '/api/v1/connections', {
      name: 'warehouse',
      url,
      description: 'The warehouse',
    });
    expect(added.status).toBe(201);
    expect(added.body.connection).toMatchObject({
      name: 'warehouse',
      kind: 'postgis',
      description: 'The warehouse',
    });
    const all = await ad.get('/api/v1/connections');
    expect(JSON.stringify(all.body)).not.toContain('s3cret-pw');
    expect(JSON.stringify(added.body)).not.toContain('s3cret-pw');
    const failed = await ad.send<{ ok: boolean; message: string }>(
      'POST',
      '/api/v1/connections/warehouse/test',
    );
    expect(failed.body).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^Connection "warehouse" failed: /),
    });
    expect(failed.body.message).not.toContain('s3cret-pw');
    expect((await ad.get<Problem>('/api/v1/connections/warehouse/tables')).status).toBe(503);
    expect(t.logs.join('')).not.toContain('s3cret-pw');
  });

  it("never shows another organization's workflows, connections or jobs", async () => {
    const vi = await signIn(t, viewer);
    const run = await vi.send<{ job: Job }>('POST', '/api/v1/workflows/cities_within_radius/runs', {
      arguments: { lon: 2.35, lat: 48.85 },
    });
    const out = await signIn(t, outsider);
    expect((await out.get<{ workflows: unknown[] }>('/api/v1/workflows')).body.workflows).toEqual([]);
    expect((await out.get('/api/v1/workflows/cities_near_place')).status).toBe(404);
    expect(
      (await out.send('POST', '/api/v1/workflows/cities_near_place/publish', { toolName: 'stolen' })).status,
    ).toBe(404);
    expect(
      (await out.send('POST', '/api/v1/workflows/cities_near_place/runs', { arguments: {} })).status,
    ).toBe(404);
    expect((await out.get<{ connections: unknown[] }>('/api/v1/connections')).body.connections).toEqual([]);
    expect((await out.get('/api/v1/connections/demo/tables')).status).toBe(404);
    expect((await out.send('POST', '/api/v1/connections/demo/test')).status).toBe(404);
    expect((await out.get(`/api/v1/jobs/${run.body.job.id}`)).status).toBe(404);
    expect((await out.get<{ jobs: Job[] }>('/api/v1/jobs?scope=organization')).body.jobs).toEqual([]);
  });
});

describeWithPostgres('workspace JSON API on a PostgreSQL store', () => {
  const kind: StoreKind = 'postgres';
  let t: TestServer;
  let editor: TestUser;
  let outsider: TestUser;

  beforeAll(async () => {
    t = await startTestServer(kind, { demo: true });
    await t.server.demoReady;
    editor = await t.addUser({ email: 'ed@example.com', role: 'editor' });
    outsider = await t.addUser({ email: 'out@other.example', role: 'admin', orgSlug: 'other' });
  }, 120_000);
  afterAll(async () => t?.stop());

  it('imports, publishes, runs and pages results; another organization sees none of it', async () => {
    await importPublishRun(t, editor);
    const out = await signIn(t, outsider);
    expect((await out.get('/api/v1/workflows/cities_near_place')).status).toBe(404);
    expect((await out.get<{ jobs: Job[] }>('/api/v1/jobs?scope=organization')).body.jobs).toEqual([]);
  });
});
