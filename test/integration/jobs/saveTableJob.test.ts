import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SecretBox, hashPassword } from '../../../src/crypto/index.ts';
import { CatalogBrowser } from '../../../src/catalog/CatalogBrowser.ts';
import {
  ConnectionRegistry,
  ConnectionTargetPolicy,
  createConnection,
} from '../../../src/connections/index.ts';
import { HostAllowList } from '../../../src/net/index.ts';
import { preparePostgisReadOnlyRole } from '../../../src/engines/index.ts';
import {
  createWorkflowJobHandler,
  JobRunner,
  submitWorkflowRun,
  waitForJob,
  WORKFLOW_JOB,
} from '../../../src/jobs/index.ts';
import type { Caller } from '../../../src/store/Caller.ts';
import { createStore } from '../../../src/store/createStore.ts';
import { migrateToLatest } from '../../../src/store/migrate.ts';
import { addMembership, createOrganization } from '../../../src/store/repositories/organizations.ts';
import { createUser } from '../../../src/store/repositories/users.ts';
import { saveWorkflow } from '../../../src/workflowLibrary/workflowRepository.ts';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../../support/postgres.ts';

/**
 * A workflow with a save_table step, run as a job the way the workspace and the MCP tools run
 * it: the workspace run saves (for an editor), a tool-style run and a viewer's run do not.
 */
describeWithPostgres('save_table in workflow jobs on PostGIS', () => {
  let warehouse: TestDatabase;
  let warehouseAdmin: pg.Client;
  let dataDir: string;
  let store: ReturnType<typeof createStore>;
  let registry: ConnectionRegistry;
  let runner: JobRunner;
  let editor: Caller;
  let viewer: Caller;
  let workflowId: string;
  const role = `meridian_ro_${randomBytes(3).toString('hex')}`;
  const password = 'Ro-password-' + randomBytes(6).toString('hex');
  const saved = async (table: string) =>
    (await warehouseAdmin.query(`SELECT to_regclass('saved.${table}') IS NOT NULL AS found`)).rows[0]
      .found as boolean;

  const run = async (caller: Caller, saveTables: boolean) => {
    const submitted = await submitWorkflowRun({ db: store.db, jobs: runner }, caller, {
      workflow: { id: workflowId, document: { parameters: [] } },
      title: 'save',
      args: {},
      clientId: saveTables ? 'workspace' : 'test-client',
      saveTables,
    });
    if (!submitted.ok) throw new Error('submission refused');
    return (await waitForJob({
      db: store.db,
      runner,
      caller,
      jobId: submitted.job.id,
      deadline: Date.now() + 30_000,
    }))!;
  };

  beforeAll(async () => {
    warehouse = await createTestDatabase(['postgis']);
    warehouseAdmin = new pg.Client({ connectionString: warehouse.url });
    await warehouseAdmin.connect();
    await warehouseAdmin.query(
      `CREATE TABLE places AS SELECT g AS id, ST_SetSRID(ST_MakePoint(g, g), 4326) AS geom FROM generate_series(1, 30) g; CREATE SCHEMA saved;`,
    );
    await preparePostgisReadOnlyRole(warehouse.url, { role, password });
    await warehouseAdmin.query(`GRANT USAGE, CREATE ON SCHEMA saved TO ${role}`);
    const roleUrl = new URL(warehouse.url);
    roleUrl.username = role;
    roleUrl.password = password;

    dataDir = mkdtempSync(join(tmpdir(), 'meridian-save-job-'));
    store = createStore({ dataDir });
    await migrateToLatest(store.db as never);
    const org = await createOrganization(store.db, 'Save Org', `save-${randomBytes(3).toString('hex')}`);
    const member = async (roleName: 'admin' | 'editor' | 'viewer'): Promise<Caller> => {
      const user = await createUser(store.db, {
        email: `${roleName}-${randomBytes(3).toString('hex')}@example.test`,
        passwordHash: await hashPassword('a-long-password-1'),
      });
      await addMembership(store.db, org.id, user.id, roleName);
      return { orgId: org.id, userId: user.id, role: roleName };
    };
    const admin = await member('admin');
    editor = await member('editor');
    viewer = await member('viewer');
    const box = new SecretBox(randomBytes(32), 'connections');
    await createConnection(store.db, box, admin, {
      name: 'warehouse',
      kind: 'postgis',
      config: { url: roleUrl.toString(), saveSchema: 'saved' },
    });
    const logger = pino({ level: 'silent' });
    // The test warehouse is on this machine: the allow-list must name it.
    const targets = new ConnectionTargetPolicy({ hosts: HostAllowList.parse('127.0.0.1,localhost') });
    registry = new ConnectionRegistry({ db: store.db, box, dataDir, logger, targets });
    const summary = await saveWorkflow(store.db, editor, {
      name: 'save_places',
      connection: 'warehouse',
      nodes: [
        { id: 'places', component: 'table', config: { table: 'places' } },
        {
          id: 'save',
          component: 'save_table',
          inputs: { input: 'places' },
          config: { table: 'places_copy' },
        },
      ],
      output: 'save',
    });
    workflowId = summary.id;
    runner = new JobRunner({
      db: store.db,
      dialect: store.dialect,
      logger,
      pollMs: 50,
      exclusiveStore: true,
      handlers: {
        [WORKFLOW_JOB]: createWorkflowJobHandler({
          db: store.db,
          connections: registry,
          catalog: new CatalogBrowser(),
          maxResultRows: 1000,
        }),
      },
    });
    await runner.start();
  });

  afterAll(async () => {
    await runner?.stop();
    await registry?.close();
    await store?.close();
    await warehouseAdmin?.end();
    await warehouse?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    const postgres = new pg.Client({ connectionString: warehouse.url.replace(/\/[^/]*$/, '/postgres') });
    await postgres.connect();
    await postgres.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
    await postgres.end();
  });

  it('a tool-style run refuses to save and writes nothing', async () => {
    const job = await run(editor, false);
    expect(job.state).toBe('failed');
    expect(job.error).toMatch(/run from the workspace/);
    expect(await saved('places_copy')).toBe(false);
  });

  it('a viewer’s workspace run is refused before anything is written', async () => {
    const job = await run(viewer, true);
    expect(job.state).toBe('failed');
    expect(job.error).toMatch(/editor role/);
    expect(await saved('places_copy')).toBe(false);
  });

  it('an editor’s workspace run returns the rows and saves them in the save schema', async () => {
    const job = await run(editor, true);
    expect(job.error).toBeNull();
    expect(job.state).toBe('succeeded');
    expect(job.rowCount).toBe(30);
    expect(job.progressMessage).toMatch(/saved as saved\.places_copy/);
    expect((await warehouseAdmin.query('SELECT count(*)::int AS n FROM saved.places_copy')).rows[0].n).toBe(
      30,
    );
    const again = await run(editor, true);
    expect(again.state).toBe('failed');
    expect(again.error).toMatch(/already exists in schema "saved"/);
  });
});
