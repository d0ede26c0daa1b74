import SqliteDatabase from 'better-sqlite3';
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Keeps a second `meridian serve` off a data dir whose SQLite store is already served.
 * An exclusive SQLite transaction on a lock file is held for the server's lifetime: the OS
 * releases it if the process dies, so a crash never leaves a stale lock behind. CLI commands
 * (`meridian user`, `token`) do not take it and work beside a running server.
 */
export class ServeLock {
  private constructor(private readonly lock: SqliteDatabase.Database) {}

  static acquire(dataDir: string): ServeLock {
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, 'serve.lock');
    const lock = new SqliteDatabase(file, { timeout: 0 });
    try {
      lock.pragma('locking_mode = EXCLUSIVE');
      lock.exec('create table if not exists holder (pid integer)');
      lock.exec('begin exclusive');
    } catch {
      lock.close();
      let holder = '';
      try {
        holder = readFileSync(`${file}.pid`, 'utf8').trim();
      } catch {
        /* no pid file: say nothing about the holder */
      }
      throw new Error(
        `another Meridian server is already serving the data dir ${dataDir}${holder ? ` (pid ${holder})` : ''}; ` +
          'stop it, or set MERIDIAN_DATA_DIR to another folder',
      );
    }
    writeFileSync(`${file}.pid`, String(process.pid));
    return new ServeLock(lock);
  }

  release(): void {
    if (this.lock.open) {
      this.lock.exec('rollback');
      this.lock.close();
    }
  }
}
