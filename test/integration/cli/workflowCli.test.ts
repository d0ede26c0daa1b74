import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../support/runCli.ts';
import { startTestServer, type TestServer } from '../../support/testServer.ts';

const root = join(import.meta.dirname, '..', '..', '..');
const fixture = join(root, 'test/fixtures/workflows/cities-near-place.json');
/** The shipped example (from the workflows branch); its test runs once it is on this branch. */
const example = join(root, 'examples/workflows/cities-within-radius.json');
const PARIS = '{"type":"Point","coordinates":[2.35,48.86]}';

describe('meridian workflow …', () => {
  let t: TestServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    t = await startTestServer('sqlite', { demo: true });
    await t.server.demoReady;
    await t.addUser({ email: 'ed@example.com', role: 'editor' });
    await t.addUser({ email: 'vi@example.com', role: 'viewer' });
    env = { MERIDIAN_DATA_DIR: t.dataDir };
  }, 120_000);
  afterAll(async () => t?.stop());

  it('schema prints the workflow document JSON Schema', async () => {
    const out = await runCli(['workflow', 'schema'], env);
    expect(out.code).toBe(0);
    const schema = JSON.parse(out.stdout) as { properties?: Record<string, unknown> };
    expect(Object.keys(schema.properties ?? {})).toEqual(
      expect.arrayContaining(['name', 'parameters', 'nodes', 'output']),
    );
  });

  it('compile prints SQL with placeholders and the values only as bound params', async () => {
    const out = await runCli(
      [
        'workflow',
        'compile',
        fixture,
        '--dialect',
        'postgis',
        '--param',
        `place=${PARIS}`,
        '--param',
        'radius_m=12345.5',
      ],
      env,
      { timeoutMs: 60_000 },
    );
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const [sqlText, paramsLine] = out.stdout.split('-- params: ');
    expect(sqlText).toMatch(/\$1/);
    expect(sqlText).not.toContain('12345.5');
    expect(sqlText).not.toContain('2.35');
    expect(paramsLine).toContain('12345.5');
    expect(out.stdout).toContain('-- columns: name text, country text, population integer');

    const lite = await runCli(
      [
        'workflow',
        'compile',
        fixture,
        '--dialect',
        'spatialite',
        '--connection',
        'demo',
        '--email',
        'vi@example.com',
      ],
      env,
      { timeoutMs: 60_000 },
    );
    expect(lite.code).toBe(0);
    expect(lite.stdout).toContain('sample values bound for required parameters not given: place');
    expect(lite.stdout).toMatch(/\?/);

    const bad = await runCli(['workflow', 'compile', fixture, '--dialect', 'oracle'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe('meridian: --dialect must be one of postgis, spatialite (got "oracle")');
  }, 90_000);

  it('run prints Paris in csv, and json/geojson on request', async () => {
    const out = await runCli(
      [
        'workflow',
        'run',
        fixture,
        '--param',
        `place=${PARIS}`,
        '--param',
        'radius_m=20000',
        '--email',
        'vi@example.com',
      ],
      env,
      { timeoutMs: 60_000 },
    );
    expect(out.code).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines[0]).toBe('name,country,population,geom,distance_m');
    expect(lines[1]).toMatch(/^Paris,FR,/);

    const geo = await runCli(
      [
        'workflow',
        'run',
        fixture,
        '--param',
        `place=${PARIS}`,
        '--param',
        'radius_m=5000',
        '--format',
        'geojson',
        '--email',
        'vi@example.com',
      ],
      env,
      { timeoutMs: 60_000 },
    );
    expect(geo.code).toBe(0);
    const fc = JSON.parse(geo.stdout) as {
      features: { geometry: { type: string }; properties: { name: string } }[];
    };
    expect(fc.features[0]).toMatchObject({ geometry: { type: 'Point' }, properties: { name: 'Paris' } });
  }, 90_000);

  it('a bad argument prints its name and what is allowed, one line per problem, exit 1, no stack', async () => {
    const out = await runCli(
      [
        'workflow',
        'run',
        fixture,
        '--param',
        `place=${PARIS}`,
        '--param',
        'radius_m=-3',
        '--param',
        'size=huge',
        '--email',
        'vi@example.com',
      ],
      env,
      { timeoutMs: 60_000 },
    );
    expect(out.code).toBe(1);
    const lines = out.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.find((l) => l.includes('"radius_m"'))).toMatch(/^meridian: argument "radius_m" is -3, .*1/);
    expect(lines.find((l) => l.includes('"size"'))).toMatch(/any.*large/);
    expect(out.stderr).not.toMatch(/\n\s+at /);
  });

  it.skipIf(!existsSync(example))('runs the shipped cities-within-radius example: Paris first', async () => {
    const out = await runCli(
      [
        'workflow',
        'run',
        example,
        '--param',
        'lon=2.35',
        '--param',
        'lat=48.86',
        '--param',
        'radius_m=20000',
        '--email',
        'vi@example.com',
      ],
      env,
      { timeoutMs: 60_000 },
    );
    expect(out.code).toBe(0);
    expect(out.stdout.split('\n')[1]).toMatch(/^Paris,/);
  });

  it('--param takes a bbox as the JSON array the error messages show, or the comma form, with the same rows', async () => {
    const bboxExample = join(root, 'examples/workflows/population-by-country-in-bbox.json');
    const run = (bbox: string) =>
      runCli(['workflow', 'run', bboxExample, '--param', `bbox=${bbox}`, '--email', 'vi@example.com'], env, {
        timeoutMs: 60_000,
      });
    const asJson = await run('[-10,35,30,60]');
    expect(asJson.stderr).toMatch(/^\d+ rows\n$/);
    expect(asJson.code).toBe(0);
    const asCommas = await run('-10,35,30,60');
    expect(asCommas.code).toBe(0);
    expect(asJson.stdout).toBe(asCommas.stdout);
    expect(asJson.stdout.split('\n').length).toBeGreaterThan(5);
    const bad = await run('[-10,35,30]');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /^meridian: argument "bbox" is not a valid bbox .*\[minLon, minLat, maxLon, maxLat\]/,
    );
  }, 120_000);

  it('import, publish, list and unpublish; viewers cannot publish', async () => {
    const imported = await runCli(['workflow', 'import', fixture, '--email', 'ed@example.com'], env);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('saved cities_near_place (version 1, connection demo)');

    const denied = await runCli(
      ['workflow', 'publish', 'cities_near_place', '--tool-name', 'near', '--email', 'vi@example.com'],
      env,
    );
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('Only editors and admins');

    const reserved = await runCli(
      ['workflow', 'publish', 'cities_near_place', '--tool-name', 'list_jobs', '--email', 'ed@example.com'],
      env,
    );
    expect(reserved.code).toBe(1);
    expect(reserved.stderr).toContain('built-in Meridian tool');

    const published = await runCli(
      [
        'workflow',
        'publish',
        'cities_near_place',
        '--tool-name',
        'cities_near',
        '--mode',
        'async',
        '--description',
        'Cities near a point',
        '--email',
        'ed@example.com',
      ],
      env,
    );
    expect(published.code).toBe(0);
    const list = await runCli(['workflow', 'list', '--email', 'vi@example.com'], env);
    expect(list.stdout).toContain('cities_near_place\tv1\tdemo\ttool cities_near (async)');

    const off = await runCli(
      ['workflow', 'unpublish', 'cities_near_place', '--email', 'ed@example.com'],
      env,
    );
    expect(off.code).toBe(0);
    expect((await runCli(['workflow', 'list', '--email', 'ed@example.com'], env)).stdout).toContain(
      'not published',
    );
  }, 120_000);
});
