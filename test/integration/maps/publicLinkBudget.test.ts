import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type StoreKind, type TestServer, type TestUser } from '../../support/testServer.ts';
import { describeWithPostgres } from '../../support/postgres.ts';
import { ApiClient } from '../../support/apiClient.ts';
import type { Structured } from '../../support/mcpCalls.ts';

/**
 * Audit #9: anonymous views of a public link used to run every workflow layer again, as the
 * link's owner (16 GETs made ~140 jobs). Budgets here: 3 runs per map, 4 per organization, per
 * rolling minute (the test finishes well inside one).
 */
const workflowLayer = {
  id: 'paris',
  title: 'Around Paris',
  source: { kind: 'workflow', tool: 'cities_within_radius', arguments: { lon: 2.35, lat: 48.86 } },
  style: { tooltipColumns: ['name'] },
};
const citiesLayer = {
  id: 'cities',
  title: 'Cities',
  source: { kind: 'table', connection: 'demo', table: 'cities' },
};

function publicLinkBudget(kind: StoreKind) {
  let t: TestServer;
  let bob: TestUser;
  let api: ApiClient;

  beforeAll(async () => {
    t = await startTestServer(kind, {
      demo: true,
      env: { MERIDIAN_PUBLIC_MAP_RUNS_PER_MINUTE: '3', MERIDIAN_PUBLIC_MAP_ORG_RUNS_PER_MINUTE: '4' },
    });
    await t.server.demoReady;
    bob = await t.addUser({ email: 'bob@example.com', role: 'admin' });
    api = await ApiClient.signIn(t.url, bob.email, bob.password);
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
  });

  const jobsSince = (since: number) =>
    t.server.store.db
      .selectFrom('jobs')
      .select(['id', 'client_id'])
      .where('org_id', '=', bob.orgId)
      .where('created_at', '>=', since)
      .execute();

  async function publish(title: string, layers: unknown[]) {
    const created = await api.request<Structured>('POST', '/api/v1/maps', { title, layers });
    expect(created.status).toBe(201);
    const link = await api.request<Structured>('POST', `/api/v1/maps/${created.body.map.id}/public-link`);
    expect(link.status).toBe(200);
    const token = new URL(link.body.publicLink).pathname.replace('/app/shared/', '');
    return {
      id: created.body.map.id as string,
      url: `${t.url}/api/v1/public-maps/${token}`,
      /** A new version of the map (the cache is per version). */
      edit: async (newTitle: string) =>
        expect(
          (await api.request('PUT', `/api/v1/maps/${created.body.map.id}`, { title: newTitle, layers }))
            .status,
        ).toBe(200),
    };
  }

  it('audit #9: N anonymous GETs of a public link within the cache TTL submit at most one run per workflow layer, labelled in the jobs API', async () => {
    const own = await api.request<Structured>('POST', '/api/v1/workflows/cities_within_radius/runs', {
      arguments: { lon: 13.4, lat: 52.52 },
    });
    expect(own.status).toBe(202);
    const since = Date.now();
    const map = await publish('Around Paris', [workflowLayer, citiesLayer]);

    const burst = await Promise.all(Array.from({ length: 16 }, () => fetch(map.url)));
    expect(burst.map((r) => r.status)).toEqual(Array(16).fill(200));
    const bodies = (await Promise.all(burst.map((r) => r.json()))) as Structured[];
    expect(bodies[0]!.layers[0].featureCount).toBeGreaterThan(0);
    for (const body of bodies) expect(body).toEqual(bodies[0]);
    for (let i = 0; i < 5; i++) expect((await fetch(map.url)).status).toBe(200);

    const jobs = await jobsSince(since);
    expect(jobs).toHaveLength(1);
    const listed = await api.request<Structured>('GET', '/api/v1/jobs?scope=mine&limit=100');
    const byId = new Map(listed.body.jobs.map((j: Structured) => [j.id, j]));
    expect(byId.get(jobs[0]!.id)).toMatchObject({
      publicLink: true,
      mine: true,
      title: 'cities_within_radius',
    });
    expect(byId.get(own.body.job.id)).toMatchObject({ publicLink: false });
    const one = await api.request<Structured>('GET', `/api/v1/jobs/${jobs[0]!.id}`);
    expect(one.body.job.publicLink).toBe(true);
  });

  it('audit #9: the anonymous budget gives a clear 429 once spent, per map and per organization', async () => {
    const since = Date.now();
    const map = await publish('Budgeted', [workflowLayer]);
    // Every edit is a new version: a cache miss, one more run. This map's budget: 3 runs a minute.
    for (const title of ['Budgeted', 'Budgeted 2', 'Budgeted 3']) {
      if (title !== 'Budgeted') await map.edit(title);
      expect((await fetch(map.url)).status).toBe(200);
    }
    await map.edit('Budgeted 4');
    const spent = await fetch(map.url);
    expect(spent.status).toBe(429);
    expect(spent.headers.get('content-type')).toContain('application/problem+json');
    const retryAfter = Number(spent.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const problem = (await spent.json()) as Structured;
    expect(problem).toMatchObject({ status: 429, title: 'Too Many Requests' });
    expect(problem.detail).toContain(
      'Public views of this map have run 3 workflows in the last minute (at most 3).',
    );
    expect(problem.detail).not.toMatch(/features/);
    expect((await jobsSince(since)).map((j) => j.client_id)).toEqual(Array(3).fill(`public-link:${map.id}`));

    // The organization's budget (4) is shared by all its maps: the first test's run and these 3
    // (within the minute) leave none for another map.
    const other = await publish('Another', [workflowLayer]);
    const orgSpent = await fetch(other.url);
    expect(orgSpent.status).toBe(429);
    expect(((await orgSpent.json()) as Structured).detail).toContain(
      "Public views of this organization's shared maps have run 4 workflows in the last minute (at most 4).",
    );
    expect(await jobsSince(since)).toHaveLength(3);
  });
}

describe('public map link cache and budget (SQLite store)', () => publicLinkBudget('sqlite'));
describeWithPostgres('public map link cache and budget (PostgreSQL store)', () =>
  publicLinkBudget('postgres'),
);
