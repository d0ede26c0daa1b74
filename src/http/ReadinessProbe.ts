import type { Logger } from 'pino';
import type { Store } from '../store/createStore.ts';
import { StoreNotWritableError } from '../store/checkStoreWritable.ts';

export type Readiness = { ready: true } | { ready: false; detail: string };

/**
 * What /readyz answers: whether the store is reachable and takes writes. A store that answers
 * reads but refuses writes (full disk, read-only) cannot run jobs or record sign-ins, so it is
 * not ready. One probe per `cacheMs` at most, shared by concurrent requests, so /readyz cannot
 * be used to hammer the store; the log says when readiness changes, not on every probe.
 */
export class ReadinessProbe {
  private last: { at: number; result: Promise<Readiness> } | undefined;
  private wasReady = true;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly cacheMs = 1000,
  ) {}

  check(now = Date.now()): Promise<Readiness> {
    if (this.last && now - this.last.at < this.cacheMs) return this.last.result;
    const result = this.probe();
    this.last = { at: now, result };
    return result;
  }

  private async probe(): Promise<Readiness> {
    let readiness: Readiness;
    let cause: unknown;
    try {
      await this.store.checkWritable();
      readiness = { ready: true };
    } catch (error) {
      cause = error;
      readiness = {
        ready: false,
        detail:
          error instanceof StoreNotWritableError
            ? `store not writable: ${error.message}`
            : (await this.reachable())
              ? 'store not writable'
              : 'the store is unreachable',
      };
    }
    if (readiness.ready !== this.wasReady) {
      if (readiness.ready) this.logger.info('the store takes writes again: ready');
      else this.logger.warn({ err: cause, detail: readiness.detail }, 'not ready');
      this.wasReady = readiness.ready;
    }
    return readiness;
  }

  private async reachable(): Promise<boolean> {
    try {
      await this.store.ping();
      return true;
    } catch {
      return false;
    }
  }
}
