import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EngineError } from '../../../src/engines/Engine.ts';
import { createPostgisEngine, type PostgisEngine } from '../../../src/engines/postgis/PostgisEngine.ts';
import { preparePostgisReadOnlyRole } from '../../../src/engines/postgis/preparePostgisReadOnlyRole.ts';
import { saveWorkflowTables } from '../../../src/jobs/saveWorkflowTables.ts';
import {
  catalogFromDescription,
  compileWorkflow,
  type CompiledWorkflow,
} from '../../../src/workflows/index.ts';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../../support/postgres.ts';

/**
 * save_table on PostGIS: the one write the engine makes, with the connection's real read-only
 * role (granted CREATE on the save schema only), checked from an admin connection.
 */
async function failure(promise: Promise<unknown>): Promise<EngineError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(EngineError);
    return error as EngineError;
  }
  throw new Error('expected the call to fail');
}

describeWithPostgres('save_table on PostGIS', () => {
  let db: TestDatabase;
  let adminClient: pg.Client;
  let saving: PostgisEngine;
  let noSaveSchema: PostgisEngine;
  let missingSchema: PostgisEngine;
  const role = `meridian_ro_${Math.random().toString(36).slice(2, 8)}`;
  const password = 'Ro-password-' + Math.random().toString(36).slice(2);
  const admin = async (sql: string) => (await adminClient.query(sql)).rows as Record<string, unknown>[];
  const exists = async (qualified: string) =>
    (await admin(`SELECT to_regclass('${qualified}') IS NOT NULL AS found`))[0]!.found;

  /** places with population ≥ 40,000 (ids 4000–5000), saved as `table`. */
  const compileSave = async (engine: PostgisEngine, table: string): Promise<CompiledWorkflow> =>
    compileWorkflow(
      {
        name: 'save_big_places',
        nodes: [
          { id: 'places', component: 'table', config: { table: 'places', columns: ['id', 'name', 'geom'] } },
          {
            id: 'big',
            component: 'filter',
            inputs: { input: 'places' },
            config: { conditions: [{ column: 'id', op: '>=', value: 4000 }] },
          },
          { id: 'save', component: 'save_table', inputs: { input: 'big' }, config: { table } },
        ],
        output: 'save',
      },
      { dialect: 'postgis', catalog: catalogFromDescription(await engine.describe()), args: {} },
    );

  beforeAll(async () => {
    db = await createTestDatabase(['postgis']);
    adminClient = new pg.Client({ connectionString: db.url });
    await adminClient.connect();
    await admin(
      `CREATE TABLE places (id integer PRIMARY KEY, name text NOT NULL, geom geometry(Point, 4326));
       INSERT INTO places SELECT g, 'place ' || g, ST_SetSRID(ST_MakePoint((g % 360) - 180, (g % 170) - 85), 4326) FROM generate_series(1, 5000) g;
       CREATE SCHEMA saved;`,
    );
    await preparePostgisReadOnlyRole(db.url, { role, password });
    await admin(`GRANT USAGE, CREATE ON SCHEMA saved TO ${role}`);
    const url = new URL(db.url);
    url.username = role;
    url.password = password;
    saving = createPostgisEngine({ url: url.toString(), saveSchema: 'saved' });
    noSaveSchema = createPostgisEngine({ url: url.toString() });
    missingSchema = createPostgisEngine({ url: url.toString(), saveSchema: 'not_there' });
  });

  afterAll(async () => {
    await Promise.all([saving?.close(), noSaveSchema?.close(), missingSchema?.close()]);
    await adminClient?.end();
    await db?.drop();
    const postgres = new pg.Client({ connectionString: db.url.replace(/\/[^/]*$/, '/postgres') });
    await postgres.connect();
    await postgres.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
    await postgres.end();
  });

  it('an editor saves the rows into the save schema, geometry included', async () => {
    const compiled = await compileSave(saving, 'big_places');
    expect(await saveWorkflowTables({ role: 'editor' }, saving, compiled)).toEqual([
      { schema: 'saved', table: 'big_places' },
    ]);
    const [summary] = await admin(
      `SELECT count(*)::int AS n, min(id) AS first, max(id) AS last, min(GeometryType(geom)) AS kind, min(ST_SRID(geom)) AS srid FROM saved.big_places`,
    );
    expect(summary).toEqual({ n: 1001, first: 4000, last: 5000, kind: 'POINT', srid: 4326 });
    expect(await exists('public.big_places')).toBe(false);
  });

  it('a viewer is refused and nothing is written', async () => {
    const compiled = await compileSave(saving, 'viewer_copy');
    const error = await failure(saveWorkflowTables({ role: 'viewer' }, saving, compiled));
    expect(error.code).toBe('forbidden');
    expect(error.message).toMatch(/editor role/);
    expect(await exists('saved.viewer_copy')).toBe(false);
  });

  it('a connection without a save schema refuses, naming the setting to add', async () => {
    const compiled = await compileSave(noSaveSchema, 'unplanned');
    const error = await failure(saveWorkflowTables({ role: 'admin' }, noSaveSchema, compiled));
    expect(error.code).toBe('forbidden');
    expect(error.message).toMatch(/save schema/);
    expect(await exists('public.unplanned')).toBe(false);
    expect(await exists('saved.unplanned')).toBe(false);
  });

  it('a save schema that does not exist is named in the error', async () => {
    const error = await failure(
      saveWorkflowTables({ role: 'editor' }, missingSchema, await compileSave(missingSchema, 'lost')),
    );
    expect(error.message).toMatch(/save schema "not_there" does not exist/);
  });

  it('an existing table is never replaced', async () => {
    await admin(`CREATE TABLE saved.taken AS SELECT 1 AS keep`);
    const error = await failure(
      saveWorkflowTables({ role: 'editor' }, saving, await compileSave(saving, 'taken')),
    );
    expect(error.message).toMatch(/"taken" already exists in schema "saved"/);
    expect(await admin(`SELECT * FROM saved.taken`)).toEqual([{ keep: 1 }]);
  });

  it('only the compiler’s CREATE TABLE … AS a query is accepted as a save', async () => {
    const error = await failure(
      saving.saveTable({ table: 'places', statement: { sql: 'DROP TABLE places', params: [] } }),
    );
    expect(error.message).toMatch(/CREATE TABLE … AS one query/);
    const chained = await failure(
      saving.saveTable({
        table: 'two',
        statement: { sql: 'CREATE TABLE "two" AS SELECT 1; DROP TABLE places', params: [] },
      }),
    );
    expect(chained.code).not.toBe('timeout');
    expect(await exists('public.places')).toBe(true);
    expect(await exists('saved.two')).toBe(false);
  });

  it('the read path stays read-only on a connection that may save', async () => {
    await saveWorkflowTables({ role: 'editor' }, saving, await compileSave(saving, 'before_reads'));
    const write = await failure(
      saving.run({ sql: 'CREATE TABLE saved.sneaky AS SELECT 1 AS x', params: [] }),
    );
    expect(write.code).toBe('forbidden');
    const compiled = await compileSave(saving, 'through_run');
    const viaRun = await failure(saving.run(compiled.writes![0]!.statement));
    expect(viaRun.code).toBe('forbidden');
    const { rows } = await saving.run({
      sql: "SELECT current_setting('transaction_read_only') AS ro",
      params: [],
    });
    expect(rows).toEqual([{ ro: 'on' }]);
    expect(await exists('saved.sneaky')).toBe(false);
    expect(await exists('public.through_run')).toBe(false);
  });
});
