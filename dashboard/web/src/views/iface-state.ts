import type { NetMetrics } from '../../../../protocol/schemas/metrics.js';

/**
 * How an interface's state reads at a glance (issue 13). An interface an
 * admin shut down is `disabled` (grey, not red: nobody expects traffic
 * there); one that is down while administratively up is `down` (red: what
 * the if_down alert fires on). Pure, so Node tests can import it.
 */
export type IfLevel = 'up' | 'down' | 'disabled' | 'degraded' | 'unknown';

export function ifLevel(n: Pick<NetMetrics, 'oper' | 'admin'>): IfLevel {
  if (n.admin === 'down') return 'disabled';
  if (n.oper === 'up') return 'up';
  if (n.oper === 'down' || n.oper === 'lowerLayerDown') return 'down';
  if (n.oper === 'testing' || n.oper === 'dormant') return 'degraded';
  return 'unknown';
}
