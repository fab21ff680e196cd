import ipaddr from 'ipaddr.js';

/**
 * Which addresses this runner's checks may reach (`agent.checks.allow` and
 * `agent.checks.deny`, docs/checks.md "Allowed networks"). A check is an
 * outbound request from inside someone's network (issue 12, item 8): names
 * are resolved first and every address is checked, so a name pointing at
 * 169.254.169.254 (cloud metadata) is refused like the address itself.
 */
export interface NetworkPolicy {
  /** null when `address` may be reached; else why not, naming the config key. */
  refusal(address: string): string | null;
}

type Range = { text: string; net: [ipaddr.IPv4 | ipaddr.IPv6, number] };

/** Parses a CIDR list; throws `key[i]: …` on a bad entry (config errors name the key). */
function parseRanges(list: readonly string[], key: string): Range[] {
  return list.map((text, i) => {
    try {
      return { text, net: ipaddr.parseCIDR(text) };
    } catch {
      throw new Error(`${key}[${i}]: expected a network in CIDR form such as 10.0.0.0/8 or fd00::/8, got "${text}"`);
    }
  });
}

/** An IPv4-mapped IPv6 address (::ffff:10.0.0.1) is judged as the IPv4 address it is. */
function normalise(address: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (!ipaddr.isValid(address)) return null;
  const parsed = ipaddr.parse(address);
  return parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress() ? (parsed as ipaddr.IPv6).toIPv4Address() : parsed;
}

const inRange = (ip: ipaddr.IPv4 | ipaddr.IPv6, range: Range): boolean => ip.kind() === range.net[0].kind() && ip.match(range.net);

export function createNetworkPolicy(allow: readonly string[], deny: readonly string[], keyPrefix = 'agent.checks'): NetworkPolicy {
  const allowed = parseRanges(allow, `${keyPrefix}.allow`);
  const denied = parseRanges(deny, `${keyPrefix}.deny`);
  return {
    refusal(address) {
      const ip = normalise(address);
      if (!ip) return `"${address}" is not an IP address`;
      const shown = ip.toString();
      const deniedBy = denied.find((r) => inRange(ip, r));
      if (deniedBy) return `address ${shown} is refused by ${keyPrefix}.deny (${deniedBy.text})`;
      if (!allowed.some((r) => inRange(ip, r))) return `address ${shown} is outside ${keyPrefix}.allow`;
      return null;
    },
  };
}

export type Resolved =
  | { ok: true; addresses: string[]; /** Seconds the name took to resolve; null for an IP target. */ dnsSeconds: number | null }
  | { ok: false; message: string };

/** `host` without IPv6 brackets. */
export const unbracket = (host: string): string => (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host);

/**
 * Resolves `host` (an IP is taken as is) and checks every address against
 * the policy: one refused address refuses the target, since the system may
 * pick any of them. The probe then connects to the checked address itself,
 * never to the name again (a second resolution could answer differently).
 */
export async function resolveAllowed(host: string, policy: NetworkPolicy, signal: AbortSignal, now: () => number = () => performance.now()): Promise<Resolved> {
  const bare = unbracket(host);
  if (ipaddr.isValid(bare)) {
    const refused = policy.refusal(bare);
    return refused ? { ok: false, message: refused } : { ok: true, addresses: [bare], dnsSeconds: null };
  }
  // Loaded by the first check of a name, not at start (docs/agent.md, Memory), and before the clock starts.
  const { lookup } = await import('node:dns/promises');
  const started = now();
  let addresses: string[];
  try {
    const answers = await abortable(lookup(bare, { all: true, verbatim: true }), signal);
    addresses = answers.map((a) => a.address);
  } catch (error) {
    if (signal.aborted) return { ok: false, message: 'timed out resolving the name' };
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, message: code === 'ENOTFOUND' ? `cannot resolve ${bare}: no such name` : `cannot resolve ${bare}: ${code ?? String(error)}` };
  }
  const dnsSeconds = (now() - started) / 1000;
  if (addresses.length === 0) return { ok: false, message: `cannot resolve ${bare}: no address` };
  for (const address of addresses) {
    const refused = policy.refusal(address);
    if (refused) return { ok: false, message: `${bare}: ${refused}` };
  }
  return { ok: true, addresses, dnsSeconds };
}

/** Rejects as soon as `signal` aborts (a promise that cannot be cancelled is left to settle alone). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}
