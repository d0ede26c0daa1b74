/**
 * Child process for resultPaging.test.ts, run as `node --expose-gc --import tsx <this file>`:
 * a real Meridian server and an SDK client in one process with a forced GC, so the heap it
 * retains while paging through a 100,000-row job result can be measured precisely (vitest's
 * workers cannot expose gc). Prints one JSON line: what was read and the heap figures.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { loadConfig } from '../../../src/config.ts';
import { startServer } from '../../../src/server.ts';
import { createLogger } from '../../../src/http/createLogger.ts';
import { createConnection } from '../../../src/connections/index.ts';
import { issueApiToken } from '../../../src/auth/issueApiToken.ts';
import { publishWorkflow, saveWorkflow } from '../../../src/workflowLibrary/workflowRepository.ts';

const ROWS = 100_000;
const PAGE_SIZE = 1000;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

function heapAfterGc(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

type Structured = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<Structured> {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.content)}`);
  return result.structuredContent as Structured;
}

const dataDir = mkdtempSync(join(tmpdir(), 'meridian-paging-'));
try {
  // 100,000 rows of about 250 bytes each, in an embedded database file of the data dir.
  const file = new Database(join(dataDir, 'bulk.sqlite'));
  file.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, note TEXT NOT NULL)');
  const insert = file.prepare('INSERT INTO items (id, name, note) VALUES (?, ?, ?)');
  file.transaction(() => {
    for (let id = 1; id <= ROWS; id++) insert.run(id, `item ${id}`, `${id} `.repeat(40).slice(0, 220));
  })();
  file.close();

  const port = await freePort();
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    MERIDIAN_DATA_DIR: dataDir,
    MERIDIAN_ADMIN_EMAIL: 'admin@test.local',
    MERIDIAN_ADMIN_PASSWORD: 'admin-password-123',
  });
  const quiet = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  const server = await startServer(config, { logger: createLogger('warn', quiet) });
  const { db } = server.store;
  const admin = await db
    .selectFrom('users')
    .innerJoin('memberships', 'memberships.user_id', 'users.id')
    .select(['users.id as userId', 'memberships.org_id as orgId'])
    .where('users.email', '=', 'admin@test.local')
    .executeTakeFirstOrThrow();
  const caller = { userId: admin.userId, orgId: admin.orgId, role: 'admin' as const };
  await createConnection(db, server.connectionBox, caller, {
    name: 'bulk',
    kind: 'spatialite',
    config: { file: 'bulk.sqlite' },
  });
  await saveWorkflow(db, caller, {
    name: 'all_items',
    description: 'Every item.',
    connection: 'bulk',
    parameters: [],
    nodes: [
      { id: 'items', component: 'table', config: { table: 'items' } },
      { id: 'result', component: 'result', inputs: { input: 'items' } },
    ],
    output: 'result',
  });
  await publishWorkflow(db, caller, 'all_items', { toolName: 'all_items', mode: 'async' });
  const { token } = await issueApiToken(db, caller, { name: 'probe', actor: 'cli' });

  const client = new Client(
    { name: 'paging-probe', version: '1' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await client.connect(
    new StreamableHTTPClientTransport(new URL(config.mcpUrl.href), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    }),
  );
  const started = await call(client, 'all_items', {});
  const jobId = String(started.jobId);
  let status: Structured;
  for (;;) {
    status = await call(client, 'get_job_status', { job_id: jobId });
    if (!['queued', 'running'].includes(String(status.state))) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  if (status.state !== 'succeeded') throw new Error(`job ended ${status.state}: ${status.error}`);

  // Warm up the paths once, then measure from a settled heap.
  await call(client, 'get_job_results', { job_id: jobId, page_size: PAGE_SIZE });
  const baseline = heapAfterGc();
  let peakRetained = baseline;
  let cursor: string | undefined;
  let rows = 0;
  let resultBytes = 0;
  let inOrder = true;
  let pages = 0;
  do {
    const page = await call(client, 'get_job_results', {
      job_id: jobId,
      page_size: PAGE_SIZE,
      ...(cursor && { cursor }),
    });
    for (const row of page.rows as Structured[]) {
      rows++;
      if (row.id !== rows) inOrder = false;
    }
    resultBytes += JSON.stringify(page.rows).length;
    cursor = page.nextCursor;
    pages++;
    if (pages % 5 === 0) peakRetained = Math.max(peakRetained, heapAfterGc());
  } while (cursor);
  const after = heapAfterGc();
  peakRetained = Math.max(peakRetained, after);

  await client.close();
  await server.close();
  console.log(
    JSON.stringify({
      rowCount: status.rowCount,
      truncated: status.truncated,
      rows,
      pages,
      inOrder,
      resultBytes,
      baseline,
      peakGrowth: peakRetained - baseline,
      finalGrowth: after - baseline,
    }),
  );
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
