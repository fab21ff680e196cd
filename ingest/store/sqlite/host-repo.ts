import type { Database, Statement } from 'better-sqlite3';
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

/**
 * The hosts table. Payloads are stored as the JSON they arrived as and
 * re-validated when loaded, so a row written by an older schema is read as
 * "unknown" rather than trusted.
 */
export class HostRepo {
  private readonly upsert: Statement<[Row]>;
  private readonly updateHot: Statement<[Pick<Row, 'id' | 'last_seen' | 'presence' | 'reason' | 'latest'>]>;
  private readonly selectAll: Statement<[], Row>;
  private readonly saveMany: (whole: readonly StoredHost[], hot: readonly StoredHost[]) => void;

  constructor(private readonly db: Database, private readonly log: Logger) {
    this.upsert = db.prepare(`INSERT OR REPLACE INTO hosts (id, first_seen, last_seen, presence, reason, info, status, services, latest)
      VALUES (@id, @first_seen, @last_seen, @presence, @reason, @info, @status, @services, @latest)`);
    this.updateHot = db.prepare('UPDATE hosts SET last_seen = @last_seen, presence = @presence, reason = @reason, latest = @latest WHERE id = @id');
    this.selectAll = db.prepare('SELECT * FROM hosts ORDER BY id');
    this.saveMany = db.transaction((whole: readonly StoredHost[], hot: readonly StoredHost[]) => {
      for (const h of whole) this.upsert.run(toRow(h));
      for (const h of hot) {
        // A row another process deleted meanwhile comes back whole.
        if (this.updateHot.run(hotRow(h)).changes === 0) this.upsert.run(toRow(h));
      }
    });
  }

  /**
   * Writes the hosts in one transaction: `whole` rows entirely, `hot` ones
   * only what every sample changes (last seen, presence, latest sample) —
   * info and services lists are rewritten only when they changed (issue 16).
   */
  save(whole: readonly StoredHost[], hot: readonly StoredHost[] = []): void {
    if (whole.length > 0 || hot.length > 0) this.saveMany(whole, hot);
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM hosts WHERE id = ?').run(id);
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

function hotRow(h: StoredHost): Pick<Row, 'id' | 'last_seen' | 'presence' | 'reason' | 'latest'> {
  return { id: h.id, last_seen: h.lastSeen, presence: h.presence, reason: h.reason, latest: json(h.latest) };
}

function toRow(h: StoredHost): Row {
  return {
    id: h.id, first_seen: h.firstSeen, last_seen: h.lastSeen, presence: h.presence, reason: h.reason,
    info: json(h.info), status: json(h.status), services: json(h.services), latest: json(h.latest),
  };
}
