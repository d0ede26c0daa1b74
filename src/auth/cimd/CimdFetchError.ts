/** Why a client metadata document could not be fetched, in words an administrator can act on. */
export class CimdFetchError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'CimdFetchError';
  }
}
