import { isIP } from 'node:net';

/** The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:7f00:1`, `::ffff:127.0.0.1`). */
function embeddedIpv4(address: string): string | undefined {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (dotted) return dotted[1];
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(address);
  if (hex) {
    const hi = parseInt(hex[1]!, 16);
    const lo = parseInt(hex[2]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return undefined;
}

/**
 * One spelling per address, so two spellings of the same target compare equal: no brackets, no
 * zone, lower case, and an IPv4-mapped IPv6 address as the IPv4 address it carries. Anything
 * that is not an IP address comes back trimmed of brackets and lower-cased.
 */
export function canonicalAddress(address: string): string {
  const bare = address
    .replace(/^\[|\]$/g, '')
    .replace(/%.*$/, '')
    .toLowerCase();
  if (isIP(bare) === 6) return embeddedIpv4(bare) ?? bare;
  return bare;
}
