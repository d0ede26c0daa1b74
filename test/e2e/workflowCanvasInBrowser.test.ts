import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer, type TestUser } from '../support/testServer.ts';
import { artifactPath, launchChromium } from '../support/browser.ts';
import { connectModernClient } from '../support/mcpClients.ts';
import { callTool } from '../support/mcpCalls.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { saveWorkflow } from '../../src/workflowLibrary/workflowRepository.ts';

/**
 * The workflow canvas, driven the way a person uses it: examples/workflows/cities-within-radius
 * built from an empty canvas by dragging components from the palette, clicking ports together and
 * filling the generated config forms; a node previewed, the workflow saved and published, then
 * called as a tool from a real MCP client. A viewer then gets the same canvas read-only. Versions:
 * a stale save is refused and the canvas reloads, an old version opens read-only and is restored.
 */
const WORKFLOW = 'canvas_cities_within_radius';
const TOOL = 'canvas_cities';

async function signIn(page: Page, t: TestServer, user: TestUser, path: string): Promise<void> {
  await page.goto(`${t.url}/signin?next=${encodeURIComponent(path)}`);
  await page.fill('#email', user.email);
  await page.fill('#password', user.password);
  await page.click('button[type=submit]');
  await page.waitForURL(`${t.url}${path}`);
}

