import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Client } from '@modelcontextprotocol/client';
import { loadConfig } from '../../../src/config.ts';
import { startServer, type RunningServer } from '../../../src/server.ts';
import { createUser } from '../../../src/store/repositories/users.ts';
import { addMembership, findOrganizationBySlug } from '../../../src/store/repositories/organizations.ts';
import { publishWorkflow } from '../../../src/workflowLibrary/workflowRepository.ts';
import { issueApiToken } from '../../../src/auth/issueApiToken.ts';
import type { JobEvent } from '../../../src/jobs/index.ts';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../../support/postgres.ts';
import { freePort } from '../../support/testServer.ts';
import { connectModernClient } from '../../support/mcpClients.ts';
import { hashPassword } from '../../../src/crypto/index.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const JOBS_PER_USER = 40;
const USERS = 5;

// Two Meridian servers on one PostgreSQL store: jobs submitted to either are shared between
// their runners (FOR UPDATE SKIP LOCKED) and each runs exactly once.
describeWithPostgres('two server processes sharing one PostgreSQL store (R5 in part)', () => {
  let database: TestDatabase;
  const servers: RunningServer[] = [];
  const dirs: string[] = [];
  const ranBy = [0, 0];
  const clients: Client[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    const secret = Buffer.alloc(32, 7).toString('base64url');
    for (let i = 0; i < 2; i++) {
      const dir = mkdtempSync(join(tmpdir(), `meridian-pair-${i}-`));
      dirs.push(dir);
      const port = await freePort();
      const config = loadConfig({
        PORT: String(port),
        MERIDIAN_DATA_DIR: dir,
        DATABASE_URL: database.url,
        MERIDIAN_SECRET_KEY: secret,
        MERIDIAN_ADMIN_EMAIL: 'admin@pair.test',
        MERIDIAN_ADMIN_PASSWORD: 'pair-test-password',
      });
      const server = await startServer(config, { logger: pino({ level: 'silent' }), demo: true });
      await server.demoReady;
      server.jobs.events.on('*', (event: JobEvent) => {
        if (event.state === 'succeeded') ranBy[i]!++;
      });
      servers.push(server);
    }
    const db = servers[0]!.store.db;
    const org = (await findOrganizationBySlug(db, 'demo'))!;
    const admin = await db
      .selectFrom('memberships')
      .select('user_id')
      .where('org_id', '=', org.id)
      .where('role', '=', 'admin')
      .executeTakeFirstOrThrow();
    await publishWorkflow(db, { orgId: org.id, userId: admin.user_id, role: 'admin' }, 'nearest_cities', {
      toolName: 'nearest_cities',
      mode: 'async',
    });
    for (let u = 0; u < USERS; u++) {
      const user = await createUser(db, {
        email: `pair${u}@example.com`,
        passwordHash: await hashPassword('pair-user-password'),
      });
      await addMembership(db, org.id, user.id, 'viewer');
      const { token } = await issueApiToken(
        db,
        { orgId: org.id, userId: user.id, role: 'viewer' },
        { name: 'pair', actor: 'cli' },
      );
      for (const server of servers)
        clients.push(await connectModernClient(`${server.url.replace('127.0.0.1', 'localhost')}/mcp`, token));
    }
  }, 240_000);

  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    for (const server of servers) await server.close();
    await database?.drop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('runs 200 jobs submitted across both processes exactly once each', { timeout: 240_000 }, async () => {
    const submissions: Promise<string>[] = [];
    for (let u = 0; u < USERS; u++) {
      for (let j = 0; j < JOBS_PER_USER; j++) {
        const client = clients[u * 2 + (j % 2)]!;
        submissions.push(
          client
            .callTool({ name: 'nearest_cities', arguments: { lon: -10 + j, lat: 40 + u, k: 3 } })
            .then((r) => {
              const s = r.structuredContent as { jobId?: string };
              if (!s?.jobId) throw new Error(`no job: ${JSON.stringify(r.content)}`);
              return s.jobId;
            }),
        );
      }
    }
    const ids = await Promise.all(submissions);
    expect(new Set(ids).size).toBe(USERS * JOBS_PER_USER);
    const db = servers[0]!.store.db;
    let jobs: { state: string; attempt: number }[] = [];
    for (let i = 0; i < 1200; i++) {
      jobs = await db.selectFrom('jobs').select(['state', 'attempt']).where('id', 'in', ids).execute();
      if (jobs.every((j) => ['succeeded', 'failed', 'cancelled'].includes(j.state))) break;
      await sleep(200);
    }
    expect(jobs.filter((j) => j.state === 'succeeded')).toHaveLength(200);
    expect(jobs.every((j) => j.attempt === 1)).toBe(true);
    expect(ranBy[0]! + ranBy[1]!).toBe(200);
    expect(ranBy[0]).toBeGreaterThan(0);
    expect(ranBy[1]).toBeGreaterThan(0);
    const pages = await db
      .selectFrom('job_result_pages')
      .select(['job_id'])
      .where('job_id', 'in', ids)
      .execute();
    expect(new Set(pages.map((p) => p.job_id)).size).toBe(200);
  });
});
