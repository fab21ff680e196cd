import ipaddr from 'ipaddr.js';

/** Why an address handed to other machines would not reach this box. */
export type UnreachableKind = 'loopback' | 'documentation' | 'unspecified';

/** Documentation ranges (RFC 5737, RFC 3849): addresses that exist only in examples. */
const DOCUMENTATION: Array<[string, number]> = [
  ['192.0.2.0', 24],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['2001:db8::', 32],
];

/**
 * Whether the host of a URL (an http(s)://, mqtt(s)://, ws(s):// URL) is one
 * that other machines cannot use: a loopback (127/8, ::1, `localhost`), the
 * unspecified address, or a documentation address. Null when it looks
 * usable (a name or any other address: whether it is reachable is for the
 * network to say). Issue 11: the box warns before handing such a URL out.
 */
export function unreachableKind(url: string): UnreachableKind | null {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return null;
  }
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
  if (!ipaddr.isValid(host)) return null;
  let addr = ipaddr.parse(host);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
  const range = addr.range();
  if (range === 'loopback') return 'loopback';
  if (range === 'unspecified') return 'unspecified';
  for (const [net, bits] of DOCUMENTATION) {
    const parsed = ipaddr.parse(net);
    if (parsed.kind() === addr.kind() && addr.match(parsed, bits)) return 'documentation';
  }
  return null;
}
