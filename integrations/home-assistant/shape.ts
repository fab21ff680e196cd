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
  private readonly shapes = new Map<string, { groups: Set<Group>; mounts: string[]; ifaces: string[]; ts: number }>();

  /**
   * Folds a sample in; true when the host's shape changed (its configs must
   * be built again). A sample older than one already seen (an agent's buffer
   * replayed after an outage) says nothing about now: ignored, so a mount that
   * changed meanwhile does not flap its entity.
   */
  observe(host: string, m: MetricsPayload): boolean {
    let s = this.shapes.get(host);
    let changed = false;
    if (!s) {
      s = { groups: new Set(), mounts: [], ifaces: [], ts: m.ts };
      this.shapes.set(host, s);
      changed = true;
    }
    if (m.ts < s.ts) return false;
    s.ts = m.ts;
    // The usual sample: same mounts and interfaces, in the same order, no new group. Checked without allocating (runs per message).
    if (!changed && this.unchanged(s, m)) return false;
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

  private unchanged(s: { groups: Set<Group>; mounts: string[]; ifaces: string[] }, m: MetricsPayload): boolean {
    const sameNames = <T>(arr: readonly T[] | undefined, known: readonly string[], name: (x: T) => string): boolean =>
      arr === undefined || (arr.length === known.length && arr.every((x) => known.includes(name(x))));
    return sameNames(m.disks, s.mounts, (d) => d.mount) && sameNames(m.net, s.ifaces, (n) => n.iface)
      && (!m.cpu || s.groups.has('cpu')) && (m.cpu?.load1 === undefined || s.groups.has('load')) && (!m.mem || s.groups.has('mem'))
      && (!m.swap || s.groups.has('swap')) && (!m.temperature || m.temperature.cpu === null || s.groups.has('temperature'))
      && (m.uptime === undefined || s.groups.has('uptime'));
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
