import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type StoreKind, type TestServer, type TestUser } from '../../support/testServer.ts';
import { WorkspaceApiClient } from '../../support/workspaceApiClient.ts';
import { describeWithPostgres } from '../../support/postgres.ts';
import { listPublishedWorkflows } from '../../../src/workflowLibrary/workflowRepository.ts';
import {
  down as dropWorkflowVersions,
  up as createWorkflowVersions,
} from '../../../src/store/migrations/0014_workflow_versions.ts';

/**
 * Workflow versions over real HTTP: every save is kept, any version can be fetched and restored
 * (as a new version), viewers read but cannot restore, another organization's workflow is as
 * absent as a missing one, a save from a stale version is a 409 naming the save that won, and
 * migration 0014 gives workflows saved before history their current version.
 */
const example = JSON.parse(
  readFileSync(
    join(import.meta.dirname, '..', '..', '..', 'examples/workflows/cities-within-radius.json'),
    'utf8',
  ),
) as Record<string, unknown>;

interface Problem {
  status: number;
  detail: string;
  currentVersion?: number;
  savedAt?: number;
  savedBy?: { id: string; name: string; email: string } | null;
}
interface VersionSummary {
  version: number;
  savedAt: number;
  savedBy: { id: string; email: string } | null;
}
interface Saved {
  workflow: { id: string; version: number; description: string };
}

const doc = (name: string, description: string) => ({ ...structuredClone(example), name, description });

