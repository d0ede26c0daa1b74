import { afterAll, beforeAll, expect, it } from 'vitest';
import pg from 'pg';
import type { Client } from '@modelcontextprotocol/client';
import { callTool } from '../../support/mcpCalls.ts';
import { startTestServer, type TestServer, type TestUser } from '../../support/testServer.ts';
import { connectModernClient } from '../../support/mcpClients.ts';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../../support/postgres.ts';
import { publishWorkflow, saveWorkflow } from '../../../src/workflowLibrary/workflowRepository.ts';
import { createConnection } from '../../../src/connections/index.ts';
import { gatedWorkflowDocument } from '../../support/gatedWorkflow.ts';

const GATE = 8801;
const LIMIT = 50;
const SUBMITS = 150;

// Audit #8: on a PostgreSQL store, parallel submissions each counted the user's active jobs
// before any of them had inserted (READ COMMITTED), so more than the limit got in (52 of 50
// under 150 parallel submits). The jobs here wait at an advisory-lock gate on the warehouse, so
// none finishes and frees a slot while the submissions race: exactly LIMIT may be accepted.
describeWithPostgres(
  'audit #8: the per-user job limit holds under parallel submits (PostgreSQL store)',
  () => {
    let t: TestServer;
    let warehouse: TestDatabase;
    let gate: pg.Client;
    let user: TestUser;
    let client: Client;

    beforeAll(async () => {
      t = await startTestServer('postgres', { env: { MERIDIAN_JOBS_PER_USER: String(LIMIT) } });
      warehouse = await createTestDatabase();
      gate = new pg.Client({ connectionString: warehouse.url });
      await gate.connect();
      await gate.query('CREATE TABLE gated_rows AS SELECT g AS n FROM generate_series(1, 3) g');
      await gate.query('SELECT pg_advisory_lock($1)', [GATE]);
      user = await t.addUser({ email: 'racer@example.com', role: 'admin' });
      await createConnection(t.server.store.db, t.server.connectionBox, user, {
        name: 'warehouse',
        kind: 'postgis',
        config: { url: warehouse.url },
      });
      await saveWorkflow(t.server.store.db, user, gatedWorkflowDocument(GATE));
      await publishWorkflow(t.server.store.db, user, 'gated', { toolName: 'gated', mode: 'async' });
      client = await connectModernClient(t.mcpUrl, await t.createToken(user));
    }, 120_000);
    afterAll(async () => {
      await client?.close();
      await gate?.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
      await gate?.end();
      await t?.stop();
      await warehouse?.drop();
    });

    it(`${SUBMITS} parallel submits by one user with MERIDIAN_JOBS_PER_USER=${LIMIT} accept exactly ${LIMIT}; the rest get the limit's tool error`, async () => {
      const results = await Promise.all(Array.from({ length: SUBMITS }, () => callTool(client, 'gated', {})));
      const accepted = results.filter((r) => !r.isError);
      const refused = results.filter((r) => r.isError);
      expect({ accepted: accepted.length, refused: refused.length }).toEqual({
        accepted: LIMIT,
        refused: SUBMITS - LIMIT,
      });
      for (const r of refused) expect(r.text).toMatch(`You already have ${LIMIT} jobs queued or running`);
      const active = await t.server.store.db
        .selectFrom('jobs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('user_id', '=', user.userId)
        .where('state', 'in', ['queued', 'running'])
        .executeTakeFirstOrThrow();
      expect(Number(active.n)).toBe(LIMIT);
    });
  },
);
