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
