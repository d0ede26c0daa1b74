import type { LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import {
  DATABASE_UNREACHABLE_MESSAGE,
  EngineError,
  postgisTarget,
  type PostgisConnectGuard,
  type PostgisServerIdentity,
  type PostgisTarget,
} from '../engines/index.ts';
import {
  canonicalAddress,
  isSpecialUseAddress,
  resolveHostAddresses,
  type HostAllowList,
} from '../net/index.ts';

export interface ConnectionTargetPolicyOptions {
  /** MERIDIAN_CONNECTION_HOSTS. */
  hosts: HostAllowList;
  /** DATABASE_URL when the store is PostgreSQL: no connection may lead to that database. */
  storeUrl?: string;
  /**
   * The store's own server identity (`SERVER_IDENTITY_SQL` run on the store), asked afresh for
   * every new warehouse connection: the second layer, which no alias, port or proxy escapes.
   */
  storeIdentity?: () => Promise<PostgisServerIdentity>;
  /** DNS resolution, replaceable in tests. */
  resolve?: (hostname: string) => Promise<LookupAddress[]>;
}

type Verdict =
  { ok: true; address: string } | { ok: false; refused: string } | { ok: false; unreachable: true };

export const STORE_REFUSAL = "a connection may not lead to Meridian's own store database";

/** Loopback and unspecified addresses reach this machine, whatever their spelling. */
function reachesThisMachine(address: string): boolean {
  const a = canonicalAddress(address);
  if (isIP(a) === 4) return a.startsWith('127.') || a === '0.0.0.0';
  return a === '::1' || a === '::';
}

function ownAddresses(): Set<string> {
  const own = new Set<string>();
  for (const list of Object.values(networkInterfaces()))
    for (const i of list ?? []) own.add(canonicalAddress(i.address));
  return own;
}

/**
 * Where the organizations' warehouse connections may lead (audit #1): only to hosts the
 * instance's allow-list admits (by default public internet addresses, never loopback, private
 * or link-local ones), never over a Unix socket, and never to the store's own database, even on
 * an allowed host. Judged when a connection is added (a refusal the admin can act on) and again
 * for every physical connection (a row added before, or a name whose DNS answer changed, is
 * caught there): the host is resolved, every address vetted, and the socket pinned to one.
 */
export class ConnectionTargetPolicy {
  private readonly resolve: (hostname: string) => Promise<LookupAddress[]>;
  private readonly store: PostgisTarget | undefined;

  constructor(private readonly options: ConnectionTargetPolicyOptions) {
    this.resolve = options.resolve ?? resolveHostAddresses;
    this.store = options.storeUrl ? postgisTarget(options.storeUrl) : undefined;
  }

  /** For the engine: refusals are `forbidden` with the rule; an unresolvable host looks unreachable. */
  readonly guard: PostgisConnectGuard = async (target) => {
    const verdict = await this.judge(target);
    if (verdict.ok) return { address: verdict.address };
    if ('refused' in verdict) throw new EngineError('forbidden', verdict.refused);
    throw new EngineError('unavailable', DATABASE_UNREACHABLE_MESSAGE);
  };

  /** For the engine, once connected: the server that answered must not be the store's. */
  readonly verifyServer = async (identity: PostgisServerIdentity): Promise<void> => {
    if (!this.options.storeIdentity) return;
    const store = await this.options.storeIdentity();
    if (store.startedAt === identity.startedAt && store.database === identity.database)
      throw new EngineError('forbidden', STORE_REFUSAL);
  };

  /**
   * When a connection is added: the rule it breaks, or undefined. A host that does not resolve
   * is not refused here (that would tell which internal names exist); testing it says unreachable.
   */
  async refusalFor(url: string): Promise<string | undefined> {
    const verdict = await this.judge(postgisTarget(url));
    return !verdict.ok && 'refused' in verdict ? verdict.refused : undefined;
  }

  private async judge(target: PostgisTarget): Promise<Verdict> {
    if (target.host.startsWith('/'))
      return { ok: false, refused: 'a connection must name a TCP host; Unix socket paths are not allowed' };
    const literal = isIP(canonicalAddress(target.host)) !== 0;
    let addresses: string[];
    try {
      addresses = literal
        ? [canonicalAddress(target.host)]
        : (await this.resolve(target.host)).map((a) => canonicalAddress(a.address));
    } catch {
      return { ok: false, unreachable: true };
    }
    if (addresses.length === 0) return { ok: false, unreachable: true };
    if (await this.leadsToStore(target, addresses)) return { ok: false, refused: STORE_REFUSAL };
    if (!this.options.hosts.allows(target.host, target.port, addresses)) {
      const special = addresses.some((a) => isSpecialUseAddress(a));
      return {
        ok: false,
        refused: special
          ? "the connection's host is not a public internet address, and MERIDIAN_CONNECTION_HOSTS does not list it (loopback, private and link-local hosts must be listed by the server's operator)"
          : "the connection's host is not listed in MERIDIAN_CONNECTION_HOSTS, the hosts this server may connect to",
      };
    }
    return { ok: true, address: addresses[0]! };
  }

  /**
   * Same port, same database name, and an address in common with the store's host, where every
   * address of this machine (loopback, unspecified, its interfaces) counts as one host.
   */
  private async leadsToStore(target: PostgisTarget, addresses: string[]): Promise<boolean> {
    const store = this.store;
    if (!store || store.port !== target.port || store.database !== target.database) return false;
    let storeAddresses: string[];
    if (store.host.startsWith('/')) storeAddresses = ['127.0.0.1'];
    else if (isIP(canonicalAddress(store.host))) storeAddresses = [canonicalAddress(store.host)];
    else {
      try {
        storeAddresses = (await this.resolve(store.host)).map((a) => canonicalAddress(a.address));
      } catch {
        // The store's name does not resolve now: refuse what we cannot tell apart from it.
        return true;
      }
    }
    const own = ownAddresses();
    const local = (a: string) => reachesThisMachine(a) || own.has(a);
    const storeIsLocal = storeAddresses.some(local);
    return addresses.some((a) => storeAddresses.includes(a) || (storeIsLocal && local(a)));
  }
}
