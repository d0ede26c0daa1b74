import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../src/engines/Engine.ts';
import { checkSpatialiteSql } from '../../../src/engines/spatialite/checkSpatialiteSql.ts';

function refusal(sql: string, params: unknown[] = [], mode: 'read' | 'write' = 'read'): EngineError {
  try {
    checkSpatialiteSql(sql, params, mode);
  } catch (error) {
    expect(error).toBeInstanceOf(EngineError);
    return error as EngineError;
  }
  throw new Error(`expected a refusal for: ${sql}`);
}

describe('checkSpatialiteSql (G5: one statement)', () => {
  it.each([
    'select 1; drop table t',
    'select 1;drop table t;',
    'COMMIT; DROP TABLE t',
    "select 1; ATTACH DATABASE '/tmp/x' AS x",
    'select 1 /* c */ ; select 2',
    "select 'a'; select 'b'",
  ])('refuses a second statement: %s', (sql) => {
    const error = refusal(sql);
    expect(error.code).toBe('forbidden');
  });

  it('accepts trailing semicolons and semicolons inside strings, identifiers and comments', () => {
    expect(checkSpatialiteSql('select 1;;').sql).toBe('select 1');
    expect(checkSpatialiteSql('select \';\' as "a;b" -- ; drop\n').sql).toBe('select \';\' as "a;b"');
    expect(checkSpatialiteSql('select 1 /* ; select 2 */').sql).toBe('select 1');
    expect(checkSpatialiteSql("select 'it''s; fine'").sql).toBe("select 'it''s; fine'");
  });

  it('only lets SELECT, WITH and VALUES through on read handles', () => {
    for (const sql of [
      'insert into t values (1)',
      'delete from t',
      'drop table t',
      'create table x(a)',
      'begin',
      'update t set a = 1',
    ]) {
      expect(refusal(sql).code).toBe('forbidden');
    }
    expect(() => checkSpatialiteSql('with a as (select 1) select * from a')).not.toThrow();
    expect(() => checkSpatialiteSql('values (1), (2)')).not.toThrow();
    expect(() => checkSpatialiteSql('create table x (a)', [], 'write')).not.toThrow();
    expect(refusal('begin', [], 'write').code).toBe('forbidden');
  });
});

describe('checkSpatialiteSql (G7: files, extensions, attach)', () => {
  it.each([
    "select load_extension('/tmp/evil.so')",
    "select BlobFromFile('/etc/passwd')",
    "select BlobToFile(x'00', '/tmp/x')",
    "select ImportSHP('/tmp/x', 't', 'UTF-8')",
    "select ExportSHP('t', 'geom', '/tmp/x', 'UTF-8')",
    "select ImportWFS('http://example.com/wfs', 'layer', 't')",
    "select ImportDXF('/tmp/x.dxf')",
    "select ExportGeoJSON2('t', 'geom', '/tmp/x.geojson')",
    "select ImportGeoJSON('/tmp/x.geojson', 't')",
    "select eval('drop table t')",
    "select SqlProc_Execute(SqlProc_FromText('PRAGMA query_only=0'))",
    "select StoredProc_Execute('p')",
    'select "BlobFromFile"(\'/etc/passwd\')',
    "select [blobfromfile]('/etc/passwd')",
    "select `BLOBFROMFILE` ('/etc/passwd')",
    "select PROJ_SetDatabasePath('/tmp/x')",
    'select BufferOptions_SetQuadrantSegments(1)',
    "select * from t where x in (select ImportXLS('/tmp/x.xls', 't'))",
  ])('refuses %s', (sql) => {
    expect(refusal(sql).code).toBe('forbidden');
  });

  it.each([
    "ATTACH DATABASE '/tmp/x' AS x",
    'DETACH x',
    'PRAGMA query_only = 0',
    "VACUUM INTO '/tmp/copy.db'",
  ])('refuses %s on read and write handles', (sql) => {
    expect(refusal(sql, [], 'read').code).toBe('forbidden');
    expect(refusal(sql, [], 'write').code).toBe('forbidden');
  });

  it('refuses CREATE VIRTUAL TABLE (VirtualShape and friends read files)', () => {
    expect(
      refusal("CREATE VIRTUAL TABLE s USING VirtualShape('/tmp/x', 'UTF-8', 4326)", [], 'write').code,
    ).toBe('forbidden');
  });

  it('does not mistake columns or strings for denied functions', () => {
    expect(() => checkSpatialiteSql("select import, 'BlobFromFile(x)' from t")).not.toThrow();
    expect(() => checkSpatialiteSql('select ST_Buffer(geom, 1) from t')).not.toThrow();
  });
});

describe('checkSpatialiteSql parameters', () => {
  it('requires exactly as many values as placeholders', () => {
    expect(refusal('select ?, ?', [1]).code).toBe('sql');
    expect(refusal('select ?', [1, 2]).code).toBe('sql');
    expect(checkSpatialiteSql('select ?2, ?1', [1, 2]).params).toEqual([1, 2]);
  });

  it('refuses named parameters, non-finite numbers and objects', () => {
    expect(refusal('select :name', ['x']).message).toMatch(/named parameter/);
    expect(refusal('select ?', [Number.NaN]).message).toMatch(/finite/);
    expect(refusal('select ?', [Number.POSITIVE_INFINITY]).message).toMatch(/finite/);
    expect(refusal('select ?', [{ a: 1 }]).message).toMatch(/unsupported type/);
    expect(refusal('select ?', [[1, 2]]).message).toMatch(/unsupported type \(array\)/);
    expect(refusal('select ?', [2n ** 70n]).message).toMatch(/64-bit/);
  });

  it('casts integers beyond 32 bits from text, because spl.js binds integers as int32', () => {
    const checked = checkSpatialiteSql('select ? as a, ? as b, ? as c', [1, 3_000_000_000, 2n ** 62n]);
    expect(checked.sql).toBe('select ? as a, CAST(?2 AS INTEGER) as b, CAST(?3 AS INTEGER) as c');
    expect(checked.params).toEqual([1, '3000000000', String(2n ** 62n)]);
  });

  it('binds strings holding SQL as data', () => {
    const checked = checkSpatialiteSql('select * from t where name = ?', ["'; DROP TABLE t; --"]);
    expect(checked.sql).toBe('select * from t where name = ?');
    expect(checked.params).toEqual(["'; DROP TABLE t; --"]);
  });
});
