import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync, writeFileSync } from 'node:fs';
import { artifactPath } from '../../support/browser.ts';
import type { Client } from '@modelcontextprotocol/client';
import { startTestServer, type TestServer } from '../../support/testServer.ts';
import { connectModernClient } from '../../support/mcpClients.ts';
import { callTool, type Structured } from '../../support/mcpCalls.ts';
import { startServer } from '../../../src/server.ts';
import { deleteMap } from '../../../src/maps/mapRepository.ts';
import { findOrganizationBySlug, firstAdminOf } from '../../../src/store/repositories/organizations.ts';

const DEMO_MAPS = ['Cities around Paris', 'City density in Europe (H3)', 'US counties and states'];

describe('the demo organization starts with saved maps', () => {
  let t: TestServer;
  let viewer: Client;
  let outsider: Client;

  beforeAll(async () => {
    t = await startTestServer('sqlite', { demo: true });
    await t.server.demoReady;
    viewer = await connectModernClient(
      t.mcpUrl,
      await t.createToken(await t.addUser({ email: 'v@demo.test' })),
    );
    outsider = await connectModernClient(
      t.mcpUrl,
      await t.createToken(await t.addUser({ email: 'o@else.test', role: 'admin', orgSlug: 'elsewhere' })),
    );
  }, 180_000);

  afterAll(async () => {
    await Promise.all([viewer, outsider].map((c) => c?.close()));
    await t?.stop();
  });

  it('find_maps shows the demo maps to every member, and none to another organization', async () => {
    expect([...t.server.demoMaps].sort()).toEqual(DEMO_MAPS);
    const found = await callTool(viewer, 'find_maps', {});
    expect(found.s.maps.map((m: Structured) => m.title).sort()).toEqual(DEMO_MAPS);
    expect(
      (await callTool(viewer, 'find_maps', { query: 'h3' })).s.maps.map((m: Structured) => m.title),
    ).toEqual(['City density in Europe (H3)']);
    expect((await callTool(outsider, 'find_maps', {})).s.maps).toEqual([]);
  });

  it('render_map draws every demo map with features on each layer, workflow layers included', async () => {
    const found = await callTool(viewer, 'find_maps', {});
    for (const summary of found.s.maps as Structured[]) {
      const rendered = await callTool(viewer, 'render_map', { mapId: summary.id });
      expect(rendered.isError, `${summary.title}: ${rendered.text}`).toBeFalsy();
      const image = (rendered.content as { type: string; data?: string }[]).find((c) => c.type === 'image');
      expect(image?.data, summary.title).toBeTruthy();
      writeFileSync(artifactPath(`demo-map-${summary.id}.png`), Buffer.from(image!.data!, 'base64'));
      for (const layer of rendered.s.layers as Structured[])
        expect(layer.featureCount, `${summary.title} / ${layer.title}`).toBeGreaterThan(0);
    }
    const paris = (found.s.maps as Structured[]).find((m) => m.title === 'Cities around Paris')!;
    const cities = (await callTool(viewer, 'render_map', { mapId: paris.id })).s.layers[1];
    expect(cities.data.features[0].properties.name).toBe('Paris');
    expect(cities.legend).toMatchObject({ kind: 'ramp', column: 'population' });
    expect(cities.legend.max).toBeGreaterThan(cities.legend.min);
  }, 120_000);

  it('seeds once: demo maps an admin deleted do not come back at the next start', async () => {
    const db = t.server.store.db;
    const org = await findOrganizationBySlug(db, 'demo');
    const admin = (await firstAdminOf(db, org!.id))!;
    const found = await callTool(viewer, 'find_maps', {});
    const paris = (found.s.maps as Structured[]).find((m) => m.title === 'Cities around Paris')!;
    expect(await deleteMap(db, admin, paris.id)).toBe(true);

    await t.server.close();
    const again = await startServer(t.config, { demo: true });
    try {
      expect(again.demoMaps).toEqual([]);
      const titles = await again.store.db
        .selectFrom('maps')
        .select('title')
        .where('org_id', '=', org!.id)
        .execute();
      expect(titles.map((r) => r.title).sort()).toEqual(DEMO_MAPS.filter((m) => m !== 'Cities around Paris'));
    } finally {
      await again.close();
      rmSync(t.dataDir, { recursive: true, force: true });
      t = undefined as never;
    }
  }, 120_000);
});
