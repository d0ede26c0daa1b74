import { MeridianError } from '../../errors/MeridianError.ts';

/** Why a client metadata document could not be fetched, in words an administrator can act on. */
export class CimdFetchError extends MeridianError {
  override readonly code: string = 'cimd_fetch_failed';
  override readonly status: number = 400;
  override readonly showable: boolean = true;

  constructor(readonly reason: string) {
    super(reason);
    this.name = 'CimdFetchError';
  }
}