describe('The workflow canvas in Chromium', () => {
  let t: TestServer;
  let browser: Browser;
  let ed: TestUser;
  let vi: TestUser;

  beforeAll(async () => {
    t = await startTestServer('sqlite', { demo: true });
    await t.server.demoReady;
    ed = await t.addUser({ email: 'ed@example.com', password: 'ed-password-1234', role: 'editor' });
    vi = await t.addUser({ email: 'vi@example.com', password: 'vi-password-1234', role: 'viewer' });
    browser = await launchChromium({ webgl: true }); // node previews draw a map
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('builds cities-within-radius from scratch by dragging and clicking, previews a node, saves, publishes, and an MCP client calls the tool', async () => {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1300 } });
    page.setDefaultTimeout(15_000);
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
        consoleErrors.push(m.text());
    });
    await signIn(page, t, ed, '/app/workflows');
    await page.click('#new-workflow');
    await page.waitForURL(`${t.url}/app/workflows/canvas/new`);
    await page.fill('#wf-name', WORKFLOW);
    await page.selectOption('#wf-connection', 'demo');
    await page.fill('#wf-description', 'Cities within a distance of a place, nearest first.');

    // Parameters, declared with nothing selected: each becomes an argument of the tool.
    const addParameter = async (name: string, type: string) => {
      await page.fill('#new-parameter-name', name);
      await page.selectOption('#new-parameter-type', type);
      await page.click('#add-parameter');
      await page.locator(`[data-parameter="${name}"]`).waitFor();
    };
    const parameter = (name: string) => page.locator(`[data-parameter="${name}"]`);
    await addParameter('lon', 'number');
    await parameter('lon').getByLabel('required').check();
    await parameter('lon').getByLabel('lon minimum').fill('-180');
    await parameter('lon').getByLabel('lon maximum').fill('180');
    await addParameter('lat', 'number');
    await parameter('lat').getByLabel('required').check();
    await parameter('lat').getByLabel('lat minimum').fill('-90');
    await parameter('lat').getByLabel('lat maximum').fill('90');
    await addParameter('radius_m', 'number');
    await parameter('radius_m').getByLabel('radius_m default').fill('50000');
    await parameter('radius_m').getByLabel('radius_m minimum').fill('1');
    await parameter('radius_m').getByLabel('radius_m maximum').fill('500000');
    await addParameter('max_results', 'integer');
    await parameter('max_results').getByLabel('max_results default').fill('100');
    await parameter('max_results').getByLabel('max_results minimum').fill('1');
    await parameter('max_results').getByLabel('max_results maximum').fill('500');

    // Components dragged from the palette to where they go on the canvas; each opens its settings.
    const canvas = page.getByTestId('workflow-canvas');
    const place = async (component: string, id: string, x: number, y: number) => {
      await page.dragAndDrop(
        `.palette-item[data-component="${component}"]`,
        '[data-testid="workflow-canvas"]',
        {
          targetPosition: { x, y },
        },
      );
      await page.locator(`[data-inspector="${component}"]`).waitFor();
      await page.fill('#node-id', id);
      await page.press('#node-id', 'Enter');
      await page.locator(`[data-inspector="${id}"]`).waitFor();
    };
    const field = (id: string, name: string) => `#cfg-${id}-${name}`;
    const useParameter = (name: string, parameterName: string) =>
      page.selectOption(`[data-param-choice="${name}"]`, parameterName);

    await place('table', 'cities', 10, 20);
    // The table field offers the connection's tables.
    expect(await page.getAttribute(field('cities', 'table'), 'list')).toBe('tables-cities');
    await page.locator('datalist#tables-cities option[value="cities"]').waitFor({ state: 'attached' });
    await page.fill(field('cities', 'table'), 'cities');
    await page.fill(field('cities', 'columns'), 'name, country, population, geom');

    await place('point_input', 'place', 10, 300);
    await useParameter('lon', 'lon');
    await useParameter('lat', 'lat');
    await page.fill(field('place', 'as'), 'place');

    await place('spatial_join', 'near', 240, 140);
    await page.selectOption(field('near', 'predicate'), 'within_distance');
    await useParameter('distance_m', 'radius_m');

    // A node shows its own issues: its ports are not connected yet.
    await expect(
      canvas.locator('[data-node="near"] [data-testid="node-issues"]').textContent(),
    ).resolves.toContain('is not connected');
    await page.screenshot({ path: artifactPath('canvas-issues-on-node.png') });

    await place('distance', 'measured', 470, 140);
    await page.fill(field('measured', 'to_column'), 'place');

    await place('order_by', 'nearest_first', 700, 140);
    await page.click(`[data-add-row="${field('nearest_first', 'by').slice(1)}"]`);
    await page.fill(`${field('nearest_first', 'by')}-0-column`, 'distance_m');
    await page.click(`[data-add-row="${field('nearest_first', 'by').slice(1)}"]`);
    await page.fill(`${field('nearest_first', 'by')}-1-column`, 'name');

    await place('limit', 'top', 240, 420);
    await useParameter('count', 'max_results');

    await place('select', 'columns', 470, 420);
    for (const [i, column] of ['name', 'country', 'population', 'distance_m', 'geom'].entries()) {
      await page.click(`[data-add-row="${field('columns', 'columns').slice(1)}"]`);
      await page.fill(`${field('columns', 'columns')}-${i}-column`, column);
    }

    await place('result', 'result', 700, 420);

    // Ports wired by clicking an output, then an input.
    const wire = async (from: string, to: string, port = 'input') => {
      await canvas.locator(`[data-node="${from}"] [data-port="out"]`).click();
      await canvas.locator(`[data-node="${to}"] [data-port="${port}"]`).click();
    };
    await wire('cities', 'near', 'left');
    await wire('place', 'near', 'right');
    await wire('near', 'measured');
    await wire('measured', 'nearest_first');
    await wire('nearest_first', 'top');
    await wire('top', 'columns');
    await wire('columns', 'result');
    await expect(canvas.locator('.react-flow__edge').count()).resolves.toBe(7);

    await page.getByTestId('canvas-status').getByText('✓ Valid').waitFor();
    await page.screenshot({ path: artifactPath('canvas-wired.png') });
    await expect(canvas.locator('[data-testid="node-issues"]').count()).resolves.toBe(0);

    // Preview a node: its first rows and a map.
    await canvas.locator('[data-node="columns"] .canvas-node-head').click();
    await page.locator('[data-inspector="columns"]').waitFor();
    await page.fill('#test-lon', '2.35');
    await page.fill('#test-lat', '48.85');
    await page.fill('#test-radius_m', '30000');
    await page.click('#preview-node');
    const table = page.getByTestId('preview-table');
    await table.waitFor();
    const headers = await table.locator('th').allTextContents();
    expect(headers).toEqual(['name', 'country', 'population', 'distance_m', 'geom']);
    expect(await table.locator('tbody tr').first().locator('td').first().textContent()).toBe('Paris');
    const previewMap = page.getByTestId('node-preview').getByTestId('map-view');
    await previewMap.locator('xpath=self::*[@data-state="idle"]').waitFor({ timeout: 60_000 });
    await page.screenshot({ path: artifactPath('canvas-built.png'), fullPage: true });

    // Save: version 1, and the canvas moves to the saved workflow's address.
    await page.click('#save-workflow');
    await page.waitForURL(`${t.url}/app/workflows/${WORKFLOW}/canvas`);
    await page.locator('#toolName').waitFor();

    // Publish, then read the tool as a model sees it.
    await page.fill('#toolName', TOOL);
    await page.fill('#title', 'Cities near a place (canvas)');
    await page.click('#publish');
    await expect(page.locator('#published-tool').textContent()).resolves.toBe(TOOL);
    const preview = JSON.parse((await page.textContent('#tool-preview'))!) as {
      name: string;
      inputSchema: { required: string[]; properties: Record<string, { default?: unknown }> };
    };
    expect(preview.name).toBe(TOOL);
    expect(preview.inputSchema.required).toEqual(['lon', 'lat']);
    expect(preview.inputSchema.properties.radius_m!.default).toBe(50000);
    await page.screenshot({ path: artifactPath('canvas-published.png'), fullPage: true });

    // The saved document keeps where each node was drawn.
    const reloaded = await page.evaluate(async (name) => {
      const response = await fetch(`/api/v1/workflows/${name}`);
      return (
        (await response.json()) as {
          workflow: { version: number; document: { nodes: { id: string; position?: unknown }[] } };
        }
      ).workflow;
    }, WORKFLOW);
    expect(reloaded.version).toBe(1);
    expect(reloaded.document.nodes.every((n) => n.position !== undefined)).toBe(true);

    // A real MCP client calls the published tool.
    const client = await connectModernClient(t.mcpUrl, await t.createToken(ed));
    try {
      const { tools } = await client.listTools();
      expect(tools.map((x) => x.name)).toContain(TOOL);
      const result = await callTool(client, TOOL, { lon: 2.35, lat: 48.85, radius_m: 30000, max_results: 5 });
      expect(result.isError).toBeFalsy();
      expect(result.s.state).toBe('succeeded');
      const rows = result.s.rows as { name: string; distance_m: number }[];
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.length).toBeLessThanOrEqual(5);
      expect(rows[0]!.name).toBe('Paris');
      expect(rows.map((r) => r.distance_m)).toEqual([...rows.map((r) => r.distance_m)].sort((a, b) => a - b));
    } finally {
      await client.close();
    }
    expect(consoleErrors).toEqual([]);
    await page.close();
  }, 180_000);

  it('gives a viewer the canvas read-only: no palette, no dragging, no save', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await signIn(page, t, vi, '/app/workflows/cities_within_radius/canvas');
    const canvas = page.getByTestId('workflow-canvas');
    await canvas.locator('[data-node="near"]').waitFor();
    await expect(page.locator('#read-only-note').textContent()).resolves.toContain('read-only');
    expect(await page.locator('.palette').count()).toBe(0);
    expect(await page.locator('#save-workflow').count()).toBe(0);
    expect(await page.locator('#preview-node').count()).toBe(0);
    // Nodes cannot be dragged: the one moved stays where it was.
    const node = canvas.locator('.react-flow__node[data-id="near"]');
    const placed = () => node.evaluate((el) => (el as HTMLElement).style.transform);
    const before = await placed();
    const box = (await node.boundingBox())!;
    await node.hover();
    await page.mouse.down();
    await page.mouse.move(box.x + 200, box.y + 150, { steps: 5 });
    await page.mouse.up();
    expect(await placed()).toBe(before);
    // Its settings can be read but not changed.
    await canvas.locator('[data-node="near"] .canvas-node-head').click();
    await expect(page.locator('#cfg-near-predicate').isDisabled()).resolves.toBe(true);
    await expect(page.locator('#cfg-near-predicate').inputValue()).resolves.toBe('within_distance');
    await page.screenshot({ path: artifactPath('canvas-viewer.png'), fullPage: true });
    await page.close();
  });

  it('refuses a stale save and reloads; opens version 1 read-only from the Versions list and restores it', async () => {
    const example = JSON.parse(
      readFileSync(
        join(import.meta.dirname, '..', '..', 'examples/workflows/cities-within-radius.json'),
        'utf8',
      ),
    ) as Record<string, unknown>;
    const doc = (description: string) => ({ ...example, name: 'versioned', description });
    await saveWorkflow(t.server.store.db, ed, doc('the first version'));
    await saveWorkflow(t.server.store.db, ed, doc('the second version'));
    const page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
    page.setDefaultTimeout(15_000);
    await signIn(page, t, ed, '/app/workflows/versioned/canvas');
    const versions = page.locator('#workflow-versions');
    await versions.locator('tr[data-version="2"]').filter({ hasText: '(current)' }).waitFor();
    expect(await versions.locator('tbody tr').count()).toBe(2);

    // Someone saves while the canvas is open on version 2: the canvas's save is refused.
    await saveWorkflow(t.server.store.db, ed, doc('saved elsewhere'));
    await page.fill('#wf-description', 'edited on the canvas');
    await page.click('#save-workflow');
    await expect(page.locator('#save-conflict').textContent()).resolves.toContain(
      'version 3 was saved by ed (ed@example.com)',
    );
    await page.click('#reload-current');
    await page.locator('#save-message').filter({ hasText: 'Loaded version 3.' }).waitFor();
    await expect(page.locator('#wf-description').inputValue()).resolves.toBe('saved elsewhere');
    await versions.locator('tr[data-version="3"]').filter({ hasText: '(current)' }).waitFor();

    // Version 1, read-only, then restored as version 4.
    await versions.locator('tr[data-version="1"]').getByRole('link', { name: 'Open read-only' }).click();
    await page.waitForURL(`${t.url}/app/workflows/versioned/versions/1`);
    await expect(page.locator('#viewing-version').textContent()).resolves.toContain('Version 1 of versioned');
    await expect(page.locator('#wf-description').inputValue()).resolves.toBe('the first version');
    expect(await page.locator('#wf-description').isDisabled()).toBe(true);
    expect(await page.locator('#save-workflow').count()).toBe(0);
    await page.click('#restore-viewed');
    await page.waitForURL(`${t.url}/app/workflows/versioned/canvas`);
    await page.getByTestId('canvas-status').filter({ hasText: 'version 4' }).waitFor();
    await expect(page.locator('#wf-description').inputValue()).resolves.toBe('the first version');
    await versions.locator('tr[data-version="4"]').filter({ hasText: '(current)' }).waitFor();
    await page.screenshot({ path: artifactPath('canvas-versions.png'), fullPage: true });
    await page.close();
  }, 120_000);
});
