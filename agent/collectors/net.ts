import { loadSi } from './si.js';
import type { NetMetrics } from '../../protocol/payloads.js';
import { round } from '../../protocol/units.js';
import { readNetDev, type NetCounters } from './net.linux.js';
import { defaultSource, type Collector, type CollectorOptions } from './types.js';
import { byCodeUnits } from './order.js';

/**
 * `net`: per interface (loopback left out), receive and send rates in B/s
 * from the counter deltas since the previous sample, and the counters. The
 * first sample has no previous one, so it carries no `net` group.
 */
export function createNetCollector(opts: CollectorOptions = {}): Collector {
  const read = (opts.source ?? defaultSource()) === 'procfs' ? () => readNetDev(opts.root) : readWithSysteminformation;
  const now = opts.now ?? (() => performance.now());
  let prev: { at: number; counters: Map<string, NetCounters> } | undefined;
  return {
    name: 'net',
    async collect() {
      const counters = await read();
      const at = now();
      const before = prev;
      prev = { at, counters };
      if (!before || !(at > before.at)) return {};
      return { net: netRates(before.counters, counters, (at - before.at) / 1000) };
    },
  };
}

/**
 * Rates between two readings `seconds` apart. A counter that went back
 * (interface re-created, 32-bit wrap) gives rate 0 for that interval rather
 * than a huge bogus spike; an interface that just appeared waits one sample.
 */
export function netRates(prev: Map<string, NetCounters>, cur: Map<string, NetCounters>, seconds: number): NetMetrics[] {
  const out: NetMetrics[] = [];
  const rate = (a: number, b: number): number => (b >= a ? round((b - a) / seconds) : 0);
  for (const [iface, c] of cur) {
    const p = prev.get(iface);
    if (!p || iface.length > 64) continue;
    out.push({ iface, rxRate: rate(p.rxBytes, c.rxBytes), txRate: rate(p.txBytes, c.txBytes), rxBytes: c.rxBytes, txBytes: c.txBytes });
  }
  return out.sort((a, b) => byCodeUnits(a.iface, b.iface)).slice(0, 128);
}

// The counters only: rates are computed above the same way on every OS.
async function readWithSysteminformation(): Promise<Map<string, NetCounters>> {
  const out = new Map<string, NetCounters>();
  for (const s of await (await loadSi()).networkStats('*')) {
    if (s.iface === 'lo' || /loopback/i.test(s.iface)) continue;
    if (Number.isFinite(s.rx_bytes) && Number.isFinite(s.tx_bytes)) out.set(s.iface, { rxBytes: s.rx_bytes, txBytes: s.tx_bytes });
  }
  return out;
}
