import { execFile, type ExecFileException } from 'node:child_process';
import { CHECK_LIMITS, type CheckSpec } from '../../protocol/payloads.js';
import { resolveAllowed } from './network-policy.js';
import { isHostTarget } from './target.js';
import { down, type ProbeContext, type ProbeResult } from './types.js';

type PingStats = NonNullable<ProbeResult['ping']>;

/**
 * Parses iputils ping's summary:
 *   3 packets transmitted, 3 received, 0% packet loss, time 402ms
 *   rtt min/avg/max/mdev = 0.041/0.052/0.061/0.008 ms
 * RTTs in seconds; null when nothing came back. null when there is no summary.
 */
export function parsePing(output: string): PingStats | null {
  const counts = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(output);
  if (!counts) return null;
  const sent = Number(counts[1]);
  const received = Number(counts[2]);
  const lossMatch = /([\d.]+)% packet loss/.exec(output);
  const loss = lossMatch ? Number(lossMatch[1]) : sent === 0 ? 100 : Math.round((1 - received / sent) * 1000) / 10;
  const rtt = /= ([\d.]+)\/([\d.]+)\/([\d.]+)\/[\d.]+ ms/.exec(output);
  const s = (ms: string | undefined): number | null => (ms === undefined ? null : Math.round(Number(ms) * 1000) / 1e6);
  return { sent: Math.min(sent, 100), received: Math.min(received, 100), loss: Math.min(100, Math.max(0, loss)), min: s(rtt?.[1]), avg: s(rtt?.[2]), max: s(rtt?.[3]) };
}

/**
 * ping through Debian's iputils `ping`: fixed arguments, and the target as
 * the last one, already resolved to a checked address (never a string
 * starting with `-`). `-W` is the wait for the last reply, within the
 * check's timeout; `-i 0.2` is the shortest interval allowed without root.
 */
export async function probePing(spec: CheckSpec, ctx: ProbeContext, program = 'ping'): Promise<ProbeResult> {
  if (!isHostTarget(spec.target)) return down(`target "${spec.target}" is not a host name or IP address`);
  const resolved = await resolveAllowed(spec.target, ctx.policy, ctx.signal, ctx.now);
  if (!resolved.ok) return down(resolved.message);
  const address = resolved.addresses[0]!;
  const count = Math.min(spec.ping?.count ?? CHECK_LIMITS.pingCount.default, CHECK_LIMITS.pingCount.max);
  const wait = Math.max(1, Math.min(5, Math.floor(spec.timeout - count * 0.2 - 0.5)));
  const args = ['-n', '-c', String(count), '-W', String(wait), '-i', '0.2', address];
  const output = await new Promise<{ stdout: string; error: ExecFileException | null }>((resolve) => {
    execFile(program, args, { signal: ctx.signal, timeout: spec.timeout * 1000, maxBuffer: 64 * 1024, env: { ...process.env, LC_ALL: 'C' } }, (error, stdout) => {
      resolve({ stdout: String(stdout), error });
    });
  });
  if (ctx.signal.aborted) return down(`timed out after ${spec.timeout} s`, { address });
  if (output.error?.code === 'ENOENT') return down(`${program} is not installed on this runner`, { address });
  const stats = parsePing(output.stdout);
  // ping exits 1 when no reply came, 2 on other errors (unknown host, no route, permission).
  if (!stats) return down(`ping failed: ${output.error ? output.error.message.split('\n').slice(-2).join(' ').trim() : 'no summary'}`, { address });
  if (stats.received === 0) return down(`no reply (${stats.sent} sent, 100% loss)`, { ping: stats, address });
  const ms = (stats.avg ?? 0) * 1000;
  return {
    state: 'up', latency: stats.avg, ping: stats, address,
    message: `${stats.received}/${stats.sent} replies, avg ${ms.toFixed(ms < 10 ? 2 : 1)} ms${stats.loss > 0 ? `, ${stats.loss}% loss` : ''}`,
  };
}
