import { BlockList, isIP } from 'node:net';
import { canonicalAddress } from './canonicalAddress.ts';
import { isSpecialUseAddress } from './isSpecialUseAddress.ts';
import { MeridianError } from '../errors/MeridianError.ts';

/**
 * One entry of a host allow-list:
 * - `public`: any plain global unicast address (nothing loopback, private, link-local…);
 * - a host name (`warehouse.internal`): that name, whatever it resolves to (the operator vouches);
 * - an IP address or CIDR (`10.1.2.3`, `10.0.0.0/8`, `fd00::/8`, `[::1]`): addresses inside it;
 * each optionally with `:port` (IPv6 in brackets then: `[fd00::1]:5432`), limiting it to that port.
 */
type Entry =
  | { kind: 'public'; port?: number }
  | { kind: 'name'; name: string; port?: number }
  | { kind: 'net'; list: BlockList; port?: number };

export class HostAllowListError extends MeridianError {
  override name = 'HostAllowListError';
  override readonly code: string = 'invalid_host_allow_list';
  override readonly status: number = 500;
  override readonly showable: boolean = true;
}

const HOST_NAME =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

function parsePort(text: string | undefined, entry: string): number | undefined {
  if (text === undefined) return undefined;
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text) || port < 1 || port > 65535)
    throw new HostAllowListError(`"${entry}": the port must be between 1 and 65535`);
  return port;
}

function netEntry(address: string, prefix: string | undefined, entry: string): BlockList {
  const family = isIP(address);
  const list = new BlockList();
  const type = family === 6 ? 'ipv6' : 'ipv4';
  if (prefix === undefined) {
    list.addAddress(address, type);
    return list;
  }
  const bits = Number(prefix);
  if (!/^\d{1,3}$/.test(prefix) || bits > (family === 6 ? 128 : 32))
    throw new HostAllowListError(`"${entry}": the prefix length must be 0–${family === 6 ? 128 : 32}`);
  list.addSubnet(address, bits, type);
  return list;
}

function parseEntry(raw: string): Entry {
  const entry = raw.trim().toLowerCase();
  let main = entry;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(entry);
  if (bracketed) {
    main = bracketed[1]!;
    portText = bracketed[2];
  } else if ((entry.match(/:/g) ?? []).length === 1) {
    [main, portText] = entry.split(':') as [string, string];
  }
  const port = parsePort(portText, raw);
  if (main === 'public') return { kind: 'public', port };
  const [address, prefix, extra] = main.split('/');
  if (extra === undefined && isIP(address!)) {
    return { kind: 'net', list: netEntry(canonicalAddress(address!), prefix, raw), port };
  }
  if (prefix === undefined && !bracketed && HOST_NAME.test(main)) return { kind: 'name', name: main, port };
  throw new HostAllowListError(
    `"${raw}" must be "public", a host name, an IP address or a CIDR, optionally followed by :port`,
  );
}

/**
 * Which hosts outbound connections may reach, from a comma-separated list such as
 * `public,warehouse.internal,10.20.0.0/16:5432`. Judging a connection needs both the name it was
 * given and every address that name resolved to: a name entry admits the name, otherwise every
 * address must fall in an address entry or, for `public`, be a public address.
 */
export class HostAllowList {
  private constructor(
    private readonly entries: readonly Entry[],
    /** The list as configured, for messages. */
    readonly text: string,
  ) {}

  /** Throws HostAllowListError naming the first bad entry. */
  static parse(text: string): HostAllowList {
    const parts = text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    return new HostAllowList(parts.map(parseEntry), parts.join(','));
  }

  allows(hostname: string, port: number, addresses: readonly string[]): boolean {
    const name = canonicalAddress(hostname).replace(/\.$/, '');
    const fits = (entry: Entry) => entry.port === undefined || entry.port === port;
    if (this.entries.some((e) => e.kind === 'name' && e.name === name && fits(e))) return true;
    if (addresses.length === 0) return false;
    return addresses.every((raw) => {
      const address = canonicalAddress(raw);
      const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      return this.entries.some(
        (e) =>
          fits(e) &&
          ((e.kind === 'public' && !isSpecialUseAddress(address)) ||
            (e.kind === 'net' && isIP(address) !== 0 && e.list.check(address, type))),
      );
    });
  }
}
