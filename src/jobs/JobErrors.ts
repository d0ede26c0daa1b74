/** A submission the queue refuses: the org or user has too much in flight. Never a hang. */
export class QueueFullError extends Error {
  override name = 'QueueFullError';
}

/** The same idempotency key was used before with a different input. */
export class IdempotencyConflictError extends Error {
  override name = 'IdempotencyConflictError';
}

/**
 * A failure whose message is safe to show the user and the model (no SQL, DSN or host). Any
 * other error thrown by a handler is reported as a generic failure and logged.
 */
export class JobFailure extends Error {
  override name = 'JobFailure';
}

/** SQLite's SQLITE_FULL, the OS's ENOSPC and PostgreSQL's disk_full (53100): the store's disk is full (R9). */
export function isDiskFull(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || code === '53100';
}

export const DISK_FULL_MESSAGE =
  'The server ran out of disk space (no space left on device) while storing the result, so none of it was kept; ask an administrator to free space, then run it again.';
