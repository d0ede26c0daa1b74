import { EngineError } from '../Engine.ts';

/** Why the engine itself stopped a query, so a 57014 is reported as what the caller asked for. */
export type StopReason = 'timeout' | 'cancelled' | undefined;

const networkCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
]);

/**
 * The one text for a server that cannot be reached, whatever the reason: refused, silent,
 * unresolvable, timed out, or answering but not as PostgreSQL. Distinguishing them would turn a
 * connection test into a port scanner of whatever the host can reach.
 */
export const DATABASE_UNREACHABLE_MESSAGE =
  'could not reach the database server (it refused or did not answer, or is not a PostgreSQL server)';

/** Removes every occurrence of the connection's secrets (password, host, user, the URL) from a message. */
export function scrubSecrets(message: string, secrets: readonly string[]): string {
  let out = message;
  for (const secret of secrets) if (secret.length >= 3) out = out.split(secret).join('***');
  return out;
}

/**
 * Maps a `pg` error to an `EngineError` whose message is safe to show a user (G11): connection
 * failures get a fixed description, never the driver's text (which names hosts, ports and
 * users), and the same one for every way of not reaching a server; SQL errors keep PostgreSQL's message, scrubbed of the connection's secrets.
 */
export function toPostgisEngineError(
  error: unknown,
  secrets: readonly string[],
  stopped?: StopReason,
): EngineError {
  if (error instanceof EngineError) return error;
  const e = (error ?? {}) as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';

  if (code === '57014') {
    return stopped === 'cancelled'
      ? new EngineError('cancelled', 'the query was cancelled')
      : new EngineError('timeout', 'the query exceeded its statement timeout and was cancelled');
  }
  if (stopped === 'cancelled') return new EngineError('cancelled', 'the query was cancelled');
  if (stopped === 'timeout')
    return new EngineError('timeout', 'the query exceeded its statement timeout and was cancelled');
  if (code === '42601' && /multiple commands/i.test(message))
    return new EngineError('forbidden', 'only one SQL statement is allowed per query');
  if (code === '25006')
    return new EngineError('forbidden', 'writes are not allowed on this connection (read-only transaction)');
  if (code === '42501')
    return new EngineError('forbidden', `permission denied: ${scrubSecrets(message, secrets)}`);
  if (code === '28P01' || code === '28000')
    return new EngineError('unavailable', 'the database rejected the connection credentials');
  if (code === '3D000')
    return new EngineError('unavailable', 'the database named in the connection does not exist');
  if (code === '53300') return new EngineError('unavailable', 'the database server has too many connections');
  if (code.startsWith('57P'))
    return new EngineError('unavailable', 'the database server is shutting down or restarting');
  if (code.startsWith('08') || networkCodes.has(code))
    return new EngineError('unavailable', DATABASE_UNREACHABLE_MESSAGE);
  if (/^[0-9A-Z]{5}$/.test(code))
    return new EngineError('sql', scrubSecrets(message, secrets) || `database error ${code}`);
  // Connect timeouts, a peer that hangs up or speaks another protocol, TLS refusals: all the same.
  return new EngineError('unavailable', DATABASE_UNREACHABLE_MESSAGE);
}
