import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A random 128-bit identifier, base64url: unguessable, never sequential. */
export function randomId(bytes = 16): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * Hash of a high-entropy secret (token, session id). A fast hash is right here: the secrets are
 * 256-bit random, so there is nothing to brute-force; passwords use scrypt instead.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time string equality (length leaks, content does not). */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  if (ab.length !== bb.length) {
    timingSafeEqual(ab, ab);
    return false;
  }
  return timingSafeEqual(ab, bb);
}
