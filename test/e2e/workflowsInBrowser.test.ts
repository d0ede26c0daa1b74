import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { startTestServer, type TestServer, type TestUser } from '../support/testServer.ts';
import { artifactPath, launchChromium } from '../support/browser.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { findConnection } from '../../src/connections/connectionRepository.ts';

const root = join(import.meta.dirname, '..', '..');
const source = readFileSync(join(root, 'test/fixtures/workflows/cities-near-place.json'), 'utf8');

describe('Workflows in the workspace SPA, in Chromium', () => {
  let t: TestServer;
  let browser: Browser;
  let ed: TestUser;

  beforeAll(async () => {
    t = await startTestServer('sqlite', { demo: true });
    await t.server.demoReady;
    ed = await t.addUser({ email: 'ed@example.com', password: 'ed-password-1234', role: 'editor' });
    browser = await launchChromium({ webgl: true }); // the run page draws its results on a map
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('signs in, imports a workflow, sees its graph, publishes it, runs it from the generated form and reads the results table', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      // Answers the test provokes (401 before sign-in, 422s, no map preview yet) log as failed loads; scripts must not fail.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
        consoleErrors.push(m.text());
    });
    await page.goto(`${t.url}/app/workflows`);
    await page.waitForURL(/\/signin\?next=/);
    await page.fill('#email', ed.email);
    await page.fill('#password', ed.password);
    await page.click('button[type=submit]');
    await page.waitForURL(`${t.url}/app/workflows`);

    // The demo workflows are listed with their tools.
    await expect(
      page.locator('tr[data-workflow="cities_within_radius"] td').nth(3).textContent(),
    ).resolves.toContain('cities_within_radius · sync');

    await page.fill('#document', source);
    await page.click('form[aria-label="Import a workflow"] button[type=submit]');
    await page.waitForURL(`${t.url}/app/workflows/cities_near_place`);

    // The graph: one React Flow node per component, with its label and key config.
    const graph = page.getByTestId('workflow-graph');
    await graph.locator('.react-flow__node').first().waitFor();
    await expect(graph.locator('.react-flow__node').count()).resolves.toBe(6);
    await expect(graph.locator('[data-node="near"]').textContent()).resolves.toContain('Spatial filter');
    await expect(graph.locator('[data-node="near"]').textContent()).resolves.toContain(
      'distance_m: $radius_m',
    );
    await expect(graph.locator('.react-flow__edge').count()).resolves.toBe(5);
    await page.screenshot({ path: artifactPath('spa-workflow-graph.png'), fullPage: true });

    // A reserved tool name is refused at the field; the form keeps what was typed.
    await page.fill('#toolName', 'list_jobs');
    await page.fill('#title', 'Cities near a place');
    await page.click('#publish');
    await expect(page.locator('form[aria-label="Publish"] .field-error').textContent()).resolves.toContain(
      'built-in Meridian tool',
    );
    expect(await page.inputValue('#title')).toBe('Cities near a place');

    await page.fill('#toolName', 'cities_near');
    await page.selectOption('#mode', 'async');
    await page.click('#publish');
    await expect(page.locator('#published-tool').textContent()).resolves.toBe('cities_near');
    const preview = JSON.parse((await page.textContent('#tool-preview'))!) as {
      name: string;
      inputSchema: { required: string[] };
    };
    expect(preview).toMatchObject({ name: 'cities_near', inputSchema: { required: ['place'] } });

    // The run form: generated fields, a client-side required check, then the server's own check.
    const run = page.locator('form[aria-label="Run the workflow"]');
    await expect(run.locator('select#arg-size option').allTextContents()).resolves.toEqual(['any', 'large']);
    expect(await page.inputValue('#arg-radius_m')).toBe('50000');
    await run.locator('button[type=submit]').click();
    await expect(run.locator('[data-field="place"] .field-error').textContent()).resolves.toBe('Required.');

    await page.fill('#arg-place', '{"type": "Point", "coordinates": [2.35, 48.85]}');
    await page.fill('#arg-radius_m', '900000');
    await run.locator('button[type=submit]').click();
    await expect(run.locator('[data-field="radius_m"] .field-error').textContent()).resolves.toContain(
      'above the maximum 500000',
    );

    await page.fill('#arg-radius_m', '30000');
    await run.locator('button[type=submit]').click();
    await page.waitForURL(/\?job=/);
    const table = page.getByTestId('results-table');
    await table.waitFor();
    await expect(page.getByTestId('job-state').textContent()).resolves.toBe('succeeded');
    const headers = await table.locator('th').allTextContents();
    expect(headers).toEqual(expect.arrayContaining(['name', 'distance_m']));
    const firstRow = await table.locator('tbody tr').first().locator('td').allTextContents();
    expect(firstRow[headers.indexOf('name')]).toBe('Paris');
    await expect(page.getByTestId('results-range').textContent()).resolves.toMatch(/^Rows 1–\d+ of \d+/);
    // The same rows on a map: it finishes drawing (every layer's features in a frame), with a legend.
    const resultMap = page.getByTestId('map-view');
    await resultMap.locator('xpath=self::*[@data-state="idle"]').waitFor({ timeout: 60_000 });
    expect(await resultMap.locator('canvas').count()).toBe(1);
    expect(await resultMap.getByTestId('map-legend').locator('section').count()).toBeGreaterThan(0);
    // The page's button style must not paint over MapLibre's zoom buttons (their icons vanished once).
    const zoomIn = resultMap.locator('button.maplibregl-ctrl-zoom-in');
    expect(await zoomIn.evaluate((button) => getComputedStyle(button).backgroundColor)).not.toBe(
      'rgb(31, 111, 235)',
    );
    await page.screenshot({ path: artifactPath('spa-workflow-run.png'), fullPage: true });

    // The job is on the Jobs page, and its results open from there.
    await page.click('nav a[href="/app/jobs"]');
    await page.locator('tr[data-job] a').first().click();
    await page.getByTestId('results-table').locator('tbody tr td').first().waitFor();
    expect(new URL(page.url()).pathname).toMatch(/^\/app\/jobs\/[\w-]+$/);

    await page.click('nav a[href="/app/workflows"]');
    await expect(
      page.locator('tr[data-workflow="cities_near_place"] td').nth(3).textContent(),
    ).resolves.toContain('cities_near · async');
    expect(consoleErrors).toEqual([]);
  }, 120_000);

  it('browses a connection down to its columns', async () => {
    const page = await browser.newPage();
    await page.goto(`${t.url}/signin?next=/app/connections`);
    await page.fill('#email', ed.email);
    await page.fill('#password', ed.password);
    await page.click('button[type=submit]');
    await page.waitForURL(`${t.url}/app/connections`);
    await page.click('tr[data-connection="demo"] button');
    await expect(page.locator('#test-result').textContent()).resolves.toMatch(/Connection "demo" works/);
    await page.click('tr[data-connection="demo"] a');
    await page.click('tr[data-table="cities"] a');
    await expect(page.locator('tr[data-column="geom"]').textContent()).resolves.toContain('geometry');
  });

  it('an admin adds a PostGIS connection with a schema for saved tables; a bad schema name is named', async () => {
    const database = await createTestDatabase(['postgis']);
    const admin = await t.addUser({ email: 'ada@example.com', password: 'ada-password-1234', role: 'admin' });
    const page = await browser.newPage();
    try {
      await page.goto(`${t.url}/signin?next=/app/connections`);
      await page.fill('#email', admin.email);
      await page.fill('#password', admin.password);
      await page.click('button[type=submit]');
      await page.waitForURL(`${t.url}/app/connections`);
      const form = page.locator('form[aria-label="Add a PostGIS connection"]');
      await page.fill('#conn-name', 'warehouse');
      await page.fill('#conn-url', database.url);
      await page.fill('#conn-save-schema', 'results; drop table x');
      await form.locator('button[type=submit]').click();
      await expect(form.locator('.field-error').textContent()).resolves.toContain(
        'a schema name is letters, digits and _',
      );
      await page.fill('#conn-save-schema', 'meridian_results');
      await form.locator('button[type=submit]').click();
      await page.locator('tr[data-connection="warehouse"]').waitFor();
      const row = (await findConnection(
        t.server.store.db,
        { orgId: admin.orgId, userId: admin.userId, role: 'admin' },
        'warehouse',
      ))!;
      expect(JSON.parse(t.server.connectionBox.open(row.sealed_config))).toEqual({
        url: database.url,
        saveSchema: 'meridian_results',
      });
    } finally {
      await page.close();
      await database.drop();
    }
  });
});
