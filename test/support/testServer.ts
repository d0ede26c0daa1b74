import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { loadConfig, type MeridianConfig } from '../../src/config.ts';
import { startServer, type RunningServer, type StartOptions } from '../../src/server.ts';
import { createLogger } from '../../src/http/createLogger.ts';
import { createUser } from '../../src/store/repositories/users.ts';
import {
  addMembership,
  createOrganization,
  findOrganizationBySlug,
} from '../../src/store/repositories/organizations.ts';
import { issueApiToken } from '../../src/auth/issueApiToken.ts';
import type { Role } from '../../src/store/schema.ts';
import type { Caller } from '../../src/store/Caller.ts';
import { createTestDatabase, type TestDatabase } from './postgres.ts';
import { hashPassword } from '../../src/crypto/index.ts';

export type StoreKind = 'sqlite' | 'postgres';

/** MERIDIAN_CONNECTION_HOSTS for test servers: public hosts and the local PostgreSQL. */
export const TEST_CONNECTION_HOSTS = 'public,127.0.0.1,localhost';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface TestUser extends Caller {
  email: string;
  password: string;
}

export interface TestServer {
  server: RunningServer;
  config: MeridianConfig;
  /** Base URL as configured (http://localhost:PORT). */
  url: string;
  mcpUrl: string;
  /** Every log line the server wrote, for asserting what is (not) logged. */
  logs: string[];
  dataDir: string;
  addUser(input: { email: string; password?: string; role?: Role; orgSlug?: string }): Promise<TestUser>;
  createToken(
    user: Caller,
    options?: { scopes?: string; expiresIn?: string; name?: string },
  ): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts a real Meridian process-in-process on a free port, on SQLite (a temp data dir) or on a
 * throwaway PostgreSQL database, with logs captured in memory.
 */
export async function startTestServer(
  kind: StoreKind = 'sqlite',
  options: StartOptions & { env?: Record<string, string> } = {},
): Promise<TestServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'meridian-test-'));
  let database: TestDatabase | undefined;
  if (kind === 'postgres') database = await createTestDatabase();
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    MERIDIAN_DATA_DIR: dataDir,
    MERIDIAN_LOG_LEVEL: 'info',
    MERIDIAN_ADMIN_EMAIL: 'admin@test.local',
    MERIDIAN_ADMIN_PASSWORD: 'admin-password-123',
    // The tests' warehouses are databases on the local PostgreSQL (a database apart from the store's).
    MERIDIAN_CONNECTION_HOSTS: TEST_CONNECTION_HOSTS,
    ...(database && { DATABASE_URL: database.url }),
    ...options.env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(String(chunk));
      callback();
    },
  });
  const server = await startServer(config, {
    logger: options.logger ?? createLogger('info', sink),
    mcp: options.mcp,
    demo: options.demo,
    oauth: options.oauth,
  });
  const db = server.store.db;
  return {
    server,
    config,
    url: config.publicUrl.href.replace(/\/$/, ''),
    mcpUrl: config.mcpUrl.href,
    logs,
    dataDir,
    async addUser({ email, password = 'correct-horse-battery', role = 'viewer', orgSlug = 'demo' }) {
      const org =
        (await findOrganizationBySlug(db, orgSlug)) ?? (await createOrganization(db, orgSlug, orgSlug));
      const user = await createUser(db, { email, passwordHash: await hashPassword(password) });
      await addMembership(db, org.id, user.id, role);
      return { email, password, orgId: org.id, userId: user.id, role };
    },
    async createToken(user, tokenOptions = {}) {
      const created = await issueApiToken(db, user, {
        name: tokenOptions.name ?? 'test token',
        scopes: tokenOptions.scopes,
        expiresIn: tokenOptions.expiresIn,
        actor: 'cli',
      });
      return created.token;
    },
    async stop() {
      await server.close();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
