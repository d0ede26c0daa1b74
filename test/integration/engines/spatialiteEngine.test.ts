import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../../src/engines/Engine.ts';
import {
  createSpatialiteEngine,
  type SpatialiteEngine,
} from '../../../src/engines/spatialite/SpatialiteEngine.ts';

/** A query SQLite runs until stopped from outside: an infinite recursive CTE (G8). */
const RUNAWAY = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c';

async function failure(promise: Promise<unknown>): Promise<EngineError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(EngineError);
    return error as EngineError;
  }
  throw new Error('expected the call to fail');
}

describe('SpatialiteEngine (spl.js in worker threads)', () => {
  let dir: string;
  let file: string;
  let engine: SpatialiteEngine;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meridian-spatialite-'));
    file = join(dir, 'test.sqlite');
    const writer = createSpatialiteEngine({ file, readOnly: false });
    await writer.write([
      { sql: 'SELECT InitSpatialMetaData()', params: [] },
      {
        sql: 'CREATE TABLE places (id INTEGER PRIMARY KEY, name TEXT NOT NULL, population INTEGER, geom POINT)',
        params: [],
      },
      {
        sql: 'INSERT INTO places (id, name, population, geom) VALUES (?, ?, ?, MakePoint(?, ?, 4326))',
        rows: Array.from({ length: 5000 }, (_, i) => [
          i + 1,
          `place ${i + 1}`,
          i * 10,
          (i % 360) - 180,
          (i % 170) - 85,
        ]),
      },
      { sql: "SELECT RecoverGeometryColumn('places', 'geom', 4326, 'POINT', 'XY')", params: [] },
      { sql: "SELECT CreateSpatialIndex('places', 'geom')", params: [] },
      { sql: 'CREATE TABLE blobs (b BLOB)', params: [] },
      { sql: 'INSERT INTO blobs VALUES (?)', params: [new Uint8Array([1, 2, 3])] },
    ]);
    await writer.close();
    engine = createSpatialiteEngine({ file, poolSize: 2 });
  });

  afterAll(async () => {
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('describes tables, columns, geometry type, SRID and row counts from SpatiaLite metadata', async () => {
    const catalog = await engine.describe();
    expect(catalog.schemas).toEqual(['main']);
    expect(catalog.tables.map((t) => t.name)).toEqual(['blobs', 'places']);
    const places = catalog.tables.find((t) => t.name === 'places')!;
    expect(places.rowEstimate).toBe(5000);
    expect(places.columns).toEqual([
      { name: 'id', type: 'integer', nullable: true },
      { name: 'name', type: 'text', nullable: false },
      { name: 'population', type: 'integer', nullable: true },
      {
        name: 'geom',
        type: 'geometry',
        nullable: true,
        geometryType: 'POINT',
        srid: 4326,
        spatialIndexTable: 'idx_places_geom',
      },
    ]);
  });

  it('runs a parameterised query and returns values as SQL gives them', async () => {
    const result = await engine.run({
      sql: 'SELECT id, name, AsGeoJSON(geom) AS geojson, ? AS big, ? AS label FROM places WHERE id = ?',
      params: [3_000_000_000, "'; DROP TABLE places; --", 181],
    });
    expect(result.truncated).toBe(false);
    expect(result.rows).toEqual([
      {
        id: 181,
        name: 'place 181',
        geojson: '{"type":"Point","coordinates":[0,-75]}',
        big: 3_000_000_000,
        label: "'; DROP TABLE places; --",
      },
    ]);
    expect(result.columns).toEqual([
      { name: 'id', type: 'integer' },
      { name: 'name', type: 'text' },
      { name: 'geojson', type: 'text' },
      { name: 'big', type: 'integer' },
      { name: 'label', type: 'text' },
    ]);
    const blobs = await engine.run({ sql: 'SELECT b FROM blobs', params: [] });
    expect(blobs.rows[0]!.b).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('caps rows with maxRows and says so', async () => {
    const capped = await engine.run(
      { sql: 'SELECT id FROM places ORDER BY id', params: [] },
      { maxRows: 10 },
    );
    expect(capped.rowCount).toBe(10);
    expect(capped.truncated).toBe(true);
    expect(capped.rows.map((r) => r.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const exact = await engine.run(
      { sql: 'SELECT id FROM places WHERE id <= 10', params: [] },
      { maxRows: 10 },
    );
    expect(exact.truncated).toBe(false);
  });

  it('streams in batches', async () => {
    const sizes: number[] = [];
    let last = 0;
    for await (const batch of engine.stream(
      { sql: 'SELECT id FROM places ORDER BY id', params: [] },
      { batchSize: 1200 },
    )) {
      sizes.push(batch.length);
      last = batch[batch.length - 1]!.id as number;
    }
    expect(sizes).toEqual([1200, 1200, 1200, 1200, 200]);
    expect(last).toBe(5000);
    let streamed = 0;
    for await (const batch of engine.stream(
      { sql: 'SELECT id FROM places', params: [] },
      { batchSize: 1000, maxRows: 2500 },
    ))
      streamed += batch.length;
    expect(streamed).toBe(2500);
  });

  describe('issue 12: streaming steps one statement in bounded batches', () => {
    /** 300 000 rows; the last one fails (integer overflow), so it only fails once it is reached. */
    const LATE_FAILURE = {
      sql: 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) SELECT i, CASE WHEN i = 300000 THEN abs(-9223372036854775808) ELSE i * 2 END AS twice FROM n',
      params: [],
    };

    it('delivers the first rows before the last are produced, in many batches', async () => {
      let batches = 0;
      let rows = 0;
      const error = await failure(
        (async () => {
          for await (const batch of engine.stream(LATE_FAILURE, { batchSize: 1000 })) {
            batches++;
            rows += batch.length;
            expect(batch[0]!.twice).toBe((batch[0]!.i as number) * 2);
          }
        })(),
      );
      // Materialising the whole result first would fail before a single row was delivered.
      expect(rows).toBe(299_000);
      expect(batches).toBe(299);
      expect(error.code).toBe('sql');
      expect(error.message).toMatch(/integer overflow/);
    });

    it('stops stepping when the consumer stops early, and the worker answers the next query at once', async () => {
      const single = createSpatialiteEngine({ file, poolSize: 1 });
      try {
        const seen: number[] = [];
        for await (const batch of single.stream(LATE_FAILURE, { batchSize: 1000 })) {
          seen.push(batch[0]!.i as number);
          if (seen.length === 3) break;
        }
        // the failing last row was never stepped to
        expect(seen).toEqual([1, 1001, 2001]);
        const after = await single.run({ sql: 'SELECT count(*) AS n FROM places', params: [] });
        expect(after.rows[0]!.n).toBe(5000);
        expect(single.workers).toBe(1);
      } finally {
        await single.close();
      }
    });

    it('finalizes the statement when the consumer stops early: the table it read can be dropped at once', async () => {
      const ownDir = mkdtempSync(join(tmpdir(), 'meridian-spatialite-stream-'));
      const writer = createSpatialiteEngine({ file: join(ownDir, 'db.sqlite'), readOnly: false });
      try {
        await writer.write([
          { sql: 'CREATE TABLE t (x INTEGER)', params: [] },
          { sql: 'INSERT INTO t VALUES (?)', rows: Array.from({ length: 5000 }, (_, i) => [i]) },
        ]);
        for await (const batch of writer.stream({ sql: 'SELECT x FROM t', params: [] }, { batchSize: 100 })) {
          expect(batch).toHaveLength(100);
          break;
        }
        // SQLite refuses to drop a table a pending statement still reads ("database table is locked").
        await writer.write([{ sql: 'DROP TABLE t', params: [] }]);
        const left = await writer.run({
          sql: "SELECT count(*) AS n FROM sqlite_master WHERE name = 't'",
          params: [],
        });
        expect(left.rows[0]!.n).toBe(0);
      } finally {
        await writer.close();
        rmSync(ownDir, { recursive: true, force: true });
      }
    });

    it('cancels between batches and keeps answering', async () => {
      const controller = new AbortController();
      let rows = 0;
      const error = await failure(
        (async () => {
          for await (const batch of engine.stream(LATE_FAILURE, {
            batchSize: 1000,
            signal: controller.signal,
          })) {
            rows += batch.length;
            controller.abort();
          }
        })(),
      );
      expect(error.code).toBe('cancelled');
      expect(rows).toBe(1000);
      const after = await engine.run({ sql: 'SELECT max(id) AS n FROM places', params: [] });
      expect(after.rows[0]!.n).toBe(5000);
    });

    it('stops a stream whose stepping outlasts its timeout, and keeps answering', async () => {
      // never yields a row and never ends: the time is spent inside a batch, not at the open
      const endless =
        'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c WHERE x < 0';
      await engine.run({ sql: 'SELECT 1', params: [] }); // a worker is up: the time goes to stepping
      const error = await failure(
        (async () => {
          for await (const batch of engine.stream({ sql: endless, params: [] }, { timeoutMs: 500 }))
            void batch;
        })(),
      );
      expect(error.code).toBe('timeout');
      const after = await engine.run({ sql: 'SELECT count(*) AS n FROM places', params: [] });
      expect(after.rows[0]!.n).toBe(5000);
    });

    it("does not count the consumer's pace between batches against the timeout", async () => {
      let rows = 0;
      for await (const batch of engine.stream(
        { sql: 'SELECT id FROM places WHERE id <= 50', params: [] },
        { batchSize: 10, timeoutMs: 1000 },
      )) {
        rows += batch.length;
        await new Promise((done) => setTimeout(done, 300));
      }
      expect(rows).toBe(50);
    });

    it('reads values and column names exactly as run() does', async () => {
      const query = {
        sql: "SELECT id, name, id AS id, population / 3.0 AS third, NULL AS empty, AsBinary(geom) AS wkb, ? AS p, ? AS q FROM places WHERE id <= 1200 UNION ALL SELECT 0, 'x', 0, 0.5, NULL, b, ?, ? FROM blobs",
        params: ['café', 7, 2.5, new Uint8Array([9, 8])],
      };
      const ran = await engine.run(query, { maxRows: 5000 });
      const streamed: Record<string, unknown>[] = [];
      for await (const batch of engine.stream(query, { batchSize: 500 })) streamed.push(...batch);
      expect(streamed).toEqual(ran.rows);
      expect(Object.keys(streamed[0]!)).toEqual(['id', 'name', 'id:1', 'third', 'empty', 'wkb', 'p', 'q']);
      expect(streamed.at(-1)!.wkb).toEqual(new Uint8Array([1, 2, 3]));
    });
  });

  it('uses the spatial index through the SpatialIndex virtual table', async () => {
    const result = await engine.run({
      sql: "SELECT count(*) AS n FROM places WHERE ROWID IN (SELECT ROWID FROM SpatialIndex WHERE f_table_name = 'places' AND search_frame = BuildMbr(-10, -10, 10, 10, 4326))",
      params: [],
    });
    expect(result.rows[0]!.n).toBeGreaterThan(0);
  });

  it('stops a runaway query at its timeout by restarting the worker, and keeps answering', async () => {
    const started = Date.now();
    const error = await failure(engine.run({ sql: RUNAWAY, params: [] }, { timeoutMs: 300 }));
    expect(error.code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(3000);
    const after = await engine.run({ sql: 'SELECT count(*) AS n FROM places', params: [] });
    expect(after.rows[0]!.n).toBe(5000);
  });

  it('stops a runaway query when its signal aborts, and keeps answering', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const error = await failure(
      engine.run({ sql: RUNAWAY, params: [] }, { signal: controller.signal, timeoutMs: 20_000 }),
    );
    expect(error.code).toBe('cancelled');
    const after = await engine.run({ sql: 'SELECT max(id) AS n FROM places', params: [] });
    expect(after.rows[0]!.n).toBe(5000);
  });

  it('never blocks the event loop while a query runs', async () => {
    let ticks = 0;
    const interval = setInterval(() => ticks++, 10);
    await failure(engine.run({ sql: RUNAWAY, params: [] }, { timeoutMs: 500 }));
    clearInterval(interval);
    expect(ticks).toBeGreaterThan(20);
  });

  it('runs queries in parallel on the pool and queues the rest', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => engine.run({ sql: 'SELECT ? AS i', params: [i] })),
    );
    expect(results.map((r) => r.rows[0]!.i)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('fails fast when the queue is full', async () => {
    const small = createSpatialiteEngine({ file, poolSize: 1, maxQueue: 1 });
    try {
      await small.run({ sql: 'SELECT 1', params: [] }); // the worker is up: the next query runs, one waits
      const running = small.run({ sql: RUNAWAY, params: [] }, { timeoutMs: 3000 });
      const queued = small.run({ sql: 'SELECT 1', params: [] }, { timeoutMs: 5000 });
      const rejected = await failure(small.run({ sql: 'SELECT 1', params: [] }));
      expect(rejected.code).toBe('unavailable');
      expect((await failure(running)).code).toBe('timeout');
      expect((await queued).rowCount).toBe(1);
    } finally {
      await small.close();
    }
  });

  describe('security (SECURITY-TESTS G5, G6, G7)', () => {
    it('has none of the file, network or eval functions registered (SPATIALITE_SECURITY=strict)', async () => {
      const result = await engine.run({
        sql: `SELECT count(*) AS n FROM pragma_function_list WHERE name IN
              ('blobfromfile','blobtofile','eval','importshp','exportshp','importdbf','exportdbf','importdxf','importdxffromdir',
               'exportdxf','importgeojson','exportgeojson','exportgeojson2','exportkml','importzipshp','importzipdbf','importwfs',
               'importxls','load_extension','sqlproc_fromfile','sqlproc_setlogfile','readfile','writefile')`,
        params: [],
      });
      expect(result.rows[0]!.n).toBe(0);
    });

    it.each([
      ["SELECT load_extension('/tmp/evil.so')", 'forbidden'],
      ["SELECT BlobFromFile('/etc/passwd')", 'forbidden'],
      ["SELECT BlobToFile(x'00', '/tmp/meridian-x')", 'forbidden'],
      ["SELECT ImportSHP('/tmp/x', 't', 'UTF-8')", 'forbidden'],
      ["SELECT ExportSHP('places', 'geom', '/tmp/x', 'UTF-8')", 'forbidden'],
      ["SELECT ImportWFS('http://127.0.0.1:9/wfs', 'layer', 't')", 'forbidden'],
      ["SELECT ImportDXF('/tmp/x.dxf')", 'forbidden'],
      ["SELECT ExportGeoJSON2('places', 'geom', '/tmp/x.geojson')", 'forbidden'],
      ["SELECT eval('DELETE FROM places')", 'forbidden'],
      ["SELECT SqlProc_Execute(SqlProc_FromText('PRAGMA query_only=0'))", 'forbidden'],
      ["ATTACH DATABASE '/tmp/meridian-attach.db' AS x", 'forbidden'],
      ['DETACH DATABASE x', 'forbidden'],
      ['PRAGMA query_only = 0', 'forbidden'],
      ['SELECT 1; DROP TABLE places', 'forbidden'],
      ['COMMIT; DROP TABLE places', 'forbidden'],
      ['DELETE FROM places', 'forbidden'],
      ["SELECT DropTable(NULL, 'places')", 'forbidden'],
    ])('refuses %s', async (sql, code) => {
      const error = await failure(engine.run({ sql, params: [] }));
      expect(error.code).toBe(code);
      const still = await engine.run({ sql: 'SELECT count(*) AS n FROM places', params: [] });
      expect(still.rows[0]!.n).toBe(5000);
    });

    it('lets SpatiaLite admin functions change nothing on a read handle (query_only)', async () => {
      // one worker, so the checks read the very copy the admin functions ran against
      const single = createSpatialiteEngine({ file, poolSize: 1 });
      try {
        await single.run({ sql: "SELECT DropGeoTable('places')", params: [] });
        await single.run({ sql: "SELECT CreateSpatialIndex('blobs', 'b')", params: [] });
        const meta = await single.run({
          sql: 'SELECT f_table_name AS t, spatial_index_enabled AS e FROM geometry_columns',
          params: [],
        });
        expect(meta.rows).toEqual([{ t: 'places', e: 1 }]);
        const count = await single.run({ sql: 'SELECT count(*) AS n FROM places', params: [] });
        expect(count.rows[0]!.n).toBe(5000);
      } finally {
        await single.close();
      }
    });

    it('refuses write() on a read-only handle', async () => {
      const error = await failure(engine.write([{ sql: 'DELETE FROM places', params: [] }]));
      expect(error.code).toBe('forbidden');
    });

    it('reports SQL errors without host paths', async () => {
      const error = await failure(engine.run({ sql: 'SELECT * FROM no_such_table', params: [] }));
      expect(error.code).toBe('sql');
      expect(error.message).toMatch(/no such table/);
      expect(error.message).not.toContain(dir);
    });
  });

  it('follows the file when a writable handle replaces it', async () => {
    const writer = createSpatialiteEngine({ file, readOnly: false });
    try {
      await writer.write([{ sql: "INSERT INTO blobs VALUES (x'04')", params: [] }]);
    } finally {
      await writer.close();
    }
    const result = await engine.run({ sql: 'SELECT count(*) AS n FROM blobs', params: [] });
    expect(result.rows[0]!.n).toBe(2);
  });

  it('opens the file through a private link it removes at once: nothing is left beside the file', async () => {
    const reader = createSpatialiteEngine({ file, poolSize: 1 });
    try {
      const result = await reader.run({ sql: 'SELECT count(*) AS n FROM places', params: [] });
      expect(result.rows[0]!.n).toBeGreaterThan(0);
      expect(readdirSync(dir).filter((name) => name !== 'test.sqlite')).toEqual([]);
    } finally {
      await reader.close();
    }
  });

  it('stops a worker left idle (its memory goes back) and starts one for the next query', async () => {
    const lazy = createSpatialiteEngine({ file, poolSize: 2, idleTimeoutMs: 200 });
    try {
      expect(lazy.workers).toBe(0);
      await lazy.run({ sql: 'SELECT 1 AS one', params: [] });
      expect(lazy.workers).toBe(1);
      const until = Date.now() + 10_000;
      while (lazy.workers > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(lazy.workers).toBe(0);
      const again = await lazy.run({ sql: 'SELECT count(*) AS n FROM places', params: [] });
      expect(again.rows[0]!.n).toBeGreaterThan(0);
    } finally {
      await lazy.close();
    }
  });

  it('fails clearly when the file does not exist', async () => {
    const missing = createSpatialiteEngine({ file: join(dir, 'missing.sqlite') });
    try {
      const error = await failure(missing.run({ sql: 'SELECT 1', params: [] }));
      expect(error.code).toBe('unavailable');
      expect(error.message).not.toContain(dir);
    } finally {
      await missing.close();
    }
  });
});
