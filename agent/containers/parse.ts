import {
  CONTAINER_HEALTHS, CONTAINER_STATES, MAX_CONTAINERS, type ContainerHealth, type ContainerState,
} from '../../protocol/schemas/metrics.js';

/**
 * Parsers of the Docker Engine API answers the containers collector reads
 * (GET /containers/json, /containers/{id}/json, /containers/{id}/stats).
 * The socket is trusted no more than the network: every field is checked,
 * names and images are brought into the contract's charset, numbers into
 * range, and anything missing is left out rather than guessed. Podman's
 * compat API answers the same shapes with small differences (noted below).
 */

/** One entry of GET /containers/json?all=true. */
export interface ListedContainer {
  /** Full id, as the engine gave it (the key of later requests). */
  id: string;
  name: string;
  image: string;
  state: ContainerState;
}

/** What GET /containers/{id}/json adds. */
export interface InspectedContainer {
  state: ContainerState;
  health: ContainerHealth;
  restarts: number;
  exitCode?: number;
  startedAt?: number;
}

/** The counters of one GET /containers/{id}/stats?stream=false&one-shot=true. */
export interface StatsSample {
  /** Container CPU time, ns (cpu_stats.cpu_usage.total_usage). */
  cpuTotal: number;
  /** When the engine read the counters (`read`), ms since the epoch; null when absent. */
  readAt: number | null;
  /** The engine's precpu_stats when filled (Docker without one-shot): a previous reading for a first sample. */
  pre: { cpuTotal: number; readAt: number } | null;
  memUsed?: number;
  memLimit?: number;
  /** Sum of every interface's counters; null when the answer has no networks (host or none network). */
  rxBytes: number | null;
  txBytes: number | null;
}

const obj = (v: unknown): Record<string, unknown> | null => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const nonNegative = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null);
const safeInt = (v: unknown): number | undefined => {
  const n = nonNegative(v);
  return n === null || n > Number.MAX_SAFE_INTEGER ? undefined : Math.round(n);
};

/** A container name in the contract's charset: Docker's `/` prefix dropped, anything else outside `[A-Za-z0-9_.-]` → `_`, 128 chars at most. */
export function cleanName(raw: string): string {
  const s = raw.replace(/^\/+/, '').replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 128);
  return /^[A-Za-z0-9]/.test(s) ? s : `c${s}`.slice(0, 128);
}

/** An image reference in the contract's charset, 256 chars at most; `unknown` when nothing usable is left. */
export function cleanImage(raw: string): string {
  const s = raw.replace(/[^A-Za-z0-9._/:@+-]/g, '_').replace(/^[^A-Za-z0-9]+/, '').slice(0, 256);
  return s === '' ? 'unknown' : s;
}

/**
 * Podman's own states that its compat API lets through (seen in a restart
 * loop: the list answered `stopped` between two runs), as Docker's words.
 */
const PODMAN_STATES: Record<string, ContainerState> = { stopped: 'exited', stopping: 'running', configured: 'created', initialized: 'created' };

const toState = (v: unknown): ContainerState | null => {
  const s = str(v)?.toLowerCase();
  if (s === undefined) return null;
  if ((CONTAINER_STATES as readonly string[]).includes(s)) return s as ContainerState;
  return Object.hasOwn(PODMAN_STATES, s) ? PODMAN_STATES[s]! : null;
};

/** Docker's zero time (`0001-01-01T00:00:00Z`, never started) and anything unparseable give undefined. */
export function parseTime(v: unknown): number | undefined {
  const s = str(v);
  if (!s) return undefined;
  const ms = Date.parse(s);
  // The contract's EpochMs range: 2000 to 2100.
  return Number.isFinite(ms) && ms >= 946_684_800_000 && ms <= 4_102_444_800_000 ? ms : undefined;
}

/**
 * GET /containers/json?all=true → containers sorted by name, at most `max`.
 * An entry without an id, a name or a known state is dropped. Two names that
 * clean to the same text keep the first (series and alerts are keyed by name).
 */
export function parseContainerList(body: unknown, max = MAX_CONTAINERS): ListedContainer[] {
  if (!Array.isArray(body)) throw new Error('/containers/json: expected an array');
  const out = new Map<string, ListedContainer>();
  for (const item of body.slice(0, 10_000)) {
    const o = obj(item);
    const id = str(o?.Id);
    const names = Array.isArray(o?.Names) ? o.Names : [];
    const rawName = str(names[0]);
    const state = toState(o?.State);
    if (!o || !id || !/^[0-9a-f]{12,64}$/.test(id) || !rawName || !state) continue;
    const name = cleanName(rawName);
    if (out.has(name)) continue;
    out.set(name, { id, name, image: cleanImage(str(o.Image) ?? ''), state });
  }
  return [...out.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).slice(0, Math.min(max, MAX_CONTAINERS));
}

