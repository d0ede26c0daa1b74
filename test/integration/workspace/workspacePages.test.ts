import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer, type TestUser } from '../../support/testServer.ts';
import { FormClient } from '../../support/formClient.ts';
import { submitJob } from '../../../src/jobs/index.ts';

const fixture = readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'workflows', 'cities-near-place.json'), 'utf8');

async function signedIn(t: TestServer, user: TestUser): Promise<{ client: FormClient; csrf: string }> {
  const client = new FormClient(t.url);
  expect((await client.signIn(user.email, user.password)).status).toBe(303);
  const csrf = FormClient.csrfFrom(await (await client.get('/workflows')).text());
  return { client, csrf };
}

describe('workspace pages: Workflows, Jobs, Connections', () => {
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

  it('sends the signed-out to sign in, and shows the nav links', async () => {
    const anonymous = new FormClient(t.url);
    for (const path of ['/workflows', '/jobs', '/connections', '/workflows/x']) {
      const response = await anonymous.get(path);
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe(`/signin?next=${encodeURIComponent(path)}`);
    }
    const { client } = await signedIn(t, viewer);
    const body = await (await client.get('/jobs')).text();
    for (const link of ['/workflows', '/connections', '/jobs', '/developers/credentials']) expect(body).toContain(`href="${link}"`);
  });

  it('imports a workflow (CSRF required, viewers refused), shows its parameters, nodes and tool preview', async () => {
    const { client, csrf } = await signedIn(t, editor);
    expect((await client.post('/workflows', { _csrf: 'forged', document: fixture })).status).toBe(403);

    const bad = await client.post('/workflows', { _csrf: csrf, document: '{"name": "x"' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('The workflow document is not valid');

    const saved = await client.post('/workflows', { _csrf: csrf, document: fixture });
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe('/workflows/cities_near_place');

    const detail = await (await client.get('/workflows/cities_near_place')).text();
    expect(detail).toContain('<code>radius_m</code>');
    expect(detail).toContain('min 1; max 500000');
    expect(detail).toContain('spatial_filter');
    const preview = /<pre id="tool-preview">([\s\S]*?)<\/pre>/.exec(detail)![1]!.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
    const tool = JSON.parse(preview) as { name: string; inputSchema: { required?: string[]; properties: Record<string, unknown> } };
    expect(tool.name).toBe('cities_near_place');
    expect(tool.inputSchema.required).toEqual(['place']);
    expect(Object.keys(tool.inputSchema.properties)).toEqual(['place', 'radius_m', 'size']);

    const v = await signedIn(t, viewer);
    const refused = await v.client.post('/workflows', { _csrf: v.csrf, document: fixture });
    expect(refused.status).toBe(403);
    const viewerDetail = await (await v.client.get('/workflows/cities_near_place')).text();
    expect(viewerDetail).not.toContain('action="/workflows/cities_near_place/publish"');
    expect(viewerDetail).toContain('tool-preview');
  });

  it('publishes with errors shown inline (reserved, duplicate, bad deadline), then lists the tool; viewers get 403; unpublishes', async () => {
    const { client, csrf } = await signedIn(t, editor);
    const second = JSON.parse(fixture) as { name: string };
    second.name = 'other_cities';
    expect((await client.post('/workflows', { _csrf: csrf, document: JSON.stringify(second) })).status).toBe(303);

    const form = { _csrf: csrf, toolName: 'cities_near', title: 'Cities near a place', description: 'Cities within a radius of a point.', mode: 'sync', syncDeadlineMs: '8000' };
    const reserved = await client.post('/workflows/cities_near_place/publish', { ...form, toolName: 'get_job_status' });
    expect(reserved.status).toBe(400);
    const reservedBody = await reserved.text();
    expect(reservedBody).toMatch(/<p class="error" role="alert">&quot;get_job_status&quot; is the name of a built-in Meridian tool/);
    expect(reservedBody).toContain('value="Cities near a place"'); // the form keeps what was typed

    const deadline = await client.post('/workflows/cities_near_place/publish', { ...form, syncDeadlineMs: '100' });
    expect(deadline.status).toBe(400);
    expect(await deadline.text()).toContain('between 500 and 60000 ms');

    const markup = await client.post('/workflows/cities_near_place/publish', { ...form, description: 'Cities <script>alert(1)</script>' });
    expect(markup.status).toBe(400);
    expect(await markup.text()).toContain('no HTML tags');

    expect((await client.post('/workflows/cities_near_place/publish', { ...form, _csrf: 'nope' })).status).toBe(403);
    const v = await signedIn(t, viewer);
    expect((await v.client.post('/workflows/cities_near_place/publish', { ...form, _csrf: v.csrf })).status).toBe(403);
    expect((await v.client.post('/workflows/cities_near_place/unpublish', { _csrf: v.csrf })).status).toBe(403);

    const published = await client.post('/workflows/cities_near_place/publish', form);
    expect(published.status).toBe(303);
    const duplicate = await client.post('/workflows/other_cities/publish', form);
    expect(duplicate.status).toBe(400);
    expect(await duplicate.text()).toContain('The tool name &quot;cities_near&quot; is already used by the workflow cities_near_place');

    const list = await (await v.client.get('/workflows')).text();
    expect(list).toMatch(/<tr data-workflow="cities_near_place">[\s\S]*?<code>cities_near<\/code> · sync/);
    const detail = await (await v.client.get('/workflows/cities_near_place')).text();
    expect(detail).toContain('<code id="published-tool">cities_near</code>');
    expect(detail).toContain('&quot;title&quot;: &quot;Cities near a place&quot;');
    expect(detail).toContain('&quot;readOnlyHint&quot;: true');

    expect((await client.post('/workflows/cities_near_place/unpublish', { _csrf: csrf })).status).toBe(303);
    expect(await (await client.get('/workflows')).text()).toMatch(/<tr data-workflow="cities_near_place">[\s\S]*?not published/);
  });

  it("never shows another organization's workflows", async () => {
    const o = await signedIn(t, outsider);
    expect(await (await o.client.get('/workflows')).text()).not.toContain('cities_near_place');
    expect((await o.client.get('/workflows/cities_near_place')).status).toBe(404);
    expect((await o.client.post('/workflows/cities_near_place/publish', { _csrf: o.csrf, toolName: 'stolen' })).status).toBe(404);
  });

  it('lists jobs (admins: all, others: their own) and cancels only one’s own queued job', async () => {
    const db = t.server.store.db;
    // These jobs must stay queued: no runner may pick them up (it would fail them, kind unknown).
    await t.server.jobs.stop(100);
    const edJob = await submitJob(db, editor, { kind: 'workspace-test', title: 'Editor job', input: {}, clientId: 'workspace-test' });
    const viJob = await submitJob(db, viewer, { kind: 'workspace-test', title: 'Viewer job', input: {}, clientId: 'workspace-test' });

    const a = await signedIn(t, admin);
    const adminJobs = await (await a.client.get('/jobs')).text();
    expect(adminJobs).toContain('Editor job');
    expect(adminJobs).toContain('Viewer job');
    expect(adminJobs).toContain('ed@example.com');
    expect(adminJobs).not.toContain(`action="/jobs/${edJob.id}/cancel"`); // not the admin's own
    expect((await a.client.post(`/jobs/${edJob.id}/cancel`, { _csrf: a.csrf })).status).toBe(404);

    const v = await signedIn(t, viewer);
    const viewerJobs = await (await v.client.get('/jobs')).text();
    expect(viewerJobs).toContain('Viewer job');
    expect(viewerJobs).not.toContain('Editor job');
    expect((await v.client.post(`/jobs/${viJob.id}/cancel`, { _csrf: 'forged' })).status).toBe(403);
    expect((await v.client.post(`/jobs/${edJob.id}/cancel`, { _csrf: v.csrf })).status).toBe(404);
    const cancelled = await v.client.post(`/jobs/${viJob.id}/cancel`, { _csrf: v.csrf });
    expect(cancelled.status).toBe(303);
    expect(await (await v.client.get('/jobs')).text()).toMatch(new RegExp(`data-job="${viJob.id}">[\\s\\S]*?<td>cancelled`));
  });

  it('lists connections, tests one, and lets only admins add a PostGIS connection whose URL is never shown', async () => {
    const v = await signedIn(t, viewer);
    const page = await (await v.client.get('/connections')).text();
    expect(page).toContain('<tr data-connection="demo">');
    expect(page).not.toContain('action="/connections"');
    const tested = await (await v.client.post('/connections/demo/test', { _csrf: v.csrf })).text();
    expect(tested).toMatch(/id="test-result">Connection "demo" works: [1-9]\d* tables?/);
    expect((await v.client.post('/connections/demo/test', { _csrf: 'forged' })).status).toBe(403);
    expect((await v.client.post('/connections/nope/test', { _csrf: v.csrf })).status).toBe(404);
    const url = 'postgres://reader:s3cret-pw@127.0.0.1:1/gis';
    expect((await v.client.post('/connections', { _csrf: v.csrf, name: 'warehouse', url })).status).toBe(403);
    const e = await signedIn(t, editor);
    expect((await e.client.post('/connections', { _csrf: e.csrf, name: 'warehouse', url })).status).toBe(403);

    const a = await signedIn(t, admin);
    expect((await a.client.post('/connections', { _csrf: 'forged', name: 'warehouse', url })).status).toBe(403);
    const badUrl = await a.client.post('/connections', { _csrf: a.csrf, name: 'warehouse', url: 'mysql://x@y/z' });
    expect(badUrl.status).toBe(400);
    expect(await badUrl.text()).not.toContain('mysql://x@y/z');
    expect((await a.client.post('/connections', { _csrf: a.csrf, name: 'demo', url })).status).toBe(400);
    const added = await a.client.post('/connections', { _csrf: a.csrf, name: 'warehouse', url, description: 'The warehouse' });
    expect(added.status).toBe(303);
    const list = await (await a.client.get('/connections')).text();
    expect(list).toContain('<tr data-connection="warehouse">');
    expect(list).not.toContain('s3cret-pw');
    const failed = await (await a.client.post('/connections/warehouse/test', { _csrf: a.csrf })).text();
    expect(failed).toMatch(/id="test-result">Connection "warehouse" failed: /);
    expect(failed).not.toContain('s3cret-pw');
    expect(t.logs.join('')).not.toContain('s3cret-pw');
  });
});
