import type { Resolver } from 'node:dns/promises';
import type { CheckSpec, DnsRecordType } from '../../protocol/payloads.js';
import { abortable } from './network-policy.js';
import { down, seconds, type ProbeContext, type ProbeResult } from './types.js';

const MAX_ANSWERS = 50;

/** `192.168.1.1`, `127.0.0.1:5353`, `[::1]:53`, `::1`: the address alone, for the policy. */
export function serverAddress(server: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(server);
  if (bracketed) return bracketed[1]!;
  if (server.split(':').length === 2) return server.split(':')[0]!; // IPv4 with a port
  return server;
}

/** Compared case-insensitively and without the trailing dot of a fully qualified name. */
export const normaliseAnswer = (value: string): string => value.trim().toLowerCase().replace(/\.$/, '').replace(/\s+/g, ' ');

async function query(resolver: Resolver, name: string, type: DnsRecordType): Promise<string[]> {
  switch (type) {
    case 'A': return resolver.resolve4(name);
    case 'AAAA': return resolver.resolve6(name);
    case 'CNAME': return resolver.resolveCname(name);
    case 'NS': return resolver.resolveNs(name);
    case 'MX': return (await resolver.resolveMx(name)).map((mx) => `${mx.priority} ${mx.exchange}`);
    // A TXT record comes in chunks of at most 255 bytes (RFC 1035 §3.3.14); the value is them joined.
    case 'TXT': return (await resolver.resolveTxt(name)).map((chunks) => chunks.join(''));
  }
}

function describeDnsError(error: unknown, type: string, server: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOTFOUND': return 'no such name (NXDOMAIN)';
    case 'ENODATA': return `no ${type} record`;
    case 'ECONNREFUSED': return `server ${server} refused the query`;
    case 'ETIMEOUT': return `no answer from server ${server}`;
    case 'ESERVFAIL': return `server ${server} failed (SERVFAIL)`;
    case 'EREFUSED': return `server ${server} refused the query`;
    default: return `query failed: ${code ?? String(error)}`;
  }
}

/** DNS: asks the chosen server (the system's otherwise) for one record type; every expected value must be in the answer. */
export async function probeDns(spec: CheckSpec, ctx: ProbeContext): Promise<ProbeResult> {
  const opts = spec.dns ?? { type: 'A' as const };
  const type = opts.type;
  const name = spec.target.replace(/\.$/, '');
  // Loaded by the first DNS check, not at start (docs/agent.md, Memory).
  const { Resolver } = await import('node:dns/promises');
  const resolver = new Resolver({ timeout: Math.max(500, Math.floor(spec.timeout * 1000 / 2)), tries: 2 });
  const server = opts.server ?? 'the system resolver';
  if (opts.server) {
    const refused = ctx.policy.refusal(serverAddress(opts.server));
    if (refused) return down(`DNS server: ${refused}`);
    try {
      resolver.setServers([opts.server]);
    } catch {
      return down(`DNS server "${opts.server}" is not an IP address with an optional port`);
    }
  }
  const started = ctx.now();
  let answers: string[];
  try {
    answers = await abortable(query(resolver, name, type), ctx.signal);
  } catch (error) {
    resolver.cancel();
    // The path to a chosen server is worth a trace; the system resolver's is not known here.
    const address = opts.server ? { address: serverAddress(opts.server) } : {};
    if (ctx.signal.aborted) return down(`timed out after ${spec.timeout} s`, address);
    return down(describeDnsError(error, type, server), address);
  }
  const latency = seconds(ctx.now() - started);
  const shown = answers.slice(0, MAX_ANSWERS).map((a) => (a.length > 512 ? `${a.slice(0, 509)}...` : a));
  const got = new Set(answers.map(normaliseAnswer));
  const missing = (opts.expect ?? []).filter((e) => !got.has(normaliseAnswer(e)));
  if (missing.length > 0) {
    return down(`expected ${missing.map((m) => `"${m}"`).join(', ')} not in the ${type} answer`, { latency, answers: shown });
  }
  if (answers.length === 0) return down(`no ${type} record`, { latency, answers: shown });
  return { state: 'up', latency, answers: shown, message: `${answers.length} ${type} answer${answers.length === 1 ? '' : 's'}` };
}
