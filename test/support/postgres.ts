import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { describe } from 'vitest';

/**
 * PostgreSQL for tests. `.ci/run` sets MERIDIAN_TEST_PG_URL; locally it defaults to the
 * trust-auth server on 127.0.0.1:5432. Outside CI an unreachable server skips the suite with
 * one loud line; under CI=true the suite fails instead, so a missing database never passes.
 */
export const adminUrl = process.env.MERIDIAN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

let reachable: Promise<boolean> | undefined;

export function postgresReachable(): Promise<boolean> {
  reachable ??= (async () => {
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return reachable;
}

const available = await postgresReachable();
if (!available) {
  if (process.env.CI === 'true') {
    throw new Error(
      `CI=true but PostgreSQL is not reachable at ${adminUrl}: PostgreSQL suites must run in CI`,
    );
  }
  console.warn(
    `\n!!! PostgreSQL not reachable at ${adminUrl}: SKIPPING PostgreSQL suites (set MERIDIAN_TEST_PG_URL)\n`,
  );
}

/** `describe` that runs only when PostgreSQL is reachable (and throws above under CI when not). */
export const describeWithPostgres = available ? describe : describe.skip;

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh, uniquely named database (optionally with extensions), dropped by `drop()`. */
export async function createTestDatabase(extensions: string[] = []): Promise<TestDatabase> {
  const name = `meridian_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  if (extensions.length) {
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      for (const ext of extensions) await client.query(`create extension if not exists "${ext}"`);
    } finally {
      await client.end();
    }
  }
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}