/**
 * GET /containers/{id}/json. Health: `State.Health.Status`, `none` when
 * absent or empty (podman answers `""` for a container without healthcheck).
 * The exit code is kept only when the container is not running (a running
 * one's is stale or 0).
 */
export function parseInspect(body: unknown): InspectedContainer {
  const o = obj(body);
  const s = obj(o?.State);
  if (!o || !s) throw new Error('/containers/{id}/json: no State object');
  const state = toState(s.Status) ?? (s.Running === true ? 'running' : null);
  if (!state) throw new Error('/containers/{id}/json: unknown State.Status');
  const h = str(obj(s.Health)?.Status)?.toLowerCase() ?? '';
  const health = (CONTAINER_HEALTHS as readonly string[]).includes(h) ? (h as ContainerHealth) : 'none';
  const out: InspectedContainer = { state, health, restarts: Math.min(1e9, safeInt(o.RestartCount) ?? 0) };
  const code = s.ExitCode;
  if (state !== 'running' && typeof code === 'number' && Number.isInteger(code) && code >= -1 && code <= 2_147_483_647) out.exitCode = code;
  const started = parseTime(s.StartedAt);
  if (started !== undefined) out.startedAt = started;
  return out;
}

/**
 * GET /containers/{id}/stats?stream=false&one-shot=true. Memory used is
 * `usage` minus the inactive page cache (cgroup v2 `inactive_file`, v1
 * `total_inactive_file`), as `docker stats` shows it; a limit of 2^62 or more
 * means "no limit" and is left out. Podman names its single interface
 * `network` instead of `eth0`; every interface is summed either way.
 */
export function parseStats(body: unknown): StatsSample {
  const o = obj(body);
  const cpu = obj(o?.cpu_stats);
  const usage = obj(cpu?.cpu_usage);
  const cpuTotal = nonNegative(usage?.total_usage);
  if (!o || cpuTotal === null) throw new Error('/containers/{id}/stats: no cpu_stats.cpu_usage.total_usage');
  const preTotal = nonNegative(obj(obj(o.precpu_stats)?.cpu_usage)?.total_usage);
  const readAt = engineTime(o.read);
  const preReadAt = engineTime(o.preread);
  const out: StatsSample = {
    cpuTotal,
    readAt,
    pre: preTotal && preReadAt !== null && readAt !== null && preReadAt < readAt ? { cpuTotal: preTotal, readAt: preReadAt } : null,
    rxBytes: null,
    txBytes: null,
  };
  const mem = obj(o.memory_stats);
  const used = nonNegative(mem?.usage);
  if (used !== null) {
    const detail = obj(mem?.stats);
    const inactive = nonNegative(detail?.inactive_file) ?? nonNegative(detail?.total_inactive_file) ?? 0;
    out.memUsed = safeInt(inactive < used ? used - inactive : used);
  }
  const limit = nonNegative(mem?.limit);
  if (limit !== null && limit > 0 && limit < 2 ** 62) out.memLimit = safeInt(limit);
  const nets = obj(o.networks);
  if (nets) {
    let rx = 0;
    let tx = 0;
    for (const n of Object.values(nets).slice(0, 64)) {
      rx += nonNegative(obj(n)?.rx_bytes) ?? 0;
      tx += nonNegative(obj(n)?.tx_bytes) ?? 0;
    }
    out.rxBytes = rx;
    out.txBytes = tx;
  }
  return out;
}

/** An engine timestamp (`read`, `preread`) in ms since the epoch; null when absent or Go's zero time. */
function engineTime(v: unknown): number | null {
  const t = typeof v === 'string' ? Date.parse(v) : Number.NaN;
  return Number.isFinite(t) && t > 0 ? t : null;
}

/**
 * Milliseconds between two readings: the engine's own read times when both
 * carry one, else `wallMs`, the agent's clock around the requests.
 */
export function statsInterval(prev: { readAt: number | null }, cur: { readAt: number | null }, wallMs: number): number {
  return prev.readAt !== null && cur.readAt !== null && cur.readAt > prev.readAt ? cur.readAt - prev.readAt : wallMs;
}

/**
 * CPU % of one core between two readings (200 = two cores busy): the
 * container's CPU time over the time between the readings. Not
 * `system_cpu_usage`: Docker fills it from /proc/stat (every CPU's time,
 * idle included, so the two agree), but podman from the root cgroup's usage
 * (CPU time used, idle left out), which turns one busy thread on a quiet
 * 2-core box into 200 %. Null when there is no interval or the counter went
 * back (the container restarted: a fresh cgroup).
 */
export function cpuPercent(prev: { cpuTotal: number; readAt: number | null }, cur: StatsSample, wallMs: number): number | null {
  const used = cur.cpuTotal - prev.cpuTotal;
  const ms = statsInterval(prev, cur, wallMs);
  if (used < 0 || !(ms > 0)) return null;
  const pct = used / (ms * 1e6) * 100;
  return Number.isFinite(pct) ? Math.min(102_400, Math.round(pct * 100) / 100) : null;
}
