import type { Database, Statement, Transaction } from 'better-sqlite3';
import { performance } from 'node:perf_hooks';
import { withoutBusyWait } from '../../../core/sqlite.js';
import type { Logger } from '../../../core/logger.js';
import { validatePayload, type PayloadByKind } from '../../../protocol/payloads.js';
import type { HostTopicKind } from '../../../protocol/topics.js';
import type { InfoPayload, MetricsPayload, ServicesPayload, StatusPayload } from '../../../protocol/payloads.js';
import type { Presence } from '../../types.js';

/** What the registry keeps of a host across restarts. */
export interface StoredHost {
  id: string;
  firstSeen: number;
  lastSeen: number;
  presence: Presence;
  reason: string;
  info: InfoPayload | null;
  status: StatusPayload | null;
  services: ServicesPayload | null;
  latest: MetricsPayload | null;
}

interface Row {
  id: string; first_seen: number; last_seen: number; presence: string; reason: string;
  info: string | null; status: string | null; services: string | null; latest: string | null;
}
type HotRow = Pick<Row, 'id' | 'last_seen' | 'presence' | 'reason' | 'latest'>;
/** What the hosts row is written with: the latest sample goes to host_hot only. */
type ColdRow = Omit<Row, 'latest'>;

/** A host to write: `whole` its hosts row too (new, or info/status/services changed), else only its hot row. */
export interface HostWrite {
  host: StoredHost;
  whole: boolean;
}

/**
 * The hosts tables: `hosts` (first seen, info, status, services: written when
 * they change) and `host_hot` (last seen, presence, latest sample: written
 * every hot persist). Payloads are stored as the JSON they arrived as and
 * re-validated when loaded, so a row written by an older schema is read as
 * "unknown" rather than trusted.
 */
export class HostRepo {
  private readonly upsert: Statement<[ColdRow]>;
  private readonly upsertHot: Statement<[HotRow]>;
  private readonly updateHot: Statement<[HotRow]>;
  private readonly selectAll: Statement<[], Row>;
  private readonly saveWhile: Transaction<(next: () => HostWrite | undefined, deadline: number) => boolean>;

  constructor(private readonly db: Database, private readonly log: Logger) {
    // hosts.latest stays NULL (migration 3): the latest sample lives in host_hot only.
    this.upsert = db.prepare(`INSERT OR REPLACE INTO hosts (id, first_seen, last_seen, presence, reason, info, status, services, latest)
      VALUES (@id, @first_seen, @last_seen, @presence, @reason, @info, @status, @services, NULL)`);
    this.upsertHot = db.prepare(`INSERT OR REPLACE INTO host_hot (id, last_seen, presence, reason, latest)
      VALUES (@id, @last_seen, @presence, @reason, @latest)`);
    // Only for a host whose row is still there: one another process deleted comes back whole.
    this.updateHot = db.prepare(`UPDATE host_hot SET last_seen = @last_seen, presence = @presence, reason = @reason, latest = @latest
      WHERE id = @id AND EXISTS (SELECT 1 FROM hosts WHERE hosts.id = @id)`);
    this.selectAll = db.prepare(`SELECT h.id, h.first_seen, coalesce(x.last_seen, h.last_seen) AS last_seen, coalesce(x.presence, h.presence) AS presence,
      coalesce(x.reason, h.reason) AS reason, h.info, h.status, h.services, x.latest
      FROM hosts h LEFT JOIN host_hot x ON x.id = h.id ORDER BY h.id`);
    const writeWhole = (h: StoredHost): void => {
      this.upsert.run(toRow(h));
      this.upsertHot.run(hotRow(h));
    };
    this.saveWhile = db.transaction((next: () => HostWrite | undefined, deadline: number): boolean => {
      for (let w = next(); w !== undefined; w = next()) {
        if (w.whole || this.updateHot.run(hotRow(w.host)).changes === 0) writeWhole(w.host);
        if (performance.now() >= deadline) return true;
      }
      return false;
    });
  }

  /**
   * Writes hosts taken from `next` in one transaction, until `next` has none
   * or `budgetMs` have passed; true when it stopped on the budget. A whole
   * write rewrites the hosts row (info and services lists: kilobytes); a hot
   * one only what every sample changes, and comes back whole for a host whose
   * row another process deleted. The registry spreads 1,000 hosts' writes
   * over turns of the event loop with the budget: in one transaction they
   * held the server thread 30-200 ms every persist interval, and the live
   * latency's p99 with it (issue 16).
   *
   * `wait: false`: while another connection (the metric store's writer)
   * holds the write lock, throw SQLITE_BUSY at once, having taken nothing
   * from `next`, instead of sleeping up to the busy timeout in this thread.
   */
  saveFor(next: () => HostWrite | undefined, budgetMs = Infinity, opts: { wait?: boolean } = {}): boolean {
    // IMMEDIATE: the write lock is taken before `next` is asked for anything.
    const run = (): boolean => this.saveWhile.immediate(next, performance.now() + budgetMs);
    return opts.wait === false ? withoutBusyWait(this.db, run) : run();
  }

  /** Deletes a host's rows; `wait: false` throws SQLITE_BUSY at once while another connection holds the write lock (see saveFor). */
  delete(id: string, opts: { wait?: boolean } = {}): void {
    const run = (): void =>
      this.db.transaction(() => {
        this.db.prepare('DELETE FROM hosts WHERE id = ?').run(id);
        this.db.prepare('DELETE FROM host_hot WHERE id = ?').run(id);
      }).immediate();
    if (opts.wait === false) withoutBusyWait(this.db, run);
    else run();
  }

  loadAll(): StoredHost[] {
    return this.selectAll.all().map((r) => ({
      id: r.id,
      firstSeen: r.first_seen,
      lastSeen: r.last_seen,
      presence: r.presence === 'online' ? 'online' : 'offline',
      reason: r.reason,
      info: this.parse(r.id, 'info', r.info),
      status: this.parse(r.id, 'status', r.status),
      services: this.parse(r.id, 'services', r.services),
      latest: this.parse(r.id, 'metrics', r.latest),
    }));
  }

  private parse<K extends HostTopicKind>(host: string, kind: K, text: string | null): PayloadByKind[K] | null {
    if (text === null) return null;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    const result = validatePayload(kind, value);
    if (result.ok) return result.value;
    this.log.warn({ host, kind, error: result.error }, 'stored host payload no longer valid; ignored');
    return null;
  }
}

const json = (v: unknown): string | null => (v === null ? null : JSON.stringify(v));

function hotRow(h: StoredHost): HotRow {
  return { id: h.id, last_seen: h.lastSeen, presence: h.presence, reason: h.reason, latest: json(h.latest) };
}

function toRow(h: StoredHost): ColdRow {
  return {
    id: h.id, first_seen: h.firstSeen, last_seen: h.lastSeen, presence: h.presence, reason: h.reason,
    info: json(h.info), status: json(h.status), services: json(h.services),
  };
}
