import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { writeFileSync } from 'node:fs';
import type { Browser, Locator, Page } from 'playwright-core';
import type { Client } from '@modelcontextprotocol/client';
import { startTestServer, type TestServer, type TestUser } from '../support/testServer.ts';
import { artifactPath, launchChromium } from '../support/browser.ts';
import { connectModernClient } from '../support/mcpClients.ts';
import { callTool, type Structured } from '../support/mcpCalls.ts';

/** The colour the test picks for the countries: not in any palette, ramp or background. */
const PURPLE = '#8e24aa';
const rgb = (hex: string) =>
  [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];

/** Pixels of `png` within a small tolerance of `hex` (anti-aliased edges aside, fills are exact). */
function countColour(png: PNG, hex: string, tolerance = 8): number {
  const [r, g, b] = rgb(hex);
  let n = 0;
  for (let i = 0; i < png.data.length; i += 4)
    if (
      Math.abs(png.data[i]! - r) <= tolerance &&
      Math.abs(png.data[i + 1]! - g) <= tolerance &&
      Math.abs(png.data[i + 2]! - b) <= tolerance
    )
      n++;
  return n;
}

/** Waits for a MapLibre view to finish drawing, screenshots it as an artifact, and decodes it. */
async function drawnMap(view: Locator, artifact: string): Promise<PNG> {
  await view.locator('xpath=self::*[@data-state="idle"]').waitFor({ timeout: 60_000 });
  return PNG.sync.read(await view.screenshot({ path: artifactPath(artifact) }));
}

/** Opens an app page signed out, signs in on the server-rendered form, and lands back on it. */
async function signInTo(page: Page, t: TestServer, user: TestUser, path: string): Promise<void> {
  await page.goto(t.url + path);
  expect(new URL(page.url()).pathname).toBe('/signin');
  await page.fill('#email', user.email);
  await page.fill('#password', user.password);
  await page.click('button[type=submit]');
  await page.waitForURL(t.url + path);
}

/** Script errors and CSP violations; failed loads the test provokes on purpose (404s) are not errors. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

/**
 * The Maps pages of the workspace SPA against a real Meridian (SQLite, demo data) in Chromium
 * with software WebGL: create and style a map in the editor, see the live preview, save, find
 * and render it over MCP, open its link, share it publicly and take the link back; and a
 * private map stays invisible to a colleague.
 */
