import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { startTestServer, type StoreKind, type TestServer, type TestUser } from '../../support/testServer.ts';
import { describeWithPostgres } from '../../support/postgres.ts';
import { ApiClient } from '../../support/apiClient.ts';
import {
  createMap,
  findMaps,
  getMap,
  updateMap,
  deleteMap,
  MapAccessError,
} from '../../../src/maps/mapRepository.ts';
import { mapDefinitionSchema } from '../../../src/maps/mapDefinition.ts';
import type { Structured } from '../../support/mcpCalls.ts';

const citiesLayer = {
  id: 'cities',
  title: 'Cities',
  source: { kind: 'table', connection: 'demo', table: 'cities' },
  style: { fillColor: '#d62728', tooltipColumns: ['name'] },
};
const definition = (title: string, visibility: 'private' | 'organization' = 'private') => ({
  title,
  description: 'Where people live',
  viewport: { center: [2.35, 48.86], zoom: 6 },
  layers: [citiesLayer],
  visibility,
});

function mapsApi(kind: StoreKind) {
  let t: TestServer;
  let alice: TestUser; // editor, owns the maps
  let bob: TestUser; // admin of the same organization
  let carol: TestUser; // viewer of the same organization
  let eve: TestUser; // admin of another organization
  let api: Record<'alice' | 'bob' | 'carol' | 'eve', ApiClient>;

  beforeAll(async () => {
    t = await startTestServer(kind, { demo: true });
    await t.server.demoReady;
    alice = await t.addUser({ email: 'alice@example.com', role: 'editor' });
    bob = await t.addUser({ email: 'bob@example.com', role: 'admin' });
    carol = await t.addUser({ email: 'carol@example.com', role: 'viewer' });
    eve = await t.addUser({ email: 'eve@example.com', role: 'admin', orgSlug: 'elsewhere' });
    api = {
      alice: await ApiClient.signIn(t.url, alice.email, alice.password),
      bob: await ApiClient.signIn(t.url, bob.email, bob.password),
      carol: await ApiClient.signIn(t.url, carol.email, carol.password),
      eve: await ApiClient.signIn(t.url, eve.email, eve.password),
    };
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
  });

  it("scopes the repository by caller: private maps are the owner's only, ids are 128-bit random, search is case-insensitive", async () => {
    const db = t.server.store.db;
    const mine = await createMap(db, alice, mapDefinitionSchema.parse(definition('100% Private_Map')));
    expect(Buffer.from(mine.id, 'base64url')).toHaveLength(16);
    for (const other of [bob, carol, eve]) {
      expect(await getMap(db, other, mine.id)).toBeUndefined();
      expect(
        await updateMap(db, other, mine.id, mapDefinitionSchema.parse(definition('taken'))),
      ).toBeUndefined();
      expect(await deleteMap(db, other, mine.id)).toBe(false);
      expect((await findMaps(db, other, { query: 'private' })).map((m) => m.id)).not.toContain(mine.id);
    }
    expect((await findMaps(db, alice, { query: 'PRIVATE_map' })).map((m) => m.id)).toEqual([mine.id]);
    // LIKE wildcards typed by a user are literal: "_" does not match any character.
    expect((await findMaps(db, alice, { query: 'private map' })).map((m) => m.id)).toEqual([mine.id]);
    expect(await findMaps(db, alice, { query: '100%_' })).toEqual([]);
    // layer sources; the demo organization's seeded maps draw demo tables too
    const bySource = await findMaps(db, alice, { query: 'demo cities' });
    expect(bySource.filter((m) => !t.server.demoMaps.includes(m.definition.title)).map((m) => m.id)).toEqual([
      mine.id,
    ]);

    const shared = await createMap(
      db,
      alice,
      mapDefinitionSchema.parse(definition('Shared', 'organization')),
    );
    expect((await getMap(db, bob, shared.id))?.canEdit).toBe(true);
    expect((await getMap(db, carol, shared.id))?.canEdit).toBe(false);
    await expect(
      updateMap(db, carol, shared.id, mapDefinitionSchema.parse(definition('mine now', 'organization'))),
    ).rejects.toBeInstanceOf(MapAccessError);
    await expect(
      updateMap(db, bob, shared.id, mapDefinitionSchema.parse(definition('hidden'))),
    ).rejects.toThrow(/owner can make it private/);
    expect(await getMap(db, eve, shared.id)).toBeUndefined();
    await deleteMap(db, alice, mine.id);
    await deleteMap(db, alice, shared.id);
  });

  it('creates, reads, updates and deletes maps through the API, with field errors and CSRF', async () => {
    const noCsrf = await api.alice.raw('POST', '/api/v1/maps', definition('No token'), { csrf: false });
    expect(noCsrf.status).toBe(403);

    const invalid = await api.alice.request<Structured>('POST', '/api/v1/maps', {
      ...definition('Bad'),
      layers: [{ ...citiesLayer, style: { fillColor: 'red' } }],
    });
    expect(invalid.status).toBe(422);
    expect(invalid.body.errors).toEqual([expect.objectContaining({ field: 'layers.0.style.fillColor' })]);
    const empty = await api.alice.request<Structured>('POST', '/api/v1/maps', { title: ' ', layers: [] });
    expect(empty.status).toBe(422);
    expect(empty.body.errors.map((e: Structured) => e.field).sort()).toEqual(['layers', 'title']);

    const created = await api.alice.request<Structured>(
      'POST',
      '/api/v1/maps',
      definition('Cities of France'),
    );
    expect(created.status).toBe(201);
    const map = created.body.map;
    expect(map).toMatchObject({
      title: 'Cities of France',
      visibility: 'private',
      ownerEmail: 'alice@example.com',
      canEdit: true,
      publicLink: null,
      link: `${t.url}/app/maps/${map.id}`,
    });
    expect(map.layers[0].style).toMatchObject({ fillColor: '#d62728', strokeColor: '#ffffff', opacity: 0.8 });
    expect(Buffer.from(map.id, 'base64url')).toHaveLength(16);

    const unknown = await api.bob.request('GET', '/api/v1/maps/AAAAAAAAAAAAAAAAAAAAAA');
    expect(unknown.status).toBe(404);
    for (const other of [api.bob, api.carol, api.eve]) {
      for (const [method, path, body] of [
        ['GET', `/api/v1/maps/${map.id}`],
        ['PUT', `/api/v1/maps/${map.id}`, definition('Taken')],
        ['DELETE', `/api/v1/maps/${map.id}`],
        ['GET', `/api/v1/maps/${map.id}/rendered`],
        ['GET', `/api/v1/maps/${map.id}/image.png`],
        ['POST', `/api/v1/maps/${map.id}/public-link`],
      ] as const) {
        const answer = await other.request(method, path, body);
        expect([method, path, answer.status]).toEqual([method, path, 404]);
        expect(answer.body).toEqual(unknown.body);
      }
      expect(
        ((await other.request<Structured>('GET', '/api/v1/maps')).body.maps as Structured[]).map((m) => m.id),
      ).not.toContain(map.id);
    }

    const listed = await api.alice.request<Structured>('GET', '/api/v1/maps?q=france');
    expect(listed.body.maps).toEqual([
      {
        id: map.id,
        title: 'Cities of France',
        description: 'Where people live',
        visibility: 'private',
        ownerEmail: 'alice@example.com',
        updatedAt: map.updatedAt,
        layerCount: 1,
        link: map.link,
        canEdit: true,
      },
    ]);

    const shared = await api.alice.request<Structured>(
      'PUT',
      `/api/v1/maps/${map.id}`,
      definition('Cities of France', 'organization'),
    );
    expect(shared.status).toBe(200);
    expect(shared.body.map.updatedAt).toBeGreaterThan(map.updatedAt);
    expect((await api.bob.request<Structured>('GET', `/api/v1/maps/${map.id}`)).body.map.canEdit).toBe(true);
    expect((await api.carol.request<Structured>('GET', `/api/v1/maps/${map.id}`)).body.map.canEdit).toBe(
      false,
    );
    expect(
      (await api.carol.request('PUT', `/api/v1/maps/${map.id}`, definition('Mine', 'organization'))).status,
    ).toBe(403);
    expect((await api.carol.request('DELETE', `/api/v1/maps/${map.id}`)).status).toBe(403);
    expect((await api.eve.request('GET', `/api/v1/maps/${map.id}`)).status).toBe(404);
    const badUpdate = await api.bob.request<Structured>('PUT', `/api/v1/maps/${map.id}`, {
      ...definition('x', 'organization'),
      viewport: { center: [200, 0], zoom: 3 },
    });
    expect(badUpdate.status).toBe(422);
    expect(badUpdate.body.errors[0].field).toBe('viewport.center.0');

    const rendered = await api.carol.request<Structured>('GET', `/api/v1/maps/${map.id}/rendered`);
    expect(rendered.status).toBe(200);
    expect(rendered.body).toMatchObject({
      id: map.id,
      title: 'Cities of France',
      link: map.link,
      viewport: { zoom: 6 },
    });
    expect(rendered.body.layers[0].featureCount).toBe(5000);
    const image = await api.carol.raw('GET', `/api/v1/maps/${map.id}/image.png`);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(image.headers.get('cache-control')).toContain('no-store');
    const png = PNG.sync.read(Buffer.from(await image.arrayBuffer()));
    expect([png.width, png.height]).toEqual([800, 500]);

    expect((await api.alice.raw('DELETE', `/api/v1/maps/${map.id}`, undefined, { csrf: false })).status).toBe(
      403,
    );
    expect((await api.alice.raw('DELETE', `/api/v1/maps/${map.id}`)).status).toBe(204);
    expect((await api.alice.request('GET', `/api/v1/maps/${map.id}`)).status).toBe(404);
  });

  it('previews an unsaved definition and names the field it cannot draw', async () => {
    const preview = await api.carol.request<Structured>('POST', '/api/v1/maps/preview', {
      layers: [citiesLayer],
    });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({
      id: null,
      title: 'Untitled map',
      link: null,
      basemapStyleUrl: null,
    });
    expect(preview.body.layers[0].data.features[0].properties).toHaveProperty('name');
    const badColumn = await api.carol.request<Structured>('POST', '/api/v1/maps/preview', {
      layers: [{ ...citiesLayer, style: { colorBy: { kind: 'ramp', column: 'altitude' } } }],
    });
    expect(badColumn.status).toBe(422);
    expect(badColumn.body.errors).toEqual([
      {
        field: 'layers.0.style.colorBy.column',
        message: expect.stringContaining('has no column "altitude"'),
      },
    ]);
    expect(
      (await api.carol.raw('POST', '/api/v1/maps/preview', { layers: [citiesLayer] }, { csrf: false }))
        .status,
    ).toBe(403);
  });

  it('publishes a map by a 128-bit link that is off by default, rotates and turns it off', async () => {
    const { body } = await api.alice.request<Structured>('POST', '/api/v1/maps', definition('Public cities'));
    const id = body.map.id;
    expect(body.map.publicLink).toBeNull();
    expect(
      (await api.alice.raw('POST', `/api/v1/maps/${id}/public-link`, undefined, { csrf: false })).status,
    ).toBe(403);
    const on = await api.alice.request<Structured>('POST', `/api/v1/maps/${id}/public-link`);
    expect(on.status).toBe(200);
    const token = new URL(on.body.publicLink).pathname.replace('/app/shared/', '');
    expect(on.body.publicLink).toBe(`${t.url}/app/shared/${token}`);
    expect(Buffer.from(token, 'base64url')).toHaveLength(16);
    expect((await api.alice.request<Structured>('GET', `/api/v1/maps/${id}`)).body.map.publicLink).toBe(
      on.body.publicLink,
    );
    // At rest: its hash and its sealed form only (H8-style: a store dump reveals no link).
    const row = await t.server.store.db
      .selectFrom('maps')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row.public_token_hash).toMatch(/^[0-9a-f]{64}$/);
    // Viewers see the map's page but not the link, and cannot publish it.
    await api.alice.request('PUT', `/api/v1/maps/${id}`, definition('Public cities', 'organization'));
    expect((await api.carol.request<Structured>('GET', `/api/v1/maps/${id}`)).body.map.publicLink).toBeNull();
    expect((await api.carol.request('POST', `/api/v1/maps/${id}/public-link`)).status).toBe(403);

    const anonymous = await fetch(`${t.url}/api/v1/public-maps/${token}`);
    expect(anonymous.status).toBe(200);
    const shared = (await anonymous.json()) as Structured;
    expect(shared).toMatchObject({ id, title: 'Public cities', link: null });
    expect(shared.layers[0].featureCount).toBeGreaterThan(0);

    const rotated = await api.alice.request<Structured>('POST', `/api/v1/maps/${id}/public-link`);
    expect(rotated.body.publicLink).not.toBe(on.body.publicLink);
    expect((await fetch(`${t.url}/api/v1/public-maps/${token}`)).status).toBe(404);
    const newToken = new URL(rotated.body.publicLink).pathname.replace('/app/shared/', '');
    expect((await fetch(`${t.url}/api/v1/public-maps/${newToken}`)).status).toBe(200);

    expect((await api.alice.raw('DELETE', `/api/v1/maps/${id}/public-link`)).status).toBe(204);
    expect((await fetch(`${t.url}/api/v1/public-maps/${newToken}`)).status).toBe(404);
    expect((await api.alice.request<Structured>('GET', `/api/v1/maps/${id}`)).body.map.publicLink).toBeNull();
    expect((await fetch(`${t.url}/api/v1/public-maps/not-a-token`)).status).toBe(404);
  });

  it('needs a session for every maps route but the public one', async () => {
    for (const path of [
      '/api/v1/maps',
      '/api/v1/maps/AAAAAAAAAAAAAAAAAAAAAA',
      '/api/v1/maps/AAAAAAAAAAAAAAAAAAAAAA/image.png',
    ]) {
      expect((await fetch(t.url + path)).status).toBe(401);
    }
  });
}

describe('maps API and repository (SQLite store)', () => mapsApi('sqlite'));
describeWithPostgres('maps API and repository (PostgreSQL store)', () => mapsApi('postgres'));
