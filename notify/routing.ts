import type { ChannelConfig } from './channel-config.js';
import type { AlertNotice, Severity } from './types.js';

const RANK: Record<Severity, number> = { warning: 1, critical: 2 };

/**
 * Whether `channel` hears about `notice`: it is enabled, the notice is at
 * least its `minSeverity` (a resolved notice keeps the severity it had, so
 * a critical-only channel hears the end of what it heard the start of),
 * the host is in one of its `groups` (none = every host), and resolved
 * notices only when `sendResolved`.
 */
export function routes(channel: ChannelConfig, notice: AlertNotice): boolean {
  if (!channel.enabled) return false;
  if (RANK[notice.severity] < RANK[channel.minSeverity]) return false;
  if (channel.groups.length > 0 && !notice.groups.some((g) => channel.groups.includes(g))) return false;
  if (notice.kind === 'resolved' && !channel.sendResolved) return false;
  if (notice.kind === 'repeat' && channel.repeatMinutes <= 0) return false;
  return true;
}

/**
 * Delay before retry number `attempt` (1 = the first retry): exponential
 * from `baseMs`, capped at `maxMs`, with "equal jitter" (half fixed, half
 * random) so channels failing together do not retry in step. A server's
 * Retry-After wins when longer, still capped at `maxMs`.
 */
export function backoffMs(attempt: number, retry: { baseMs: number; maxMs: number }, retryAfterMs: number | null, random = Math.random): number {
  const exp = Math.min(retry.maxMs, retry.baseMs * 2 ** (attempt - 1));
  const jittered = exp / 2 + random() * (exp / 2);
  return Math.round(retryAfterMs === null ? jittered : Math.max(jittered, Math.min(retryAfterMs, retry.maxMs)));
}
