import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { createStore, type Store } from '../../../src/store/createStore.ts';
import { migrateToLatest } from '../../../src/store/migrate.ts';
import { createOrganization } from '../../../src/store/repositories/organizations.ts';
import { reusableQuery } from '../../../src/store/reusableQuery.ts';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../../support/postgres.ts';

const orgBySlugAndName = reusableQuery(
  (db, slug: string, name: string) =>
    db
      .selectFrom('organizations')
      .select(['id', 'slug'])
      .where('slug', '=', slug)
      .where('name', '=', name)
      .where('slug', '!=', 'a constant'),
  2,
);

function suite(label: string, open: () => Promise<{ store: Store; cleanup(): Promise<void> }>) {
  describe(`reusableQuery on ${label}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await open());
      await migrateToLatest(store.db as never);
      await createOrganization(store.db, 'Acme', 'acme');
      await createOrganization(store.db, 'Globex', 'globex');
    });
    afterAll(async () => {
      await store.db.destroy();
      await cleanup();
    });

    it('binds fresh values on every run of the statement compiled once', async () => {
      expect((await orgBySlugAndName(store.db, 'acme', 'Acme')).map((row) => row.slug)).toEqual(['acme']);
      expect((await orgBySlugAndName(store.db, 'globex', 'Globex')).map((row) => row.slug)).toEqual([
        'globex',
      ]);
      // Arguments keep their positions: swapping them matches nothing.
      expect(await orgBySlugAndName(store.db, 'Acme', 'acme')).toEqual([]);
      expect(await orgBySlugAndName(store.db, "acme' or '1'='1", 'Acme')).toEqual([]);
    });

    it('refuses a builder that does not bind each argument exactly once', async () => {
      const unbound = reusableQuery((db, _slug: string) => db.selectFrom('organizations').select('id'), 1);
      await expect(unbound(store.db, 'acme')).rejects.toThrow(
        /each of the 1 arguments must be bound exactly once/,
      );
      const twice = reusableQuery(
        (db, slug: string) =>
          db.selectFrom('organizations').select('id').where('slug', '=', slug).where('name', '=', slug),
        1,
      );
      await expect(twice(store.db, 'acme')).rejects.toThrow(/bound exactly once \(got 0, 0\)/);
      const inText = reusableQuery(
        (db, slug: string) =>
          db
            .selectFrom('organizations')
            .select('id')
            .where(sql.raw(`slug = '${slug}'`) as never),
        1,
      );
      await expect(inText(store.db, 'acme')).rejects.toThrow(/bound exactly once \(got none\)/);
    });
  });
}

suite('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-reusable-'));
  return {
    store: createStore({ dataDir: dir }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describeWithPostgres('PostgreSQL', () => {
  let database: TestDatabase;
  suite('PostgreSQL', async () => {
    database = await createTestDatabase();
    return {
      store: createStore({ dataDir: tmpdir(), databaseUrl: database.url }),
      cleanup: () => database.drop(),
    };
  });
});
