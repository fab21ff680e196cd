import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerMetrics } from '../../protocol/payloads.js';
import type { Collector } from '../collectors/types.js';
import type { AgentContainersConfig } from './config.js';
import { createEngineClient, type EngineClient } from './engine-client.js';
import { cpuPercent, parseContainerList, parseInspect, parseStats, statsInterval, type InspectedContainer, type StatsSample } from './parse.js';
import { mapLimit } from '../diagnostics/pool.js';

export interface ContainersCollectorOptions extends Partial<AgentContainersConfig> {
  /** Monotonic milliseconds, for rates (default performance.now). */
  now?: () => number;
  /** Whether a path exists (tests); default fs.existsSync. */
  exists?: (path: string) => boolean;
}

/** Where engines put their socket, in the order `auto` tries them. */
export function defaultSockets(env: NodeJS.ProcessEnv = process.env): string[] {
  const out = ['/var/run/docker.sock', '/run/podman/podman.sock'];
  if (env.XDG_RUNTIME_DIR) out.push(join(env.XDG_RUNTIME_DIR, 'podman', 'podman.sock'));
  return out;
}

/** What the collector keeps of a container between samples (by full id). */
interface Previous {
  at: number;
  startedAt: number | undefined;
  cpuTotal: number;
  readAt: number | null;
  rxBytes: number | null;
  txBytes: number | null;
}

/**
 * `containers`: every container of the host's Docker or podman engine (up to
 * `max`), read over its unix socket: state, health, restart count, exit code
 * and start time from inspect; CPU %, memory and network rates from one-shot
 * stats of the running ones. Rates come from this collector's own previous
 * reading of the same container run: a restarted container (new start time,
 * counters back to 0) waits one sample instead of showing a spike.
 *
 * No socket with `enabled: 'auto'`: no group, quickly. A failing inspect or
 * stats of one container (it stopped or went away meanwhile) leaves its
 * figures out; only a failing list fails the collector.
 */
export function createContainersCollector(opts: ContainersCollectorOptions = {}): Collector {
  const now = opts.now ?? (() => performance.now());
  const exists = opts.exists ?? existsSync;
  const enabled = opts.enabled ?? 'auto';
  const timeoutMs = (opts.timeout ?? 2) * 1000;
  let client: EngineClient | null = null;
  let clientSocket: string | null = null;
  let prev = new Map<string, Previous>();
  let lastInspected = new Map<string, InspectedContainer>();

  const socketPath = (): string | null => {
    if (opts.socket) return exists(opts.socket) ? opts.socket : null;
    return defaultSockets().find((p) => exists(p)) ?? null;
  };

  return {
    name: 'containers',
    async collect() {
      if (enabled === 'off') return {};
      const socket = socketPath();
      if (!socket) {
        if (enabled === 'on') throw new Error(`no container engine socket at ${opts.socket ?? defaultSockets().join(', ')}`);
        return {};
      }
      if (!client || clientSocket !== socket) {
        client = createEngineClient({ socket, timeoutMs });
        clientSocket = socket;
      }
      const engine = client;
      const listed = parseContainerList(await engine.get('/containers/json?all=true'), opts.max ?? 100);
      const seen = new Map<string, Previous>();
      const inspected = new Map<string, InspectedContainer>();
      const containers = await mapLimit(listed, opts.concurrency ?? 4, async (c): Promise<ContainerMetrics> => {
        const out: ContainerMetrics = { id: c.id.slice(0, 12), name: c.name, image: c.image, state: c.state, health: 'none', restarts: 0 };
        const inspect = async () => parseInspect(await engine.get(`/containers/${c.id}/json`));
        // An engine may refuse an inspect while the container is between two runs (podman does during a
        // restart): one retry, then its last inspection, so a looping container's restart count never reads 0.
        const i = await inspect().catch(() => inspect()).catch(() => null);
        if (i) {
          Object.assign(out, i);
          inspected.set(c.id, i);
        } else {
          const last = lastInspected.get(c.id);
          if (last) Object.assign(out, { ...last, state: c.state });
        }
        if (out.state !== 'running') return out;
        let s: StatsSample;
        try {
          s = parseStats(await engine.get(`/containers/${c.id}/stats?stream=false&one-shot=true`));
        } catch {
          return out;
        }
        const at = now();
        if (s.memUsed !== undefined) out.memUsed = s.memUsed;
        if (s.memLimit !== undefined) out.memLimit = s.memLimit;
        const before = prev.get(c.id);
        const sameRun = before !== undefined && before.startedAt === out.startedAt;
        const base = sameRun ? before : s.pre && !before ? { ...s.pre } : null;
        if (base) {
          const pct = cpuPercent(base, s, sameRun ? at - before.at : 0);
          if (pct !== null) out.cpu = pct;
        }
        const ms = sameRun ? statsInterval(before, s, at - before.at) : 0;
        if (sameRun && ms > 0) {
          const secs = ms / 1000;
          const rate = (a: number | null, b: number | null): number | undefined => (a === null || b === null || b < a ? undefined : Math.round((b - a) / secs * 100) / 100);
          const rx = rate(before.rxBytes, s.rxBytes);
          const tx = rate(before.txBytes, s.txBytes);
          if (rx !== undefined) out.rxRate = rx;
          if (tx !== undefined) out.txRate = tx;
        }
        seen.set(c.id, { at, startedAt: out.startedAt, cpuTotal: s.cpuTotal, readAt: s.readAt, rxBytes: s.rxBytes, txBytes: s.txBytes });
        return out;
      });
      // Only containers seen running now are kept: removed ones do not pile up.
      prev = seen;
      for (const [id, i] of inspected) lastInspected.set(id, i);
      for (const id of lastInspected.keys()) if (!listed.some((c) => c.id === id)) lastInspected.delete(id);
      return { containers };
    },
  };
}
