import type { Kysely } from 'kysely';
import { statfs } from 'node:fs/promises';
import type { Database } from './schema.ts';
import { MeridianError } from '../errors/MeridianError.ts';

/**
 * Below this much free space on the disk holding a SQLite store, the store counts as not
 * writable: a result page is hundreds of kilobytes, and SQLite can still commit a one-row update
 * on a full disk by reusing WAL space a checkpoint freed, so the heartbeat write alone would
 * report a full disk as writable.
 */
export const MIN_FREE_BYTES = 8 * 1024 * 1024;

/** The store refused a write, with a reason safe to show (no paths, no SQL). */
export class StoreNotWritableError extends MeridianError {
  override name = 'StoreNotWritableError';
  override readonly code: string = 'store_not_writable';
  override readonly status: number = 503;
  override readonly showable: boolean = false;
}

/**
 * Proves the store takes writes: rewrites the heartbeat row (refused by a full disk, a
 * read-only file system or database, a read-only PostgreSQL replica) and, for a SQLite store,
 * checks the free space on its disk. Throws StoreNotWritableError; an unreachable store throws
 * the driver's error.
 */
export async function checkStoreWritable(db: Kysely<Database>, sqliteDataDir?: string): Promise<void> {
  const now = Date.now();
  try {
    await db
      .insertInto('store_heartbeat')
      .values({ id: 'readyz', beat_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ beat_at: now }))
      .execute();
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === '53100')
      throw new StoreNotWritableError('no space left on the disk holding the store', { cause: error });
    if (code === 'SQLITE_READONLY' || code === '25006')
      throw new StoreNotWritableError('the store is read-only', { cause: error });
    if (typeof code === 'string' && /^(SQLITE_|[0-9A-Z]{5}$)/.test(code))
      throw new StoreNotWritableError(`the store refused a write (${code})`, { cause: error });
    throw error;
  }
  if (sqliteDataDir !== undefined) {
    const disk = await statfs(sqliteDataDir);
    const free = disk.bavail * disk.bsize;
    if (free < MIN_FREE_BYTES) {
      throw new StoreNotWritableError(
        `the disk holding the store has ${Math.floor(free / 1024)} KiB free, less than the ${MIN_FREE_BYTES / 1024 / 1024} MiB it needs`,
      );
    }
  }
}
