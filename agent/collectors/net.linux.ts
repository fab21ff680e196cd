import { readText } from './procfs.js';

/** Cumulative byte counters of one interface. */
export interface NetCounters {
  rxBytes: number;
  txBytes: number;
}

/**
 * Parses /proc/net/dev: two header lines, then `iface: rx_bytes rx_packets …
 * (8 receive fields) tx_bytes …`. Loopback is left out: it is not traffic
 * anyone watches.
 */
export function parseNetDev(text: string): Map<string, NetCounters> {
  const out = new Map<string, NetCounters>();
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const iface = line.slice(0, colon).trim();
    const fields = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    const rxBytes = fields[0];
    const txBytes = fields[8];
    if (!iface || iface === 'lo' || rxBytes === undefined || txBytes === undefined || !Number.isFinite(rxBytes) || !Number.isFinite(txBytes)) continue;
    out.set(iface, { rxBytes, txBytes });
  }
  return out;
}

export const readNetDev = async (root: string | undefined): Promise<Map<string, NetCounters>> => parseNetDev(await readText(root, 'proc/net/dev'));
