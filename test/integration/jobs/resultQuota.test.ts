import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Client } from '@modelcontextprotocol/client';
import { callTool, type Structured } from '../../support/mcpCalls.ts';
import { freePort } from '../../support/testServer.ts';
import { connectModernClient } from '../../support/mcpClients.ts';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../../support/postgres.ts';
import { loadConfig } from '../../../src/config.ts';
import { startServer, type RunningServer } from '../../../src/server.ts';
import { createLogger } from '../../../src/http/createLogger.ts';
import { createUser } from '../../../src/store/repositories/users.ts';
import { addMembership, createOrganization } from '../../../src/store/repositories/organizations.ts';
import { issueApiToken } from '../../../src/auth/issueApiToken.ts';
import { publishWorkflow, saveWorkflow } from '../../../src/workflowLibrary/workflowRepository.ts';
import { createConnection } from '../../../src/connections/index.ts';
import type { Caller } from '../../../src/store/Caller.ts';
import { hashPassword } from '../../../src/crypto/index.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const QUOTA = 1_200_000;

/** `max_n` rows of about 1 kB each (as stored: {"n":…,"pad":"xxx…"}), from an embedded database. */
const fatRows = {
  name: 'fat_rows',
  description: 'Rows of about a kilobyte each.',
  connection: 'fat',
  parameters: [
    { name: 'max_n', type: 'integer', min: 1, max: 10_000, required: true, description: 'How many rows' },
  ],
  nodes: [
    { id: 'rows', component: 'table', config: { table: 'fat_rows', columns: ['n', 'pad'] } },
    {
      id: 'some',
      component: 'filter',
      inputs: { input: 'rows' },
      config: { conditions: [{ column: 'n', op: '<=', value: { $param: 'max_n' } }] },
    },
    { id: 'result', component: 'result', inputs: { input: 'some' } },
  ],
  output: 'result',
};

