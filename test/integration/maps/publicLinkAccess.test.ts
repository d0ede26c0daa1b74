import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type StoreKind, type TestServer, type TestUser } from '../../support/testServer.ts';
import { describeWithPostgres } from '../../support/postgres.ts';
import { ApiClient } from '../../support/apiClient.ts';
import { createConnection, setConnectionMembers } from '../../../src/connections/index.ts';
import { saveWorkflow } from '../../../src/workflowLibrary/workflowRepository.ts';
import type { Structured } from '../../support/mcpCalls.ts';

/**
 * Audit #2: a map (and its public link) shows only what the acting user may read, and a
 * workflow is written only by someone who may use its connection. `finance` is a restricted
 * connection (the demo data under another name) shared with the editor dave, not with alice.
 */
const citiesLayer = {
  id: 'cities',
  title: 'Cities',
  source: { kind: 'table', connection: 'demo', table: 'cities' },
  style: { tooltipColumns: ['name'] },
};
const financeLayer = {
  id: 'ledger',
  title: 'Finance ledger',
  source: { kind: 'table', connection: 'finance', table: 'cities' },
  style: { tooltipColumns: ['name', 'population'] },
};
const jobLayer = (jobId: string) => ({ id: 'run', title: "Bob's run", source: { kind: 'job', jobId } });
const mapOf = (
  title: string,
  layers: unknown[],
  visibility: 'private' | 'organization' = 'organization',
) => ({
  title,
  layers,
  visibility,
});
const tokenOf = (publicLink: string) => new URL(publicLink).pathname.replace('/app/shared/', '');