describe('Maps in the workspace SPA, in Chromium, against a real server', () => {
  let t: TestServer;
  let browser: Browser;
  let ada: TestUser;
  let bob: TestUser;
  let client: Client | undefined;
  let mapId = '';

  beforeAll(async () => {
    t = await startTestServer('sqlite', { demo: true });
    await t.server.demoReady;
    ada = await t.addUser({ email: 'ada@example.com', password: 'ada-password-1234', role: 'editor' });
    bob = await t.addUser({ email: 'bob@example.com', password: 'bob-password-1234', role: 'editor' });
    browser = await launchChromium({ webgl: true });
  }, 180_000);
  afterAll(async () => {
    await client?.close();
    await browser?.close();
    await t?.stop();
  });

  it('creates and styles a map in the editor with a live preview, saves it, finds and renders it over MCP, opens its link, and shares it by public link', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    const errors = watchErrors(page);
    await signInTo(page, t, ada, '/app/maps');
    // the demo organization starts with its seeded, organization-shared maps
    await page.getByTestId('maps-list').locator('tbody tr', { hasText: 'Cities around Paris' }).waitFor();

    await page.getByRole('link', { name: 'New map' }).click();
    await page.waitForURL(`${t.url}/app/maps/new`);
    await page.getByLabel('Title', { exact: true }).first().fill('Countries and big cities');
    await page.getByLabel('Description').fill('Demo countries in purple, cities by population');

    // Layer 1: the demo countries in one opaque colour, named in the tooltip.
    const countries = page.getByTestId('layer-0');
    await countries.getByLabel('Title').fill('Countries');
    await countries.getByLabel('Connection').selectOption('demo');
    await countries.getByLabel('Table').locator('option[value="countries"]').waitFor({ state: 'attached' });
    await countries.getByLabel('Table').selectOption('countries');
    await countries.getByLabel('Fill').fill(PURPLE);
    await countries.getByLabel('Opacity').fill('1');
    await countries.getByLabel('Tooltip columns (comma-separated)').fill('name');

    // Layer 2: the demo cities coloured by population on a ramp.
    await page.getByRole('button', { name: 'Add a layer' }).click();
    const cities = page.getByTestId('layer-1');
    await cities.getByLabel('Title').fill('Cities');
    await cities.getByLabel('Connection').selectOption('demo');
    await cities.getByLabel('Table').locator('option[value="cities"]').waitFor({ state: 'attached' });
    await cities.getByLabel('Table').selectOption('cities');
    await cities.getByLabel('Colour by').selectOption('ramp');
    // The column field offers the table's attribute columns (not its geometry).
    await expect
      .poll(() =>
        cities
          .locator('datalist option')
          .evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value)),
      )
      .toEqual(['id', 'name', 'country', 'population']);
    await cities.getByLabel('Column', { exact: true }).fill('population');
    await cities.getByLabel('Tooltip columns (comma-separated)').fill('name, population');

    // The live preview draws both layers: the chosen colour fills the countries, the legend has the ramp.
    const preview = page.getByLabel('Preview').getByTestId('map-view');
    await expect
      .poll(() => preview.locator('[data-testid="map-legend"] .meridian-legend-ramp').count(), {
        timeout: 60_000,
      })
      .toBe(1);
    const previewShot = await drawnMap(preview, 'maps-e2e-editor-preview.png');
    expect(countColour(previewShot, PURPLE)).toBeGreaterThan(5_000);
    await page.screenshot({ path: artifactPath('maps-e2e-editor.png'), fullPage: true });

    await page.getByRole('button', { name: 'Create map' }).click();
    await page.waitForURL(/\/app\/maps\/[A-Za-z0-9_-]{22}$/);
    mapId = new URL(page.url()).pathname.split('/').pop()!;
    await expect(page.getByTestId('map-title').textContent()).resolves.toBe('Countries and big cities');
    const savedShot = await drawnMap(page.getByTestId('map-view'), 'maps-e2e-saved-map.png');
    expect(countColour(savedShot, PURPLE)).toBeGreaterThan(5_000);

    // Editing keeps the layers and saves the change.
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByRole('heading', { name: 'Edit “Countries and big cities”' }).waitFor();
    await expect(
      page.getByTestId('layer-1').getByLabel('Column', { exact: true }).inputValue(),
    ).resolves.toBe('population');
    await page.getByLabel('Description').fill('Countries in purple, cities by population');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(`${t.url}/app/maps/${mapId}`);
    await expect(page.locator('.maps-description').textContent()).resolves.toBe(
      'Countries in purple, cities by population',
    );

    // Over MCP, as the same user: find_maps finds it, render_map draws it in the chosen colour.
    client = await connectModernClient(t.mcpUrl, await t.createToken(ada));
    const found = await callTool(client, 'find_maps', { query: 'big cities' });
    expect(found.isError).toBeFalsy();
    const entry = (found.s.maps as Structured[]).find((m) => m.id === mapId);
    expect(entry).toMatchObject({ title: 'Countries and big cities', link: `${t.url}/app/maps/${mapId}` });
    const rendered = await callTool(client, 'render_map', { mapId });
    expect(rendered.isError).toBeFalsy();
    expect((rendered.s.layers as Structured[]).map((l) => l.title)).toEqual(['Countries', 'Cities']);
    expect(rendered.s.layers[0].style.fillColor).toBe(PURPLE);
    expect(rendered.s.layers[1].legend).toMatchObject({ kind: 'ramp', column: 'population' });
    const image = (rendered.content as { type: string; data?: string }[]).find((c) => c.type === 'image');
    const png = Buffer.from(image!.data!, 'base64');
    writeFileSync(artifactPath('maps-e2e-render-map.png'), png);
    expect(countColour(PNG.sync.read(png), PURPLE)).toBeGreaterThan(5_000);

    // The link find_maps gave opens the map's page, drawn.
    await page.goto(entry!.link as string);
    await expect(page.getByTestId('map-title').textContent()).resolves.toBe('Countries and big cities');
    expect(
      countColour(await drawnMap(page.getByTestId('map-view'), 'maps-e2e-map-page.png'), PURPLE),
    ).toBeGreaterThan(5_000);

    // Public link: off by default; turned on, it opens without a session; turned off, it is gone.
    const sharing = page.getByTestId('sharing');
    await sharing.getByRole('button', { name: 'Create a public link' }).click();
    const publicLink = await sharing.getByLabel('Public link').inputValue();
    expect(publicLink).toMatch(new RegExp(`^${t.url}/app/shared/[A-Za-z0-9_-]{22,}$`));

    const stranger = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    const publicPage = await stranger.newPage();
    const publicErrors = watchErrors(publicPage);
    await publicPage.goto(publicLink);
    expect(publicPage.url()).toBe(publicLink);
    await expect(publicPage.getByTestId('map-title').textContent()).resolves.toBe('Countries and big cities');
    expect(
      countColour(await drawnMap(publicPage.getByTestId('map-view'), 'maps-e2e-public-link.png'), PURPLE),
    ).toBeGreaterThan(5_000);
    expect(await stranger.cookies()).toEqual([]);

    await sharing.getByRole('button', { name: 'Turn off public link' }).click();
    await sharing.getByRole('button', { name: 'Create a public link' }).waitFor();
    await publicPage.reload();
    await publicPage.getByRole('heading', { name: 'Map not available' }).waitFor();
    expect(publicPage.url()).toBe(publicLink);
    await publicPage.screenshot({ path: artifactPath('maps-e2e-public-link-off.png') });
    await stranger.close();

    // Back on the list, the map is there with its layer count.
    await page
      .getByRole('navigation', { name: 'Workspace' })
      .getByRole('link', { name: 'Maps', exact: true })
      .click();
    const row = page.getByTestId('maps-list').locator('tbody tr', { hasText: 'Countries and big cities' });
    await expect(row.locator('td').nth(1).textContent()).resolves.toBe('2');
    await expect(row.locator('td').nth(2).textContent()).resolves.toBe('Private');
    expect(errors).toEqual([]);
    expect(publicErrors).toEqual([]);
    await page.close();
  }, 240_000);

  it("keeps a private map out of a colleague's Maps list, and its page answers as not found", async () => {
    expect(mapId).not.toBe('');
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    const errors = watchErrors(page);
    await signInTo(page, t, bob, '/app/maps');
    const rows = page.getByTestId('maps-list').locator('tbody tr');
    await rows.filter({ hasText: 'Cities around Paris' }).waitFor();
    await expect(rows.filter({ hasText: 'Countries and big cities' }).count()).resolves.toBe(0);
    await page.getByLabel('Search maps').fill('big cities');
    await page.getByText('No map matches “big cities”.').waitFor();

    const answered = page.waitForResponse((r) => r.url() === `${t.url}/api/v1/maps/${mapId}`);
    await page.goto(`${t.url}/app/maps/${mapId}`);
    expect((await answered).status()).toBe(404);
    await page.getByText('This map does not exist, or it is not shared with you.').waitFor();
    await expect(page.getByTestId('map-title').count()).resolves.toBe(0);
    await page.screenshot({ path: artifactPath('maps-e2e-private-for-others.png') });

    const editAnswered = page.waitForResponse((r) => r.url() === `${t.url}/api/v1/maps/${mapId}`);
    await page.goto(`${t.url}/app/maps/${mapId}/edit`);
    expect((await editAnswered).status()).toBe(404);
    await page.getByText('This map does not exist, or it is not shared with you.').waitFor();
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
