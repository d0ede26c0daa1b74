import SPL from 'spl.js';
import { type FixtureTable, tables } from './fixtures.ts';
import type { TestEngine } from './TestEngine.ts';

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * spl.js used directly and synchronously (the engines branch wraps it in a worker). autoJSON is
 * off so GeoJSON comes back as text, as the compiler's column schema says.
 */
export async function spatialiteTestEngine(extra: FixtureTable[] = []): Promise<TestEngine> {
  const spl = await SPL({ autoJSON: false, autoGeoJSON: false } as never);
  const db = spl.db();
  db.exec('SELECT InitSpatialMetadata(1)');
  for (const t of [...tables, ...extra]) {
    db.exec(
      `CREATE TABLE ${quote(t.name)} (${t.columns.map((c) => `${quote(c.name)} ${c.sqlite}`).join(', ')})`,
    );
    if (t.geometry)
      db.exec(`SELECT AddGeometryColumn(?, ?, ?, ?, 'XY')`, [
        t.name,
        t.geometry.name,
        t.geometry.srid,
        t.geometry.type,
      ]);
    const names = [...t.columns.map((c) => quote(c.name)), ...(t.geometry ? [quote(t.geometry.name)] : [])];
    const values = [
      ...t.columns.map(() => '?'),
      ...(t.geometry ? [`GeomFromText(?, ${t.geometry.srid})`] : []),
    ];
    for (const row of t.rows) {
      db.exec(`INSERT INTO ${quote(t.name)} (${names.join(', ')}) VALUES (${values.join(', ')})`, [
        ...row.values,
        ...(t.geometry ? [row.wkt] : []),
      ]);
    }
  }
  return {
    dialect: 'spatialite',
    async run(query) {
      return db.exec(query.sql, query.params as never[]).get.objs as Record<string, unknown>[];
    },
    async close() {
      db.close();
    },
  };
}
