import type { HostSummary } from '../../ingest/types.js';
import type { MetricsPayload } from '../../protocol/payloads.js';

/** A host as the overview shows it: its summary with a card's sample, and its label. */
export type OverviewHost = HostSummary & { label: string | null };

/** An entry of a compact `hosts` frame: `info` and `status` are left out when the receiver already holds them. */
export type OverviewEntry = Omit<OverviewHost, 'info' | 'status'> & Partial<Pick<OverviewHost, 'info' | 'status'>>;

/**
 * The part of a sample an overview card shows (CPU, memory, disks, uptime):
 * the overview streams thousands of hosts, and a host's containers, interfaces
 * and custom OIDs could make each update tens of KiB (issue 16). The host's
 * page gets whole samples in its room.
 */
export function overviewSample(m: MetricsPayload): MetricsPayload {
  const { v, ts, seq, cpu, mem, disks, uptime } = m;
  return {
    v, ts,
    ...(seq !== undefined ? { seq } : {}),
    ...(cpu ? { cpu } : {}),
    ...(mem ? { mem } : {}),
    ...(disks ? { disks } : {}),
    ...(uptime !== undefined ? { uptime } : {}),
  };
}

export function overviewHost(summary: HostSummary, label: string | null): OverviewHost {
  return { ...summary, latest: summary.latest && overviewSample(summary.latest), label };
}

/**
 * What a receiver of compact frames (one socket, or a room whose members all
 * get the same frames) already holds: the `info` and `status` objects it was
 * sent. The ingest replaces these objects when they change and never edits
 * one, so "this object was sent" means "the receiver has these values".
 * At 1,000 busy hosts the overview re-sent each host's info once a second,
 * though it changes only when an agent restarts: a frame of 100 hosts was
 * 125 KB, 59 KB without it (bench/dashboard/overview: 1,114 → 645 bytes per
 * host update in the page).
 */
export class HeldParts {
  private readonly held = new WeakSet<object>();

  /** The receiver got these hosts in full (the `overview` answer). */
  holdAll(hosts: readonly HostSummary[]): void {
    for (const host of hosts) {
      if (host.info) this.held.add(host.info);
      if (host.status) this.held.add(host.status);
    }
  }

  /** The entry to send: without the parts the receiver holds; the parts sent are held from now on. */
  compact(view: OverviewHost): OverviewEntry {
    const { info, status, ...rest } = view;
    const entry: OverviewEntry = rest;
    if (info === null || !this.held.has(info)) entry.info = info;
    if (status === null || !this.held.has(status)) entry.status = status;
    if (info) this.held.add(info);
    if (status) this.held.add(status);
    return entry;
  }
}
