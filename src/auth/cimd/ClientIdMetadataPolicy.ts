import { errors } from 'oidc-provider';

export interface ClientIdMetadataPolicyOptions {
  /** Our own origin: a client_id there would make us fetch ourselves. */
  ownOrigin: string;
  /** Distinct documents one address may make us fetch per minute. */
  fetchesPerMinutePerAddress?: number;
  maxUrlLength?: number;
}

/**
 * What oidc-provider asks before fetching a client ID metadata document. It already refuses
 * non-https URLs, fragments, userinfo and dot segments; we add what the draft asks and it does
 * not check (a path is required: `https://host` alone is refused), a length cap, no self-fetch,
 * and a per-address fetch budget so nobody can use us to scan or flood third parties.
 */
export class ClientIdMetadataPolicy {
  private readonly budget = new Map<string, { windowStart: number; count: number }>();
  private readonly perMinute: number;
  private readonly maxUrlLength: number;

  constructor(private readonly options: ClientIdMetadataPolicyOptions) {
    this.perMinute = options.fetchesPerMinutePerAddress ?? 30;
    this.maxUrlLength = options.maxUrlLength ?? 2048;
  }

  /** Throws `invalid_client` with the reason; returns true when the fetch may go ahead. */
  allowFetch(clientId: string, remoteAddress: string | undefined): true {
    if (clientId.length > this.maxUrlLength) {
      throw new errors.InvalidClient(`the client_id URL is longer than ${this.maxUrlLength} characters`);
    }
    let url: URL;
    try {
      url = new URL(clientId);
    } catch {
      throw new errors.InvalidClient('the client_id is not a valid URL');
    }
    if (url.pathname === '/' || url.pathname === '') {
      throw new errors.InvalidClient(
        'a client_id metadata document URL must contain a path (https://host/path)',
      );
    }
    if (url.search)
      throw new errors.InvalidClient('a client_id metadata document URL must not carry a query');
    if (url.origin === this.options.ownOrigin) {
      throw new errors.InvalidClient('a client_id metadata document cannot be hosted on this server');
    }
    this.spend(remoteAddress ?? 'unknown');
    return true;
  }

  private spend(address: string) {
    const now = Date.now();
    let entry = this.budget.get(address);
    if (!entry || now - entry.windowStart >= 60_000) {
      entry = { windowStart: now, count: 0 };
      this.budget.set(address, entry);
      if (this.budget.size > 10_000) this.prune(now);
    }
    entry.count += 1;
    if (entry.count > this.perMinute) {
      throw new errors.InvalidClient(
        'too many client metadata documents requested from this address; try again in a minute',
      );
    }
  }

  private prune(now: number) {
    for (const [key, value] of this.budget) if (now - value.windowStart >= 60_000) this.budget.delete(key);
  }
}
