import { MeridianError } from '../errors/MeridianError.ts';

/**
 * The store could not be reached while checking a credential. /mcp answers 503 for it, never
 * 401: a 401 would make clients throw away tokens that are perfectly valid.
 */
export class StoreUnavailableError extends MeridianError {
  override readonly code: string = 'store_unavailable';
  override readonly status: number = 503;
  override readonly showable: boolean = true;

  constructor(cause?: unknown) {
    super('the store is unavailable', { cause });
    this.name = 'StoreUnavailableError';
  }
}