function versionsSuite(kind: StoreKind) {
  let t: TestServer;
  let admin: TestUser;
  let editor: TestUser;
  let viewer: TestUser;
  let outsider: TestUser;
  const signIn = (user: TestUser) => WorkspaceApiClient.signIn(t.url, user.email, user.password);

  beforeAll(async () => {
    t = await startTestServer(kind, { demo: true });
    await t.server.demoReady;
    admin = await t.addUser({ email: 'ada@example.com', role: 'admin' });
    editor = await t.addUser({ email: 'ed@example.com', role: 'editor' });
    viewer = await t.addUser({ email: 'vi@example.com', role: 'viewer' });
    outsider = await t.addUser({ email: 'out@other.example', role: 'admin', orgSlug: 'other' });
    const ed = await signIn(editor);
    const ad = await signIn(admin);
    expect((await ed.send('POST', '/api/v1/workflows', { document: doc('hist', 'first') })).status).toBe(201);
    expect(
      (await ad.send('POST', '/api/v1/workflows', { document: doc('hist', 'second'), baseVersion: 1 }))
        .status,
    ).toBe(201);
    expect(
      (await ed.send('POST', '/api/v1/workflows', { document: doc('hist', 'third'), baseVersion: 2 })).status,
    ).toBe(201);
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('keeps every save: three saves are three versions, newest first, with who saved them and when', async () => {
    const vi = await signIn(viewer);
    const history = await vi.get<{ current: number; versions: VersionSummary[] }>(
      '/api/v1/workflows/hist/versions',
    );
    expect(history.status).toBe(200);
    expect(history.body.current).toBe(3);
    expect(history.body.versions.map((v) => [v.version, v.savedBy?.email])).toEqual([
      [3, editor.email],
      [2, admin.email],
      [1, editor.email],
    ]);
    const times = history.body.versions.map((v) => v.savedAt);
    expect(times.every((time) => typeof time === 'number' && time > 0)).toBe(true);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('fetches one version with its document; a version that does not exist is a 404 problem', async () => {
    const vi = await signIn(viewer);
    const first = await vi.get<{ version: VersionSummary & { document: { description: string } } }>(
      '/api/v1/workflows/hist/versions/1',
    );
    expect(first.status).toBe(200);
    expect(first.body.version).toMatchObject({
      version: 1,
      document: { description: 'first', name: 'hist' },
    });
    expect(first.body.version.savedBy?.email).toBe(editor.email);
    for (const missing of ['9', '0', 'latest']) {
      const refused = await vi.get<Problem>(`/api/v1/workflows/hist/versions/${missing}`);
      expect(refused.status).toBe(404);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(refused.body.detail).toContain(`has no version ${missing}`);
    }
  });

  it('restores an old version as a new version with its document; the published tool runs it', async () => {
    const ed = await signIn(editor);
    expect((await ed.send('POST', '/api/v1/workflows/hist/publish', { toolName: 'hist_tool' })).status).toBe(
      200,
    );
    const restored = await ed.send<Saved>('POST', '/api/v1/workflows/hist/versions/1/restore', {});
    expect(restored.status).toBe(201);
    expect(restored.body.workflow).toMatchObject({ version: 4, description: 'first' });
    const current = await ed.get<{ workflow: { version: number; document: { description: string } } }>(
      '/api/v1/workflows/hist',
    );
    expect(current.body.workflow).toMatchObject({ version: 4, document: { description: 'first' } });
    const history = await ed.get<{ versions: VersionSummary[] }>('/api/v1/workflows/hist/versions');
    expect(history.body.versions.map((v) => v.version)).toEqual([4, 3, 2, 1]);
    expect(history.body.versions[0]!.savedBy?.email).toBe(editor.email);
    // Publishing points at the workflow, not at a version: the tool now runs the restored document.
    const published = await listPublishedWorkflows(t.server.store.db, editor.orgId);
    expect(published.find((p) => p.tool.name === 'hist_tool')).toMatchObject({
      version: 4,
      document: { description: 'first' },
    });
    const absent = await ed.send<Problem>('POST', '/api/v1/workflows/hist/versions/77/restore', {});
    expect(absent.status).toBe(404);
  });

  it('refuses restores from viewers with a 403 problem document, and restores without CSRF', async () => {
    const vi = await signIn(viewer);
    const refused = await vi.send<Problem>('POST', '/api/v1/workflows/hist/versions/2/restore', {});
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    const ed = await signIn(editor);
    const forged = await ed.send<Problem>(
      'POST',
      '/api/v1/workflows/hist/versions/2/restore',
      {},
      { csrf: null },
    );
    expect(forged.status).toBe(403);
    const history = await ed.get<{ current: number }>('/api/v1/workflows/hist/versions');
    expect(history.body.current).toBe(4);
  });

  it('answers for another organization’s workflow exactly as for one that does not exist (404)', async () => {
    const out = await signIn(outsider);
    for (const [method, path] of [
      ['GET', '/api/v1/workflows/NAME/versions'],
      ['GET', '/api/v1/workflows/NAME/versions/1'],
      ['POST', '/api/v1/workflows/NAME/versions/1/restore'],
    ] as const) {
      const call = (name: string) =>
        method === 'GET'
          ? out.get<Problem>(path.replace('NAME', name))
          : out.send<Problem>('POST', path.replace('NAME', name), {});
      const foreign = await call('hist');
      const missing = await call('nowhere');
      expect(foreign.status).toBe(404);
      expect(missing.status).toBe(404);
      expect(JSON.stringify(foreign.body)).toBe(JSON.stringify(missing.body).replaceAll('nowhere', 'hist'));
      expect(JSON.stringify(foreign.body)).not.toContain('first');
    }
    // And the id, not only the name, stays in its organization.
    const ed = await signIn(editor);
    const id = (await ed.get<{ workflow: { id: string } }>('/api/v1/workflows/hist')).body.workflow.id;
    expect((await out.get<Problem>(`/api/v1/workflows/${id}/versions/1`)).status).toBe(404);
  });

  it('refuses a save from a stale baseVersion with a 409 naming who saved the newer version and when', async () => {
    const ed = await signIn(editor);
    const ad = await signIn(admin);
    const won = await ad.send<Saved>('POST', '/api/v1/workflows', {
      document: doc('hist', 'admin wins'),
      baseVersion: 4,
    });
    expect(won.status).toBe(201);
    expect(won.body.workflow.version).toBe(5);
    const stale = await ed.send<Problem>('POST', '/api/v1/workflows', {
      document: doc('hist', 'editor loses'),
      baseVersion: 4,
    });
    expect(stale.status).toBe(409);
    expect(stale.headers.get('content-type')).toContain('application/problem+json');
    expect(stale.body).toMatchObject({ status: 409, currentVersion: 5, savedBy: { email: admin.email } });
    expect(stale.body.detail).toContain('version 5 was saved by ada (ada@example.com) at ');
    const history = await ed.get<{ versions: VersionSummary[] }>('/api/v1/workflows/hist/versions');
    expect(stale.body.savedAt).toBe(history.body.versions[0]!.savedAt);
    expect(new Date(stale.body.savedAt!).toISOString()).toBe(stale.body.detail.match(/at (\S+)\./)![1]);
    const restoreStale = await ed.send<Problem>('POST', '/api/v1/workflows/hist/versions/1/restore', {
      baseVersion: 4,
    });
    expect(restoreStale.status).toBe(409);
    expect(history.body.versions[0]).toMatchObject({ version: 5 });
    // Saves that send no baseVersion (the CLI's import) replace the current version, as before.
    const imported = await ed.send<Saved>('POST', '/api/v1/workflows', { document: doc('hist', 'imported') });
    expect(imported.status).toBe(201);
    expect(imported.body.workflow.version).toBe(6);
  });

  it('lets exactly one of two saves racing from the same version win; the other is a 409', async () => {
    const ed = await signIn(editor);
    const ad = await signIn(admin);
    const results = await Promise.all([
      ed.send<Problem>('POST', '/api/v1/workflows', { document: doc('hist', 'race a'), baseVersion: 6 }),
      ad.send<Problem>('POST', '/api/v1/workflows', { document: doc('hist', 'race b'), baseVersion: 6 }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    const history = await ed.get<{ current: number; versions: VersionSummary[] }>(
      '/api/v1/workflows/hist/versions',
    );
    expect(history.body.current).toBe(7);
    expect(history.body.versions.map((v) => v.version)).toEqual([7, 6, 5, 4, 3, 2, 1]);
  });

  it('migration 0014 gives each workflow saved before history its current document as its current version', async () => {
    const db = t.server.store.db;
    // The store as it was before 0014: workflows with a version number and no history.
    await dropWorkflowVersions(db as never);
    await createWorkflowVersions(db as never);
    const ed = await signIn(editor);
    const history = await ed.get<{ current: number; versions: VersionSummary[] }>(
      '/api/v1/workflows/hist/versions',
    );
    expect(history.body.current).toBe(7);
    expect(history.body.versions).toHaveLength(1);
    expect(history.body.versions[0]).toMatchObject({ version: 7, savedBy: null });
    const current = await ed.get<{ workflow: { document: unknown } }>('/api/v1/workflows/hist');
    const backfilled = await ed.get<{ version: { document: unknown } }>('/api/v1/workflows/hist/versions/7');
    expect(backfilled.body.version.document).toEqual(current.body.workflow.document);
    // The demo workflow too, and the next save continues the history.
    const demo = await ed.get<{ versions: VersionSummary[] }>(
      '/api/v1/workflows/cities_within_radius/versions',
    );
    expect(demo.body.versions).toHaveLength(1);
    const next = await ed.send<Saved>('POST', '/api/v1/workflows', {
      document: doc('hist', 'after'),
      baseVersion: 7,
    });
    expect(next.body.workflow.version).toBe(8);
  });
}

describe('workflow versions API (SQLite store)', () => versionsSuite('sqlite'));
describeWithPostgres('workflow versions API (PostgreSQL store)', () => versionsSuite('postgres'));
