import { afterAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { spawnServerProcess } from '../../support/serverProcess.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from '../../../src/store/createStore.ts';
import { findUserByEmail } from '../../../src/store/repositories/users.ts';
import { membershipsOf } from '../../../src/store/repositories/organizations.ts';
import { publishWorkflow, saveWorkflow } from '../../../src/workflowLibrary/workflowRepository.ts';
import { issueApiToken } from '../../../src/auth/issueApiToken.ts';
import { freePort } from '../../support/testServer.ts';
import { connectModernClient } from '../../support/mcpClients.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startServerProcess(dataDir: string, port: number): Promise<ChildProcess> {
  return spawnServerProcess({
    args: ['--demo'],
    env: {
      MERIDIAN_DATA_DIR: dataDir,
      PORT: String(port),
      MERIDIAN_ADMIN_EMAIL: 'admin@kill.test',
      MERIDIAN_ADMIN_PASSWORD: 'kill-test-password',
    },
    readyWhen: 'Demo data ready',
  });
}

// A workflow slow enough on the embedded engine (seconds) to be killed mid-run: every city
// with the country it lies in.
const slowWorkflow = {
  name: 'cities_in_countries',
  description: 'Every city with the country polygon it lies in.',
  connection: 'demo',
  parameters: [],
  nodes: [
    { id: 'cities', component: 'table', config: { table: 'cities', columns: ['name', 'geom'] } },
    { id: 'countries', component: 'table', config: { table: 'countries', columns: ['name', 'geom'] } },
    {
      id: 'joined',
      component: 'spatial_join',
      inputs: { left: 'cities', right: 'countries' },
      config: { predicate: 'intersects' },
    },
    // Only names out: a country polygon per city row would be megabytes of GeoJSON.
    {
      id: 'names',
      component: 'select',
      inputs: { input: 'joined' },
      config: { columns: [{ column: 'name' }, { column: 'right_name' }] },
    },
    { id: 'result', component: 'result', inputs: { input: 'names' } },
  ],
  output: 'result',
};

describe('R1: kill -9 of the server mid-job', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'meridian-kill-'));
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    're-runs the interrupted job after a restart; nothing stays running forever',
    { timeout: 240_000 },
    async () => {
      const port = await freePort();
      child = await startServerProcess(dataDir, port);
      // The admin tools a CLI would use, against the same SQLite store while the server runs.
      const store = createStore({ dataDir });
      const admin = (await findUserByEmail(store.db, 'admin@kill.test'))!;
      const [membership] = await membershipsOf(store.db, admin.id);
      const caller = { orgId: membership!.orgId, userId: admin.id, role: 'admin' as const };
      await saveWorkflow(store.db, caller, slowWorkflow);
      await publishWorkflow(store.db, caller, 'cities_in_countries', {
        toolName: 'cities_in_countries',
        mode: 'async',
      });
      const token = (await issueApiToken(store.db, caller, { name: 'kill test', actor: 'cli' })).token;

      const client = await connectModernClient(`http://localhost:${port}/mcp`, token);
      const started = await client.callTool({ name: 'cities_in_countries', arguments: {} });
      const jobId = (started.structuredContent as { jobId: string }).jobId;
      await client.close();
      for (let i = 0; i < 200; i++) {
        const job = await store.db
          .selectFrom('jobs')
          .select(['state'])
          .where('id', '=', jobId)
          .executeTakeFirstOrThrow();
        if (job.state === 'running') break;
        await sleep(50);
      }
      await sleep(300);
      const before = await store.db
        .selectFrom('jobs')
        .select(['state', 'attempt'])
        .where('id', '=', jobId)
        .executeTakeFirstOrThrow();
      expect(before).toEqual({ state: 'running', attempt: 1 });

      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      child = await startServerProcess(dataDir, port);

      let after = before;
      for (let i = 0; i < 1200 && !['succeeded', 'failed'].includes(after.state); i++) {
        await sleep(100);
        after = await store.db
          .selectFrom('jobs')
          .select(['state', 'attempt'])
          .where('id', '=', jobId)
          .executeTakeFirstOrThrow();
      }
      const detail = await store.db
        .selectFrom('jobs')
        .select(['error'])
        .where('id', '=', jobId)
        .executeTakeFirstOrThrow();
      expect({ ...after, error: detail.error }).toEqual({ state: 'succeeded', attempt: 2, error: null });
      const pages = await store.db
        .selectFrom('job_result_pages')
        .select(['attempt'])
        .distinct()
        .where('job_id', '=', jobId)
        .execute();
      expect(pages).toEqual([{ attempt: 2 }]);
      await store.close();
    },
  );
});
