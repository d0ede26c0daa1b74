import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../src/engines/Engine.ts';
import { saveTableStatement } from '../../../src/engines/postgis/saveTableStatement.ts';

const select = {
  sql: 'CREATE TABLE "copy" AS WITH "n1" AS (SELECT "id" FROM "public"."places") SELECT "id" FROM "n1"',
  params: [7],
};

describe('saveTableStatement', () => {
  it('qualifies the compiler’s table with the save schema and keeps the query and its parameters', () => {
    expect(saveTableStatement({ table: 'copy', statement: select }, 'saved')).toEqual({
      sql: 'CREATE TABLE "saved"."copy" AS WITH "n1" AS (SELECT "id" FROM "public"."places") SELECT "id" FROM "n1"',
      params: [7],
    });
  });

  it('refuses a statement that is not CREATE TABLE "<that table>" AS a query', () => {
    const cases = [
      { table: 'other', statement: select },
      { table: 'copy', statement: { sql: 'DROP TABLE "copy"', params: [] } },
      { table: 'copy', statement: { sql: 'CREATE TABLE "copy" AS DELETE FROM places', params: [] } },
      { table: 'copy', statement: { sql: 'CREATE TABLE "public"."copy" AS SELECT 1', params: [] } },
    ];
    for (const write of cases) expect(() => saveTableStatement(write, 'saved')).toThrow(EngineError);
  });

  it('refuses table names the compiler would not produce', () => {
    for (const table of ['x"; DROP TABLE places; --', '', 'a.b', '1abc']) {
      expect(() =>
        saveTableStatement(
          { table, statement: { sql: `CREATE TABLE "${table}" AS SELECT 1`, params: [] } },
          'saved',
        ),
      ).toThrow(/letters, digits and _/);
    }
  });
});
