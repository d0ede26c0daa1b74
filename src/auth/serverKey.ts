import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The server's secret key (signing, at-rest encryption of connection credentials). Given by
 * MERIDIAN_SECRET_KEY, or generated into the data dir on first start with owner-only
 * permissions. Several processes sharing a PostgreSQL store must be given the same key.
 */
export function loadOrCreateServerKey(dataDir: string, given?: string): Buffer {
  if (given) return Buffer.from(given, 'base64url');
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'secret.key');
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8').trim();
    const key = Buffer.from(text, 'base64url');
    if (key.length < 32)
      throw new Error(`the secret key in ${file} is shorter than 32 bytes; delete it to generate a new one`);
    return key;
  }
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
  return key;
}
