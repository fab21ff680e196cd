import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { err, ok, type Result } from './result.js';

/**
 * The one guard for requests Vigie makes on a user's behalf (notification
 * channels today, HTTP checks next): by default they may reach only public
 * unicast addresses, so a channel URL cannot be used to probe the box's own
 * services or its LAN (SSRF, issue 10 item 4). The check runs on the
 * addresses a name resolves to, and the connection is pinned to the checked
 * addresses (a second DNS answer cannot rebind it to 127.0.0.1). Exceptions
 * come only from an explicit allow-list of addresses, CIDR ranges or names.
 */

/** Why an address was refused, in words, by ipaddr.js range name. */
const RANGE_WORDS: Record<string, string> = {
  loopback: 'loopback',
  private: 'private network',
  uniqueLocal: 'private network (IPv6 unique local)',
  linkLocal: 'link-local',
  carrierGradeNat: 'carrier-grade NAT (100.64.0.0/10)',
  multicast: 'multicast',
  broadcast: 'broadcast',
  unspecified: 'unspecified',
};

/** Raised when a target is refused; its message names the host, the address and the reason, never a URL path. */
export class OutboundRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboundRefused';
  }
}

export interface OutboundGuard {
  /**
   * The addresses `host` (a name or an IP literal, brackets allowed) may be
   * reached at: every address it resolves to is checked. Rejects with
   * OutboundRefused when one is internal and not allowed, or with the DNS error.
   */
  resolve(host: string): Promise<string[]>;
  /** The allow-list entries, as configured. */
  readonly allowed: readonly string[];
}

interface AllowList {
  ranges: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]>;
  names: Set<string>;
}

/**
 * Checks allow-list entries: an IP address (`192.168.1.10`, `fd00::5`), a
 * CIDR range (`10.0.0.0/8`) or a host name (`ntfy.lan`, trusted whatever it
 * resolves to). Returns the first bad entry as `<index>: <why>`.
 */
export function parseAllowList(entries: readonly string[]): Result<AllowList> {
  const list: AllowList = { ranges: [], names: new Set() };
  for (const [i, raw] of entries.entries()) {
    const entry = raw.trim().toLowerCase().replace(/^\[|\]$/g, '');
    if (entry.includes('/')) {
      try {
        const [addr, bits] = ipaddr.parseCIDR(entry);
        list.ranges.push([normalise(addr), addr.kind() === 'ipv6' && normalise(addr).kind() === 'ipv4' ? bits - 96 : bits]);
      } catch {
        return err(`${i}: not a CIDR range (got ${JSON.stringify(raw)}), expected e.g. 10.0.0.0/8`);
      }
    } else if (ipaddr.isValid(entry)) {
      const addr = normalise(ipaddr.parse(entry));
      list.ranges.push([addr, addr.kind() === 'ipv4' ? 32 : 128]);
    } else if (/^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*\.?$/.test(entry)) {
      list.names.add(entry.replace(/\.$/, ''));
    } else {
      return err(`${i}: expected an IP address, a CIDR range or a host name (got ${JSON.stringify(raw)})`);
    }
  }
  return ok(list);
}

/** An IPv4-mapped IPv6 address (::ffff:127.0.0.1) is the IPv4 address it carries. */
function normalise(addr: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() ? (addr as ipaddr.IPv6).toIPv4Address() : addr;
}

/**
 * Why `address` is internal, or null when it is a public unicast address.
 * Anything ipaddr.js does not call `unicast` is refused: loopback, private,
 * link-local, CGNAT, multicast, unspecified, and the reserved, documentation,
 * 6to4, Teredo and NAT64 ranges (the last three can carry an internal IPv4).
 */
export function internalReason(address: string): string | null {
  if (!ipaddr.isValid(address)) return 'not an IP address';
  const addr = normalise(ipaddr.parse(address));
  const range = addr.range();
  if (range === 'unicast') {
    // IPv4-compatible ::a.b.c.d (deprecated, RFC 4291 §2.5.5.1) reaches the IPv4 address on some stacks.
    if (addr.kind() === 'ipv6' && addr.match(ipaddr.parseCIDR('::/96'))) return 'IPv4-compatible IPv6';
    return null;
  }
  return RANGE_WORDS[range] ?? `reserved range (${range})`;
}

/** A guard allowing the internal targets listed in `allowInternal` (see parseAllowList); throws on a bad entry. */
export function createOutboundGuard(allowInternal: readonly string[] = [], settingName = 'allowInternal'): OutboundGuard {
  const parsed = parseAllowList(allowInternal);
  if (!parsed.ok) throw new Error(`${settingName}.${parsed.error}`);
  const list = parsed.value;
  const allowedAddress = (address: string): boolean => {
    const addr = normalise(ipaddr.parse(address));
    return list.ranges.some(([base, bits]) => base.kind() === addr.kind() && addr.match(base, bits));
  };
  const check = (host: string, address: string): void => {
    const reason = internalReason(address);
    if (reason === null || allowedAddress(address)) return;
    const named = host === address ? address : `${host} resolves to ${address}`;
    throw new OutboundRefused(`refused: ${named}, an internal address (${reason}); internal addresses are blocked unless listed in ${settingName}`);
  };
  return {
    allowed: [...allowInternal],
    async resolve(rawHost) {
      const host = rawHost.trim().toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
      if (ipaddr.isValid(host)) {
        // An IP literal, checked as it is. 2130706433, 0x7f.1, 0177.0.0.1: the URL parser turns these into
        // dotted quads, but a bare host (SMTP) keeps them, and the system resolver reads them as the address they spell.
        const address = normalise(ipaddr.parse(host)).toString();
        check(host, address);
        return [address];
      }
      const answers = await dnsLookup(host, { all: true, verbatim: true });
      if (answers.length === 0) throw new OutboundRefused(`${host}: no address`);
      if (list.names.has(host)) return answers.map((a) => a.address);
      // Every answer is checked: a name with one public and one internal address is refused.
      for (const a of answers) check(host, a.address);
      return answers.map((a) => a.address);
    },
  };
}

/**
 * A `lookup` for net/http/tls that answers only `addresses` (already checked):
 * the connection goes where the guard looked, whatever DNS says next.
 */
export function pinnedLookup(addresses: readonly string[]): LookupFunction {
  return (_hostname, options, callback) => {
    const all = addresses.map((address) => ({ address, family: isIP(address) }));
    const wanted = options.family === 4 || options.family === 6 ? all.filter((a) => a.family === options.family) : all;
    const list = wanted.length > 0 ? wanted : all;
    if (options.all) (callback as unknown as (e: null, a: typeof all) => void)(null, list);
    else callback(null, list[0]!.address, list[0]!.family);
  };
}
