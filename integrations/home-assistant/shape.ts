import type { MetricsPayload } from '../../protocol/payloads.js';
import type { Group, HostShape } from './discovery.js';

/**
 * Which entities a host should have, learnt from its samples. A group missing
 * from one sample (its collector failed or timed out) says nothing, so the
 * entity stays: dropping it would delete it in Home Assistant and bring it
 * back a sample later. A `disks` or `net` array that is there says exactly
 * which mounts or interfaces exist now: those that left are cleared.
 */
export class ShapeTracker {
  private readonly shapes = new Map<string, { groups: Set<Group>; mounts: string[]; ifaces: string[] }>();

  /** Folds a sample in; true when the host's shape changed (its configs must be built again). */
  observe(host: string, m: MetricsPayload): boolean {
    let s = this.shapes.get(host);
    let changed = false;
    if (!s) {
      s = { groups: new Set(), mounts: [], ifaces: [] };
      this.shapes.set(host, s);
      changed = true;
    }
    const present: Group[] = [];
    if (m.cpu) present.push('cpu');
    if (m.cpu?.load1 !== undefined) present.push('load');
    if (m.mem) present.push('mem');
    if (m.swap) present.push('swap');
    // A machine without a sensor sends null: no entity that would stay "unknown" forever.
    if (m.temperature && m.temperature.cpu !== null) present.push('temperature');
    if (m.uptime !== undefined) present.push('uptime');
    for (const g of present) {
      if (!s.groups.has(g)) {
        s.groups.add(g);
        changed = true;
      }
    }
    if (m.disks) {
      const mounts = unique(m.disks.map((d) => d.mount));
      if (!sameList(mounts, s.mounts)) [s.mounts, changed] = [mounts, true];
    }
    if (m.net) {
      const ifaces = unique(m.net.map((n) => n.iface));
      if (!sameList(ifaces, s.ifaces)) [s.ifaces, changed] = [ifaces, true];
    }
    return changed;
  }

  get(host: string): HostShape {
    return this.shapes.get(host) ?? { groups: new Set(), mounts: [], ifaces: [] };
  }

  forget(host: string): void {
    this.shapes.delete(host);
  }
}

/** Sorted, without repeats: the order of a sample's array is not a change. */
function unique(names: string[]): string[] {
  return [...new Set(names)].sort();
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
