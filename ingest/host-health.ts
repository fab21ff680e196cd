import type { MetricsPayload } from '../protocol/payloads.js';
import type { HostState, Presence } from './types.js';

/**
 * The colour of a host's card, until alert rules replace it: the worst of
 * CPU usage, memory used and the fullest disk, against two fixed thresholds.
 * 80 % and 90 % are the usual "look at it" and "act now" levels (Zabbix's
 * Linux template: {$VFS.FS.PUSED.MAX.WARN}=80, {$VFS.FS.PUSED.MAX.CRIT}=90,
 * {$CPU.UTIL.CRIT}=90, {$MEMORY.UTIL.MAX}=90).
 */
export const WARNING_PERCENT = 80;
export const CRITICAL_PERCENT = 90;

/** offline when not present; else critical/warning/online from the latest sample. */
export function hostHealth(presence: Presence, latest: MetricsPayload | null): HostState {
  if (presence !== 'online') return 'offline';
  const worst = worstPercent(latest);
  if (worst >= CRITICAL_PERCENT) return 'critical';
  if (worst >= WARNING_PERCENT) return 'warning';
  return 'online';
}

/** The highest of CPU usage, memory used and the fullest disk, in percent (0 with no sample). */
export function worstPercent(m: MetricsPayload | null): number {
  if (!m) return 0;
  let worst = Math.max(m.cpu?.usage ?? 0, m.mem?.usedPercent ?? 0);
  for (const d of m.disks ?? []) if (d.usedPercent > worst) worst = d.usedPercent;
  return worst;
}
