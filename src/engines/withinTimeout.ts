import { EngineError } from './Engine.ts';

/**
 * Settles like `work`, or rejects with EngineError('timeout') after `ms`: for interactive
 * requests (a connection test, a catalog for a page) that must answer even when a server hangs.
 * The work itself is not cancelled; engine calls carry their own statement timeouts.
 */
export async function withinTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new EngineError('timeout', `no answer within ${Math.round(ms / 1000)} s`)),
      ms,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
