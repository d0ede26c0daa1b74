import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EngineError } from '../../../src/engines/Engine.ts';
import { createPostgisEngine, type PostgisEngine } from '../../../src/engines/postgis/PostgisEngine.ts';
import { preparePostgisReadOnlyRole } from '../../../src/engines/postgis/preparePostgisReadOnlyRole.ts';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../../support/postgres.ts';

async function failure(promise: Promise<unknown>): Promise<EngineError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(EngineError);
    return error as EngineError;
  }
  throw new Error('expected the call to fail');
}

async function admin(url: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

describeWithPostgres('PostgisEngine', () => {
  let db: TestDatabase;
  let engine: PostgisEngine;
  let roleUrl: string;
  let roleEngine: PostgisEngine;
  const role = `meridian_ro_${Math.random().toString(36).slice(2, 8)}`;
  const password = 'Ro-password-' + Math.random().toString(36).slice(2);

  beforeAll(async () => {
    db = await createTestDatabase(['postgis']);
    await admin(
      db.url,
      `CREATE TABLE places (id integer PRIMARY KEY, name text NOT NULL, population bigint, geom geometry(Point, 4326));
       INSERT INTO places SELECT g, 'place ' || g, g * 10, ST_SetSRID(ST_MakePoint((g % 360) - 180, (g % 170) - 85), 4326) FROM generate_series(1, 5000) g;
       CREATE INDEX places_geom ON places USING gist (geom);
       ANALYZE places;
       CREATE VIEW big_places AS SELECT id, name FROM places WHERE population > 1000;`,
    );
    engine = createPostgisEngine({ url: db.url, statementTimeoutMs: 10_000 });
    await preparePostgisReadOnlyRole(db.url, { role, password });
    const url = new URL(db.url);
    url.username = role;
    url.password = password;
    roleUrl = url.toString();
    roleEngine = createPostgisEngine({ url: roleUrl });
  });

  afterAll(async () => {
    await engine?.close();
    await roleEngine?.close();
    await db?.drop();
    await admin(db.url.replace(/\/[^/]*$/, '/postgres'), `DROP ROLE IF EXISTS ${role}`).catch(
      () => undefined,
    );
  });

  it('describes tables and views with columns, geometry type, SRID and row estimates', async () => {
    const catalog = await engine.describe();
    expect(catalog.schemas).toEqual(['public']);
    expect(catalog.tables.map((t) => t.name).sort()).toEqual(['big_places', 'places']); // spatial_ref_sys belongs to the extension
    const places = catalog.tables.find((t) => t.name === 'places')!;
    expect(places.rowEstimate).toBe(5000);
    expect(places.columns).toEqual([
      { name: 'id', type: 'integer', nullable: false },
      { name: 'name', type: 'text', nullable: false },
      { name: 'population', type: 'bigint', nullable: true },
      { name: 'geom', type: 'geometry', nullable: true, geometryType: 'POINT', srid: 4326 },
    ]);
    expect(catalog.tables.find((t) => t.name === 'big_places')!.rowEstimate).toBeUndefined();
  });

  it('runs a parameterised query; bigint and numeric come back as numbers', async () => {
    const result = await engine.run({
      sql: 'SELECT id, population, ST_AsGeoJSON(geom) AS geojson, avg(population) OVER () AS avg, $2::text AS label FROM places WHERE id = $1',
      params: [180, "'; DROP TABLE places; --"],
    });
    expect(result.rows).toEqual([
      {
        id: 180,
        population: 1800,
        geojson: '{"type":"Point","coordinates":[0,-75]}',
        avg: 1800,
        label: "'; DROP TABLE places; --",
      },
    ]);
    expect(result.columns.map((c) => c.type)).toEqual(['integer', 'bigint', 'text', 'numeric', 'text']);
    const big = await engine.run({
      sql: "SELECT 9007199254740993::int8 AS v, '\\x0102'::bytea AS b",
      params: [],
    });
    expect(big.rows[0]).toEqual({ v: '9007199254740993', b: Buffer.from([1, 2]) });
  });

  it('caps rows with maxRows', async () => {
    const capped = await engine.run({ sql: 'SELECT id FROM places ORDER BY id', params: [] }, { maxRows: 7 });
    expect(capped.rows.map((r) => r.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(capped.truncated).toBe(true);
    expect((await engine.run({ sql: 'SELECT 1 AS x', params: [] }, { maxRows: 1 })).truncated).toBe(false);
  });

  it('streams 100k rows in batches without holding them (cursor)', async () => {
    let rows = 0;
    let batches = 0;
    let maxBatch = 0;
    for await (const batch of engine.stream(
      { sql: 'SELECT g, repeat($1, 50) AS pad FROM generate_series(1, 100000) g', params: ['x'] },
      { batchSize: 5000 },
    )) {
      rows += batch.length;
      batches++;
      maxBatch = Math.max(maxBatch, batch.length);
    }
    expect(rows).toBe(100_000);
    expect(batches).toBe(20);
    expect(maxBatch).toBe(5000);
    let capped = 0;
    for await (const batch of engine.stream(
      { sql: 'SELECT g FROM generate_series(1, 100000) g', params: [] },
      { batchSize: 300, maxRows: 1000 },
    ))
      capped += batch.length;
    expect(capped).toBe(1000);
  });

  it('audit #3: a stream its consumer leaves early (a break at the row cap) closes its cursor and gives the connection back', async () => {
    const single = createPostgisEngine({ url: db.url, poolMax: 1 });
    try {
      const marker = `meridian_early_${Date.now()}`;
      let read = 0;
      for await (const batch of single.stream(
        { sql: `SELECT g, '${marker}' AS m FROM generate_series(1, 100000) g`, params: [] },
        { batchSize: 1000, maxRows: 50_001 },
      )) {
        read += batch.length;
        if (read >= 3000) break;
      }
      expect(read).toBe(3000);
      // The one pooled connection is free again and inside no transaction.
      const next = await single.run({ sql: 'SELECT 1 AS ok', params: [] }, { timeoutMs: 5000 });
      expect(next.rows).toEqual([{ ok: 1 }]);
      const open = await admin(
        db.url,
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%${marker}%' AND state <> 'idle' AND pid <> pg_backend_pid()`,
      );
      expect(open.rows[0].n).toBe(0);
    } finally {
      await single.close();
    }
  });

  it('times out with statement_timeout and stays usable', async () => {
    const started = Date.now();
    const error = await failure(engine.run({ sql: 'SELECT pg_sleep(600)', params: [] }, { timeoutMs: 300 }));
    expect(error.code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(3000);
    expect((await engine.run({ sql: 'SELECT count(*) AS n FROM places', params: [] })).rows[0]!.n).toBe(5000);
  });

  it('cancels on abort, the backend query is gone (R11), and the engine stays usable', async () => {
    const controller = new AbortController();
    const marker = `meridian_cancel_${Date.now()}`;
    setTimeout(() => controller.abort(), 300);
    const error = await failure(
      engine.run(
        { sql: `SELECT pg_sleep(600), '${marker}'`, params: [] },
        { signal: controller.signal, timeoutMs: 60_000 },
      ),
    );
    expect(error.code).toBe('cancelled');
    const deadline = Date.now() + 5000;
    let active = 1;
    while (Date.now() < deadline) {
      active = Number(
        (
          await admin(
            db.url,
            `SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE '%${marker}%' AND state = 'active' AND pid <> pg_backend_pid()`,
          )
        ).rows[0].n,
      );
      if (active === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(active).toBe(0);
    expect((await engine.run({ sql: 'SELECT 1 AS ok', params: [] })).rows).toEqual([{ ok: 1 }]);
  });

  it('refuses a second statement (extended protocol), G5', async () => {
    for (const sql of ['SELECT 1; DROP TABLE places', 'COMMIT; DROP TABLE places', 'SELECT 1; SELECT 2']) {
      const error = await failure(engine.run({ sql, params: [] }));
      expect(error.code).toBe('forbidden');
    }
    expect((await engine.run({ sql: 'SELECT count(*) AS n FROM places', params: [] })).rows[0]!.n).toBe(5000);
  });

  it('runs every query read-only, even as a superuser, G6', async () => {
    for (const sql of [
      'DELETE FROM places',
      'CREATE TABLE x (a int)',
      'WITH d AS (DELETE FROM places RETURNING 1) SELECT count(*) FROM d',
    ]) {
      expect((await failure(engine.run({ sql, params: [] }))).code).toBe('forbidden');
    }
  });

  it('rolls back session settings a query made, so the next query on the connection is clean', async () => {
    const single = createPostgisEngine({ url: db.url, poolMax: 1 });
    try {
      await single.run({ sql: "SELECT set_config('search_path', 'pg_catalog', false)", params: [] });
      const after = await single.run({ sql: 'SHOW search_path', params: [] });
      expect(after.rows[0]!.search_path).toBe('"$user", public');
      await single.run({
        sql: "SELECT set_config('default_transaction_read_only', 'off', false)",
        params: [],
      });
      expect((await failure(single.run({ sql: 'CREATE TABLE x (a int)', params: [] }))).code).toBe(
        'forbidden',
      );
    } finally {
      await single.close();
    }
  });

  it.each([
    ["SELECT pg_read_file('/etc/passwd')"],
    ["SELECT pg_ls_dir('.')"],
    ["SELECT lo_import('/etc/passwd')"],
    ["COPY (SELECT 1) TO PROGRAM 'id'"],
    ["SELECT * FROM pg_stat_file('postgresql.conf')"],
    ['SET ROLE postgres'],
    ["SELECT set_config('role', 'postgres', false)"],
    ['INSERT INTO places (id, name) VALUES (-1, $$x$$)'],
  ])('the read-only role cannot: %s (G6, G7)', async (sql) => {
    const error = await failure(roleEngine.run({ sql, params: [] }));
    expect(error.code).toBe('forbidden');
    expect((await roleEngine.run({ sql: 'SELECT count(*) AS n FROM places', params: [] })).rows[0]!.n).toBe(
      5000,
    );
  });

  it('the read-only role has default_transaction_read_only and no GDAL drivers, and is in no role', async () => {
    const settings = await admin(db.url, `SELECT rolconfig FROM pg_roles WHERE rolname = '${role}'`);
    expect(settings.rows[0].rolconfig).toEqual(
      expect.arrayContaining([
        'default_transaction_read_only=on',
        'postgis.gdal_enabled_drivers=DISABLE_ALL',
        'postgis.enable_outdb_rasters=off',
      ]),
    );
    const members = await admin(
      db.url,
      `SELECT count(*)::int AS n FROM pg_auth_members WHERE member = '${role}'::regrole`,
    );
    expect(members.rows[0].n).toBe(0);
    const writeAsRole = new pg.Client({ connectionString: roleUrl });
    await writeAsRole.connect();
    try {
      await expect(writeAsRole.query('CREATE TABLE evil (a int)')).rejects.toThrow(
        /read-only transaction|permission denied/,
      );
    } finally {
      await writeAsRole.end();
    }
  });

  it('blocks PostGIS raster GDAL access and dblink, G7', async () => {
    await admin(
      db.url,
      'CREATE EXTENSION IF NOT EXISTS postgis_raster; CREATE EXTENSION IF NOT EXISTS dblink;',
    );
    const gdal = await failure(
      roleEngine.run({ sql: "SELECT ST_FromGDALRaster(decode('89504e470d0a1a0a', 'hex'))", params: [] }),
    );
    expect(gdal.message).toMatch(/GDAL drivers disabled|permission denied/i);
    const vsicurl = await failure(
      roleEngine.run({
        sql: "SELECT ST_Value(ST_AddBand(ST_MakeEmptyRaster(1, 1, 0, 0, 1), 1, '/vsicurl/http://127.0.0.1:9/x.tif', ARRAY[1]::int[]), 1, 1)",
        params: [],
      }),
    );
    expect(vsicurl.code).toMatch(/sql|forbidden/);
    const dblink = await failure(
      roleEngine.run({
        sql: "SELECT * FROM dblink('host=127.0.0.1 dbname=postgres user=postgres', 'SELECT 1') AS t(a int)",
        params: [],
      }),
    );
    expect(dblink.code).toMatch(/sql|forbidden/);
  });

  it('keeps DSNs, passwords and hosts out of errors, G11', async () => {
    const secret = 'Sup3r-secret-pw';
    // The test server trusts local connections, so a wrong password alone would be accepted:
    // an unknown user and an unknown database make the server refuse the login instead.
    const wrongPassword = new URL(roleUrl);
    wrongPassword.password = secret;
    wrongPassword.username = 'meridian_no_such_user';
    const wrongDatabase = new URL(roleUrl);
    wrongDatabase.password = secret;
    wrongDatabase.pathname = '/meridian_no_such_db';
    const unreachable = new URL(db.url);
    unreachable.password = secret;
    unreachable.hostname = '127.0.0.1';
    unreachable.port = '1';
    for (const url of [wrongPassword.toString(), wrongDatabase.toString(), unreachable.toString()]) {
      const bad = createPostgisEngine({ url, connectTimeoutMs: 2000 });
      try {
        const error = await failure(bad.run({ sql: 'SELECT 1', params: [] }));
        expect(error.code).toBe('unavailable');
        for (const leak of [secret, '127.0.0.1', url, role, 'meridian_no_such', ':1', 'postgres://'])
          expect(error.message).not.toContain(leak);
        const describeError = await failure(bad.describe());
        expect(describeError.message).not.toContain(secret);
      } finally {
        await bad.close();
      }
    }
  });
});