function publicLinkAccess(kind: StoreKind) {
  let t: TestServer;
  let alice: TestUser; // editor, may not use finance
  let bob: TestUser; // admin
  let dave: TestUser; // editor, a member of finance
  let financeId: string;
  let api: Record<'alice' | 'bob' | 'dave', ApiClient>;
  let bobJob: string;

  beforeAll(async () => {
    t = await startTestServer(kind, { demo: true });
    await t.server.demoReady;
    alice = await t.addUser({ email: 'alice@example.com', role: 'editor' });
    bob = await t.addUser({ email: 'bob@example.com', role: 'admin' });
    dave = await t.addUser({ email: 'dave@example.com', role: 'editor' });
    const finance = await createConnection(t.server.store.db, t.server.connectionBox, bob, {
      name: 'finance',
      kind: 'spatialite',
      config: { file: 'demo.sqlite' },
      restricted: true,
    });
    financeId = finance.id;
    await setConnectionMembers(t.server.store.db, bob, financeId, [dave.userId]);
    api = {
      alice: await ApiClient.signIn(t.url, alice.email, alice.password),
      bob: await ApiClient.signIn(t.url, bob.email, bob.password),
      dave: await ApiClient.signIn(t.url, dave.email, dave.password),
    };
    const run = await api.bob.request<Structured>('POST', '/api/v1/workflows/cities_within_radius/runs', {
      arguments: { lon: 2.35, lat: 48.86 },
    });
    expect(run.status).toBe(202);
    bobJob = run.body.job.id;
    for (let i = 0; i < 200; i++) {
      const job = await api.bob.request<Structured>('GET', `/api/v1/jobs/${bobJob}`);
      if (job.body.job.state === 'succeeded') break;
      expect(['queued', 'running']).toContain(job.body.job.state);
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
  });

  it("audit #2: an editor cannot save a layer from an admin's job or from a connection they may not use", async () => {
    const fromJob = await api.alice.request<Structured>(
      'POST',
      '/api/v1/maps',
      mapOf('Mine', [jobLayer(bobJob)]),
    );
    expect(fromJob.status).toBe(403);
    expect(fromJob.headers.get('content-type')).toContain('application/problem+json');
    expect(fromJob.body.detail).toContain(`Layer "Bob's run" (layers.0)`);
    expect(fromJob.body.errors).toEqual([{ field: 'layers.0.source.jobId', message: fromJob.body.detail }]);

    const fromFinance = await api.alice.request<Structured>(
      'POST',
      '/api/v1/maps',
      mapOf('Mine', [citiesLayer, financeLayer]),
    );
    expect(fromFinance.status).toBe(403);
    expect(fromFinance.body.detail).toContain('Layer "Finance ledger" (layers.1)');
    expect(fromFinance.body.errors).toEqual([
      { field: 'layers.1.source.connection', message: fromFinance.body.detail },
    ]);

    // The attack: bob's org-shared map, its public link on (as bob); alice swaps a layer for
    // bob's job or the finance table, which the link would then serve with bob's rights.
    const shared = await api.bob.request<Structured>('POST', '/api/v1/maps', mapOf('Shared', [citiesLayer]));
    expect(shared.status).toBe(201);
    const id = shared.body.map.id;
    const link = await api.bob.request<Structured>('POST', `/api/v1/maps/${id}/public-link`);
    expect(link.status).toBe(200);
    for (const layer of [jobLayer(bobJob), financeLayer]) {
      const swap = await api.alice.request<Structured>('PUT', `/api/v1/maps/${id}`, mapOf('Shared', [layer]));
      expect(swap.status).toBe(403);
      expect(swap.body.errors[0].field).toMatch(/^layers\.0\.source\./);
    }
    // Reading more columns of a layer alice cannot read is a change too.
    const bobsFinance = await api.bob.request<Structured>(
      'PUT',
      `/api/v1/maps/${id}`,
      mapOf('Shared', [financeLayer]),
    );
    expect(bobsFinance.status).toBe(200);
    const moreColumns = await api.alice.request<Structured>(
      'PUT',
      `/api/v1/maps/${id}`,
      mapOf('Shared', [{ ...financeLayer, style: { tooltipColumns: ['name', 'population', 'country'] } }]),
    );
    expect(moreColumns.status).toBe(403);
    expect(moreColumns.body.errors[0].field).toBe('layers.0.source.connection');
    // Layers she leaves as they are do not stop her retitling the shared map.
    const retitled = await api.alice.request<Structured>(
      'PUT',
      `/api/v1/maps/${id}`,
      mapOf('Shared, retitled', [financeLayer]),
    );
    expect(retitled.status).toBe(200);
    const anonymous = await fetch(`${t.url}/api/v1/public-maps/${tokenOf(link.body.publicLink)}`);
    expect(anonymous.status).toBe(200);
    expect(((await anonymous.json()) as Structured).layers[0].id).toBe('ledger');
  });

  it('audit #2: an editor cannot turn on the public link of an org-shared map whose layers they cannot read', async () => {
    // The finance layer is hidden: the link would still serve it as soon as anyone showed it.
    const map = await api.bob.request<Structured>(
      'POST',
      '/api/v1/maps',
      mapOf('Budget', [citiesLayer, { ...financeLayer, visible: false }]),
    );
    const id = map.body.map.id;
    const refused = await api.alice.request<Structured>('POST', `/api/v1/maps/${id}/public-link`);
    expect(refused.status).toBe(403);
    expect(refused.body.errors).toEqual([
      { field: 'layers.1.source.connection', message: refused.body.detail },
    ]);
    expect((await api.bob.request<Structured>('GET', `/api/v1/maps/${id}`)).body.map.publicLink).toBeNull();
    const withJob = await api.bob.request<Structured>(
      'POST',
      '/api/v1/maps',
      mapOf('Run', [jobLayer(bobJob)]),
    );
    const refusedJob = await api.alice.request<Structured>(
      'POST',
      `/api/v1/maps/${withJob.body.map.id}/public-link`,
    );
    expect(refusedJob.status).toBe(403);
    expect(refusedJob.body.errors[0].field).toBe('layers.0.source.jobId');
    // dave may use finance: he may publish it.
    expect((await api.dave.request('POST', `/api/v1/maps/${id}/public-link`)).status).toBe(200);
  });

  it('audit #2: a public link resolves as the user who enabled it, and serves no rows once that user loses access', async () => {
    // bob (admin) owns the map and could read finance all along; dave enables the link.
    const map = await api.bob.request<Structured>('POST', '/api/v1/maps', mapOf('Ledger', [financeLayer]));
    const id = map.body.map.id;
    const link = await api.dave.request<Structured>('POST', `/api/v1/maps/${id}/public-link`);
    expect(link.status).toBe(200);
    const url = `${t.url}/api/v1/public-maps/${tokenOf(link.body.publicLink)}`;
    const served = await fetch(url);
    expect(served.status).toBe(200);
    expect(((await served.json()) as Structured).layers[0].featureCount).toBeGreaterThan(0);

    await setConnectionMembers(t.server.store.db, bob, financeId, []);
    try {
      // At once, although the rendering is still in the public-link cache.
      const gone = await fetch(url);
      expect(gone.status).toBe(410);
      expect(gone.headers.get('content-type')).toContain('application/problem+json');
      const body = (await gone.json()) as Structured;
      expect(body.detail).toBe('This map link is no longer available; ask whoever shared it for a new one.');
      expect(JSON.stringify(body)).not.toMatch(/features|finance|ledger/i);
    } finally {
      await setConnectionMembers(t.server.store.db, bob, financeId, [dave.userId]);
    }
    expect((await fetch(url)).status).toBe(200);
    // A link enabled by someone no longer in the organization shows nothing either.
    await t.server.store.db.deleteFrom('memberships').where('user_id', '=', dave.userId).execute();
    expect((await fetch(url)).status).toBe(410);
  });

  it('audit #2: an editor cannot import or publish a workflow on a connection they may not use', async () => {
    const sqlOnFinance = {
      name: 'finance_dump',
      description: 'Everything in the ledger.',
      connection: 'finance',
      parameters: [],
      nodes: [
        {
          id: 'rows',
          component: 'sql_query',
          config: { sql: 'SELECT name FROM cities', columns: [{ name: 'name', type: 'text' }] },
        },
        { id: 'result', component: 'result', inputs: { input: 'rows' } },
      ],
      output: 'result',
    };
    const imported = await api.alice.request<Structured>('POST', '/api/v1/workflows', {
      document: sqlOnFinance,
    });
    expect(imported.status).toBe(403);
    expect(imported.body.detail).toContain('You cannot use the connection "finance"');
    expect(imported.body.errors).toEqual([{ field: 'document', message: imported.body.detail }]);
    // The CLI's `workflow import` calls the same repository function.
    await expect(saveWorkflow(t.server.store.db, alice, sqlOnFinance)).rejects.toMatchObject({
      name: 'WorkflowAccessError',
      message: expect.stringContaining('You cannot use the connection "finance"'),
    });
    expect((await api.alice.request('GET', '/api/v1/workflows/finance_dump')).status).toBe(404);

    // bob may: his workflow on finance; alice may neither publish it nor overwrite it.
    expect((await api.bob.request('POST', '/api/v1/workflows', { document: sqlOnFinance })).status).toBe(201);
    const published = await api.alice.request<Structured>('POST', '/api/v1/workflows/finance_dump/publish', {
      toolName: 'finance_dump',
    });
    expect(published.status).toBe(403);
    expect(published.body.detail).toContain('You cannot use the connection "finance"');
    const overwrite = await api.alice.request<Structured>('POST', '/api/v1/workflows', {
      document: { ...sqlOnFinance, connection: 'demo', nodes: sqlOnFinance.nodes },
    });
    expect(overwrite.status).toBe(403);
    const stored = await api.bob.request<Structured>('GET', '/api/v1/workflows/finance_dump');
    expect(stored.body.workflow).toMatchObject({ connection: 'finance', version: 1, tool: null });
    // On a connection she may use, both work as before.
    const own = await api.alice.request<Structured>('POST', '/api/v1/workflows', {
      document: { ...sqlOnFinance, name: 'demo_names', connection: 'demo' },
    });
    expect(own.status).toBe(201);
    expect(
      (await api.alice.request('POST', '/api/v1/workflows/demo_names/publish', { toolName: 'demo_names' }))
        .status,
    ).toBe(200);
  });
}

describe('public map links and layer access (SQLite store)', () => publicLinkAccess('sqlite'));
describeWithPostgres('public map links and layer access (PostgreSQL store)', () =>
  publicLinkAccess('postgres'),
);
