import { BlockList, isIP } from 'node:net';
import { canonicalAddress } from './canonicalAddress.ts';

/**
 * Addresses an outbound fetch or warehouse connection must never reach by default (RFC 6890 and the IANA special-purpose
 * registries): loopback, private, shared, link-local, documentation, benchmarking, multicast,
 * reserved, and the IPv6 ranges that embed or translate IPv4 (mapped, compatible, NAT64, 6to4,
 * Teredo), so an IPv4 target cannot be smuggled in through an IPv6 spelling.
 */
const IPV4_SPECIAL: Array<[string, number]> = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];

const IPV6_SPECIAL: Array<[string, number]> = [
  ['::', 96], // unspecified, loopback and IPv4-compatible addresses
  ['64:ff9b::', 96], // NAT64 well-known prefix
  ['64:ff9b:1::', 48], // NAT64 local use
  ['100::', 64], // discard-only
  ['2001::', 23], // IETF protocol assignments, Teredo included
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4
  ['3fff::', 20], // documentation
  ['5f00::', 16], // SRv6 SIDs
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
];

// Two lists: Node's BlockList lets IPv6 rules covering mapped space match IPv4 checks.
const ipv4List = new BlockList();
for (const [net, prefix] of IPV4_SPECIAL) ipv4List.addSubnet(net, prefix, 'ipv4');
ipv4List.addAddress('255.255.255.255', 'ipv4');
const ipv6List = new BlockList();
for (const [net, prefix] of IPV6_SPECIAL) ipv6List.addSubnet(net, prefix, 'ipv6');

/** True for anything that is not a plain global unicast address, and for anything unparseable. */
export function isSpecialUseAddress(address: string): boolean {
  // An IPv4-mapped address is judged as the IPv4 address it carries.
  const canonical = canonicalAddress(address);
  const family = isIP(canonical);
  if (family === 4) return ipv4List.check(canonical, 'ipv4');
  if (family === 6) return ipv6List.check(canonical, 'ipv6');
  return true;
}
