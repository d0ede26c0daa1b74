import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { startTestServer, type TestServer, type TestUser } from '../support/testServer.ts';
import { artifactPath, launchChromium } from '../support/browser.ts';

const root = join(import.meta.dirname, '..', '..');
// The shipped example once it is on this branch; until then the equivalent test fixture.
const example = join(root, 'examples/workflows/cities-within-radius.json');
const source = readFileSync(existsSync(example) ? example : join(root, 'test/fixtures/workflows/cities-near-place.json'), 'utf8');
const workflowName = (JSON.parse(source) as { name: string }).name;

describe('Workflows page in Chromium', () => {
  let t: TestServer;
  let browser: Browser;
  let ed: TestUser;

  beforeAll(async () => {
    t = await startTestServer('sqlite', { demo: true });
    ed = await t.addUser({ email: 'ed@example.com', password: 'ed-password-1234', role: 'editor' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('signs in, imports an example workflow, publishes it, and sees its tool in the list', async () => {
    const page = await browser.newPage();
    await page.goto(`${t.url}/workflows`);
    expect(new URL(page.url()).pathname).toBe('/signin');
    await page.fill('#email', ed.email);
    await page.fill('#password', ed.password);
    await page.click('button[type=submit]');
    await page.waitForURL(`${t.url}/workflows`);

    await page.fill('#document', source);
    await page.click('form[action="/workflows"] button');
    await page.waitForURL(`${t.url}/workflows/${workflowName}`);
    expect(await page.textContent('#tool-preview')).toContain('"inputSchema"');

    // A reserved name is refused inline, the form keeps its values.
    await page.fill('#toolName', 'list_jobs');
    await page.fill('#title', 'Cities near a place');
    await page.click(`form[action="/workflows/${workflowName}/publish"] button`);
    await expect(page.textContent('[role=alert]')).resolves.toContain('built-in Meridian tool');
    expect(await page.inputValue('#title')).toBe('Cities near a place');

    await page.fill('#toolName', 'cities_near');
    await page.fill('#description', 'Cities within a radius of a place, nearest first.');
    await page.selectOption('#mode', 'async');
    await page.click(`form[action="/workflows/${workflowName}/publish"] button`);
    await page.waitForURL(`${t.url}/workflows/${workflowName}`);
    await expect(page.textContent('#published-tool')).resolves.toBe('cities_near');
    const preview = JSON.parse((await page.textContent('#tool-preview'))!) as { name: string; description: string; inputSchema: { type: string } };
    expect(preview).toMatchObject({ name: 'cities_near', description: 'Cities within a radius of a place, nearest first.', inputSchema: { type: 'object' } });
    await page.screenshot({ path: artifactPath('workflow-published.png'), fullPage: true });

    await page.click('a[href="/workflows"]');
    const row = page.locator(`tr[data-workflow="${workflowName}"]`);
    await expect(row.locator('td').nth(3).textContent()).resolves.toContain('cities_near · async');
    await page.screenshot({ path: artifactPath('workflows-list.png'), fullPage: true });
  });
});
