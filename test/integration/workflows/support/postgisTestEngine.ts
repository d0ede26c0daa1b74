import pg from 'pg';
import { createTestDatabase } from '../../../support/postgres.ts';
import { type FixtureTable, tables } from './fixtures.ts';
import type { TestEngine } from './TestEngine.ts';

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** A throwaway PostGIS database with the fixtures; reads run in READ ONLY transactions. */
export async function postgisTestEngine(extra: FixtureTable[] = []): Promise<TestEngine> {
  const database = await createTestDatabase(['postgis']);
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  for (const t of [...tables, ...extra]) {
    const columns = [
      ...t.columns.map((c) => `${quote(c.name)} ${c.pg}`),
      ...(t.geometry ? [`${quote(t.geometry.name)} geometry(${t.geometry.type}, ${t.geometry.srid})`] : []),
    ];
    await client.query(`CREATE TABLE ${quote(t.name)} (${columns.join(', ')})`);
    for (const row of t.rows) {
      const params = [...row.values, ...(t.geometry ? [row.wkt] : [])];
      const placeholders = params.map((_, i) =>
        t.geometry && i === params.length - 1
          ? `ST_GeomFromText($${i + 1}, ${t.geometry.srid})`
          : `$${i + 1}`,
      );
      await client.query(`INSERT INTO ${quote(t.name)} VALUES (${placeholders.join(', ')})`, params);
    }
  }
  return {
    dialect: 'postgis',
    async run(query) {
      return (await client.query(query.sql, query.params)).rows as Record<string, unknown>[];
    },
    async close() {
      await client.end();
      await database.drop();
    },
  };
}