// Audit #7: stored job results had no byte quota, so one organization could fill the store's
// disk for everyone. Here the server restarts on the same data dir with a quota below what the
// first organization already stores (as when an admin lowers it), on either store.
for (const kind of ['sqlite', 'postgres'] as const)
  (kind === 'postgres' ? describeWithPostgres : describe)(
    `audit #7: a per-organization quota on stored result bytes (MERIDIAN_ORG_RESULT_BYTES, ${kind} store)`,
    () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'meridian-quota-'));
      let database: TestDatabase | undefined;
      let server: RunningServer;
      let mcpUrl: string;
      let alice: Caller; // org "demo", fills its quota
      let bob: Caller; // org "other", unaffected
      let aliceToken: string;
      let bobToken: string;
      const clients: Client[] = [];

      async function start(env: Record<string, string> = {}) {
        const port = await freePort();
        const config = loadConfig({
          PORT: String(port),
          HOST: '127.0.0.1',
          MERIDIAN_DATA_DIR: dataDir,
          MERIDIAN_ADMIN_EMAIL: 'alice@quota.example.com',
          MERIDIAN_ADMIN_PASSWORD: 'admin-password-123',
          ...(database && { DATABASE_URL: database.url }),
          ...env,
        });
        const quiet = new Writable({ write: (_chunk, _encoding, callback) => callback() });
        server = await startServer(config, { logger: createLogger('warn', quiet) });
        mcpUrl = config.mcpUrl.href;
      }
      async function connect(token: string) {
        const client = await connectModernClient(mcpUrl, token);
        clients.push(client);
        return client;
      }
      async function runToEnd(client: Client, maxN: number): Promise<Structured> {
        const started = await callTool(client, 'fat_rows', { max_n: maxN });
        expect(started.isError, started.text).toBeFalsy();
        const deadline = Date.now() + 30_000;
        for (;;) {
          const status = await callTool(client, 'get_job_status', { job_id: started.s.jobId });
          if (!['queued', 'running'].includes(status.s.state)) return status.s;
          if (Date.now() > deadline) throw new Error(`job still ${status.s.state}: ${status.text}`);
          await sleep(100);
        }
      }
      const jobRow = (id: string) =>
        server.store.db
          .selectFrom('jobs')
          .select(['state', 'result_bytes', 'progress_message'])
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
      const pagesOf = async (id: string) =>
        (
          await server.store.db
            .selectFrom('job_result_pages')
            .select('page_no')
            .where('job_id', '=', id)
            .execute()
        ).length;

      beforeAll(async () => {
        const file = new Database(join(dataDir, 'fat.sqlite'));
        file.exec('CREATE TABLE fat_rows (n INTEGER PRIMARY KEY, pad TEXT NOT NULL)');
        const insert = file.prepare('INSERT INTO fat_rows (n, pad) VALUES (?, ?)');
        file.transaction(() => {
          for (let n = 1; n <= 5000; n++) insert.run(n, 'x'.repeat(1000));
        })();
        file.close();
        if (kind === 'postgres') database = await createTestDatabase();
        await start();
        const { db } = server.store;
        const admin = await db
          .selectFrom('users')
          .innerJoin('memberships', 'memberships.user_id', 'users.id')
          .select(['users.id as userId', 'memberships.org_id as orgId'])
          .where('users.email', '=', 'alice@quota.example.com')
          .executeTakeFirstOrThrow();
        alice = { ...admin, role: 'admin' };
        const other = await createOrganization(db, 'Other', 'other');
        const bobUser = await createUser(db, {
          email: 'bob@other.example.com',
          passwordHash: await hashPassword('long-password-123'),
        });
        await addMembership(db, other.id, bobUser.id, 'admin');
        bob = { orgId: other.id, userId: bobUser.id, role: 'admin' };
        for (const caller of [alice, bob]) {
          await createConnection(db, server.connectionBox, caller, {
            name: 'fat',
            kind: 'spatialite',
            config: { file: 'fat.sqlite' },
          });
          await saveWorkflow(db, caller, fatRows);
          await publishWorkflow(db, caller, 'fat_rows', { toolName: 'fat_rows', mode: 'async' });
        }
        aliceToken = (await issueApiToken(db, alice, { name: 'alice', actor: 'cli' })).token;
        bobToken = (await issueApiToken(db, bob, { name: 'bob', actor: 'cli' })).token;
      }, 120_000);
      afterAll(async () => {
        for (const client of clients) await client.close().catch(() => undefined);
        await server?.close();
        await database?.drop();
        rmSync(dataDir, { recursive: true, force: true });
      });

      it(
        'refuses a submission over MCP with a clear tool error once the org is over its quota, fails a job crossing it mid-stream without keeping any of it, leaves another org unaffected, and frees the bytes when results expire',
        { timeout: 120_000 },
        async () => {
          // Under the default quota (1 GB), Alice's organization stores about 1.5 MB of results.
          const stored = await runToEnd(await connect(aliceToken), 1500);
          expect(stored).toMatchObject({ state: 'succeeded', rowCount: 1500 });
          expect((await jobRow(stored.jobId)).result_bytes).toBeGreaterThan(1_500_000);

          // Restarted with a 1.2 MB quota.
          for (const client of clients.splice(0)) await client.close();
          await server.close();
          await start({ MERIDIAN_ORG_RESULT_BYTES: String(QUOTA) });
          const aliceClient = await connect(aliceToken);
          const bobClient = await connect(bobToken);

          const jobsBefore = await server.store.db.selectFrom('jobs').select('id').execute();
          const refused = await callTool(aliceClient, 'fat_rows', { max_n: 10 });
          expect(refused.isError).toBe(true);
          expect(refused.text).toMatch(
            /^The result storage quota of 1\.2 MB for this organization is used up by earlier job results, so this run was not started\. Fetch the results you still need with get_job_results \(stored results are deleted when they expire, the oldest in about 24 h\)/,
          );
          expect(refused.text).not.toContain(bob.orgId);
          expect(await server.store.db.selectFrom('jobs').select('id').execute()).toHaveLength(
            jobsBefore.length,
          );
          // What is stored stays readable.
          const page = await callTool(aliceClient, 'get_job_results', { job_id: stored.jobId, page_size: 5 });
          expect(page.isError).toBeFalsy();
          expect(page.s.total).toBe(1500);

          // Bob's organization has its own quota.
          const small = await runToEnd(bobClient, 100);
          expect(small).toMatchObject({ state: 'succeeded', rowCount: 100 });

          // About 2 MB, stored a few pages per write: the write that would cross 1.2 MB fails the job.
          const big = await runToEnd(bobClient, 2000);
          expect(big.state).toBe('failed');
          expect(big.error).toMatch(
            /^The result of this job would go over the result storage quota of 1\.2 MB for this organization, so none of it was kept\. Narrow the query/,
          );
          const bigRow = await jobRow(big.jobId);
          expect(bigRow.result_bytes).toBe(0);
          expect(await pagesOf(big.jobId)).toBe(0);
          const noRows = await callTool(bobClient, 'get_job_results', { job_id: big.jobId });
          expect(noRows.isError).toBe(true);
          expect(noRows.text).toMatch(/has no results: it is failed/);
          // The failed job's bytes were released: Bob can still store a result.
          expect(await runToEnd(bobClient, 100)).toMatchObject({ state: 'succeeded', rowCount: 100 });

          // Once Alice's results expire (a day on), her organization can run again.
          await server.jobs.purgeExpiredResults(Date.now() + 25 * 3_600_000);
          expect(await jobRow(stored.jobId)).toMatchObject({ state: 'expired', result_bytes: 0 });
          expect(await runToEnd(aliceClient, 10)).toMatchObject({ state: 'succeeded', rowCount: 10 });
        },
      );
    },
  );
