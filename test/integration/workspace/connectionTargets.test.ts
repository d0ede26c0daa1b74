import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { freePort, startTestServer, type TestServer, type TestUser } from '../../support/testServer.ts';
import { WorkspaceApiClient } from '../../support/workspaceApiClient.ts';
import {
  adminUrl,
  createTestDatabase,
  describeWithPostgres,
  type TestDatabase,
} from '../../support/postgres.ts';
import { ConnectionTargetPolicy, createConnection } from '../../../src/connections/index.ts';
import { createPostgisEngine } from '../../../src/engines/index.ts';
import { HostAllowList } from '../../../src/net/index.ts';

interface Problem {
  status: number;
  detail: string;
  errors?: { field: string; message: string }[];
}
type Tested = { ok: boolean; message: string };

/** A TCP listener on 127.0.0.1 that counts who reaches it, and optionally answers in another protocol. */
async function canary(
  greeting?: string,
): Promise<{ port: number; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    hits += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    if (greeting) socket.end(greeting);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A plain TCP forwarder on 127.0.0.1 to the local PostgreSQL: another port, the same server. */
async function tcpProxy(toPort: number): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((inbound) => {
    const outbound = connect(toPort, '127.0.0.1');
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('error', () => undefined);
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const pgUrl = (host: string, port: number | string, database: string) => {
  const admin = new URL(adminUrl);
  return `postgres://${admin.username || 'postgres'}@${host}:${port}/${database}`;
};

describeWithPostgres('audit #1: connections cannot lead to the store or to unlisted internal hosts', () => {
  // `listed`: the local PostgreSQL and a documentation range are allow-listed, on a PostgreSQL store.
  // `plain`: MERIDIAN_CONNECTION_HOSTS unset (public hosts only).
  let listed: TestServer;
  let plain: TestServer;
  let listedAdmin: TestUser;
  let plainAdmin: TestUser;
  let warehouse: TestDatabase;
  let storeDatabase: string;
  let storePort: string;

  beforeAll(async () => {
    [listed, plain, warehouse] = await Promise.all([
      startTestServer('postgres', { env: { MERIDIAN_CONNECTION_HOSTS: '127.0.0.1,localhost,192.0.2.0/24' } }),
      startTestServer('sqlite', { env: { MERIDIAN_CONNECTION_HOSTS: '' } }),
      createTestDatabase(['postgis']),
    ]);
    // Org B's admin: the audit's attacker had no role in the store's own organization.
    listedAdmin = await listed.addUser({ email: 'b-admin@example.com', role: 'admin', orgSlug: 'org-b' });
    plainAdmin = await plain.addUser({ email: 'b-admin@example.com', role: 'admin', orgSlug: 'org-b' });
    const store = new URL(listed.config.databaseUrl!);
    storeDatabase = store.pathname.slice(1);
    storePort = store.port || '5432';
  }, 120_000);
  afterAll(async () => {
    await Promise.all([listed?.stop(), plain?.stop()]);
    await warehouse?.drop();
  });

  const signIn = (t: TestServer, user: TestUser) =>
    WorkspaceApiClient.signIn(t.url, user.email, user.password);

  it("audit #1 (a): the store's own DSN is refused when added, under every spelling of its host, though the host is allow-listed", async () => {
    const admin = await signIn(listed, listedAdmin);
    const spellings = [
      listed.config.databaseUrl!,
      pgUrl('localhost', storePort, storeDatabase),
      pgUrl('127.0.0.1', storePort, storeDatabase),
    ];
    for (const [i, url] of spellings.entries()) {
      const added = await admin.send<Problem>('POST', '/api/v1/connections', { name: `store${i}`, url });
      expect(added.status, url).toBe(422);
      expect(added.body.detail).toMatch(/own store database/);
      expect(added.body.errors![0]!.field).toBe('url');
    }
    const listedNow = await admin.get<{ connections: { name: string }[] }>('/api/v1/connections');
    expect(listedNow.body.connections.map((c) => c.name)).toEqual([]);

    // Another database on the very same server is a warehouse like any other: the name decides.
    const ok = await admin.send('POST', '/api/v1/connections', {
      name: 'warehouse',
      url: pgUrl('127.0.0.1', storePort, warehouse.name),
    });
    expect(ok.status).toBe(201);
    const tested = await admin.send<Tested>('POST', '/api/v1/connections/warehouse/test');
    expect(tested.body).toMatchObject({ ok: true });
  });

  it('audit #1 (a): a store connection stored before the fix is refused at connect time, and nothing of the store is read', async () => {
    await createConnection(listed.server.store.db, listed.server.connectionBox, listedAdmin, {
      name: 'old_store',
      kind: 'postgis',
      config: { url: pgUrl('localhost', storePort, storeDatabase) },
    });
    const admin = await signIn(listed, listedAdmin);
    const tested = await admin.send<Tested>('POST', '/api/v1/connections/old_store/test');
    expect(tested.body.ok).toBe(false);
    expect(tested.body.message).toMatch(/own store database/);
    const tables = await admin.get<Problem>('/api/v1/connections/old_store/tables');
    expect(tables.status).toBe(503);
    expect(JSON.stringify(tables.body)).not.toMatch(/users|oidc_payloads/);
  });

  it('audit #1 (a): the store reached through a TCP proxy on another port is recognised by its server identity and refused', async () => {
    const proxy = await tcpProxy(Number(storePort));
    try {
      const admin = await signIn(listed, listedAdmin);
      for (const [name, database] of [
        ['proxied_store', storeDatabase],
        ['proxied_warehouse', warehouse.name],
      ] as const) {
        // Nothing in the URL says "store": the address check cannot tell, the identity check does.
        const added = await admin.send('POST', '/api/v1/connections', {
          name,
          url: pgUrl('127.0.0.1', proxy.port, database),
        });
        expect(added.status, name).toBe(201);
      }
      const refused = await admin.send<Tested>('POST', '/api/v1/connections/proxied_store/test');
      expect(refused.body.ok).toBe(false);
      expect(refused.body.message).toMatch(/own store database/);
      expect((await admin.get('/api/v1/connections/proxied_store/tables')).status).toBe(503);
      const works = await admin.send<Tested>('POST', '/api/v1/connections/proxied_warehouse/test');
      expect(works.body).toMatchObject({ ok: true });
    } finally {
      await proxy.close();
    }
  });

  it('audit #1 (b): loopback, private and link-local hosts are refused unless MERIDIAN_CONNECTION_HOSTS lists them', async () => {
    const admin = await signIn(plain, plainAdmin);
    for (const host of [
      '127.0.0.1',
      '10.1.2.3',
      '192.168.0.10',
      '169.254.169.254',
      '[::1]',
      '[::ffff:127.0.0.1]',
      '0.0.0.0',
    ]) {
      const added = await admin.send<Problem>('POST', '/api/v1/connections', {
        name: 'internal',
        url: pgUrl(host, 5432, 'gis'),
      });
      expect(added.status, host).toBe(422);
      expect(added.body.detail).toMatch(/not a public internet address.*MERIDIAN_CONNECTION_HOSTS/);
      expect(added.body.detail).not.toContain(host.replace(/[[\]]/g, ''));
    }
    // Listed on the other server, the same kind of host is accepted and works (test (a) above).
    const listedClient = await signIn(listed, listedAdmin);
    const other = await listedClient.send('POST', '/api/v1/connections', {
      name: 'doc_range',
      url: pgUrl('192.0.2.7', 5432, 'gis'),
    });
    expect(other.status).toBe(201);
  });

  it('audit #1 (b, c): a connection row to a host no longer allowed, by IP or by a name resolving to loopback, never opens a socket', async () => {
    const listener = await canary();
    try {
      for (const [name, host] of [
        ['by_ip', '127.0.0.1'],
        ['by_name', 'localhost'],
      ] as const) {
        await createConnection(plain.server.store.db, plain.server.connectionBox, plainAdmin, {
          name,
          kind: 'postgis',
          config: { url: pgUrl(host, listener.port, 'gis') },
        });
      }
      const admin = await signIn(plain, plainAdmin);
      for (const name of ['by_ip', 'by_name']) {
        const tested = await admin.send<Tested>('POST', `/api/v1/connections/${name}/test`);
        expect(tested.body.ok, name).toBe(false);
        expect(tested.body.message).toMatch(/not a public internet address/);
      }
      expect(listener.hits()).toBe(0);
    } finally {
      await listener.close();
    }
  });

  it('audit #1 (c): a host name resolving to a loopback address is refused when added', async () => {
    const admin = await signIn(plain, plainAdmin);
    const added = await admin.send<Problem>('POST', '/api/v1/connections', {
      name: 'sneaky',
      url: pgUrl('localhost', 5432, 'gis'),
    });
    expect(added.status).toBe(422);
    expect(added.body.detail).toMatch(/not a public internet address/);
  });

  it('audit #1: URL parameters that make the driver read a file of the server (sslcert, sslkey, sslrootcert, sslcrl) are refused, when added and at connect time', async () => {
    const admin = await signIn(listed, listedAdmin);
    for (const parameter of ['sslcert', 'sslkey', 'sslrootcert', 'sslcrl']) {
      const url = `${pgUrl('127.0.0.1', 5432, 'gis')}?sslmode=require&${parameter}=/etc/hostname`;
      const added = await admin.send<Problem>('POST', '/api/v1/connections', {
        name: `files_${parameter}`,
        url,
      });
      expect(added.status, parameter).toBe(422);
      expect(added.body.detail).toContain(`"${parameter}" names a file on the Meridian server`);
    }
    await createConnection(listed.server.store.db, listed.server.connectionBox, listedAdmin, {
      name: 'files_before',
      kind: 'postgis',
      config: { url: `${pgUrl('127.0.0.1', 5432, 'gis')}?sslrootcert=/etc/hostname` },
    });
    const tested = await admin.send<Tested>('POST', '/api/v1/connections/files_before/test');
    expect(tested.body.ok).toBe(false);
    expect(tested.body.message).toContain('"sslrootcert" names a file on the Meridian server');
  });

  it('audit #1 (d): /test says the same thing for a closed port, a silent host, a non-PostgreSQL service and a name that does not resolve', async () => {
    const ssh = await canary('SSH-2.0-OpenSSH_9.2\r\n');
    const closedPort = await freePort();
    const admin = await signIn(listed, listedAdmin);
    const targets = {
      closed_port: pgUrl('127.0.0.1', closedPort, 'gis'),
      silent_host: pgUrl('192.0.2.1', 5432, 'gis'),
      not_postgres: pgUrl('127.0.0.1', ssh.port, 'gis'),
      no_such_name: pgUrl('no-such-host.invalid', 5432, 'gis'),
    };
    try {
      const messages: Record<string, string> = {};
      for (const [name, url] of Object.entries(targets)) {
        // An unresolvable name is not refused when added (that would tell which names exist).
        const added = await admin.send('POST', '/api/v1/connections', { name, url });
        expect(added.status, name).toBe(201);
        const tested = await admin.send<Tested>('POST', `/api/v1/connections/${name}/test`);
        expect(tested.body.ok).toBe(false);
        messages[name] = tested.body.message.replace(`"${name}"`, '"…"');
      }
      expect(new Set(Object.values(messages)).size, JSON.stringify(messages, null, 1)).toBe(1);
      expect(messages.closed_port).toMatch(/could not reach the database server/);
      expect(messages.closed_port).not.toMatch(/ECONN|ETIMEDOUT|ENOTFOUND|timed out|SSL|terminated/i);
    } finally {
      await ssh.close();
    }
  }, 60_000);
});

describeWithPostgres('audit #1: the connect-time check pins the socket to the address it vetted', () => {
  it('audit #1: a name the policy resolves is connected to at that address; a name resolving to loopback is refused before any socket opens', async () => {
    const warehouse = await createTestDatabase();
    const listener = await canary();
    const port = Number(new URL(adminUrl).port || 5432);
    // A resolver of the test's own: warehouse.example exists nowhere else, so reaching PostgreSQL
    // through it proves the socket went to the vetted address, not to a second lookup.
    const resolve = async (host: string) =>
      host === 'warehouse.example' || host === 'rebound.example'
        ? [{ address: '127.0.0.1', family: 4 }]
        : Promise.reject(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }));
    const trusting = new ConnectionTargetPolicy({ hosts: HostAllowList.parse('warehouse.example'), resolve });
    const strict = new ConnectionTargetPolicy({ hosts: HostAllowList.parse('public'), resolve });
    const good = createPostgisEngine({
      url: pgUrl('warehouse.example', port, warehouse.name),
      guard: trusting.guard,
    });
    const bad = createPostgisEngine({
      url: pgUrl('rebound.example', listener.port, 'gis'),
      guard: strict.guard,
    });
    try {
      const catalog = await good.describe();
      expect(Array.isArray(catalog.tables)).toBe(true);
      await expect(bad.describe()).rejects.toMatchObject({
        code: 'forbidden',
        message: expect.stringMatching(/not a public internet address/),
      });
      expect(listener.hits()).toBe(0);
    } finally {
      await Promise.all([good.close(), bad.close(), listener.close()]);
      await warehouse.drop();
    }
  });
});
