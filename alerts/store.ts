import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { openSqlite, prepared } from '../core/sqlite.js';
import { systemClock, type Clock } from '../core/time.js';
import type { MaintenanceInput, MaintenanceWindow } from './maintenance.js';
import { defaultAlertSettings, validateAlertSettings, type AlertSettings } from './rules.js';
import type { Alert, AlertState, AlertSubject, AlertUnit, EndCause, RuleId, Severity } from './types.js';

/** Alert state, settings and maintenance windows: their own file, apart from metrics and accounts. */
export const ALERTS_FILE = 'alerts.db';

const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  -- One row per firing episode of (host, rule): kept after it resolves, as the history.
  CREATE TABLE alerts (
    id             INTEGER PRIMARY KEY,
    host           TEXT NOT NULL,
    rule           TEXT NOT NULL,
    severity       TEXT NOT NULL,
    state          TEXT NOT NULL,
    value          REAL,
    threshold      REAL,
    unit           TEXT NOT NULL,
    subject        TEXT NOT NULL,
    since          INTEGER NOT NULL,
    fired_at       INTEGER,
    resolved_at    INTEGER,
    end_cause      TEXT,
    extra          TEXT,
    context        TEXT,
    maintenance    INTEGER NOT NULL DEFAULT 0,
    ack_by         TEXT,
    ack_at         INTEGER,
    ack_comment    TEXT,
    silenced_until INTEGER,
    silenced_by    TEXT
  );
  CREATE INDEX alerts_open ON alerts (state) WHERE state = 'firing';
  CREATE INDEX alerts_host ON alerts (host, fired_at);
  CREATE INDEX alerts_fired ON alerts (fired_at);
  CREATE TABLE maintenance (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    scope      TEXT NOT NULL,
    schedule   TEXT NOT NULL,
    created_by TEXT,
    created_at INTEGER NOT NULL
  );
  `,
];

/** A stored alert episode: the engine's alert plus what people did about it. */
export interface AlertRecord extends Alert {
  id: number;
  endCause: EndCause | null;
  /** Diagnosis lines gathered from the agent when it fired. */
  context: string[];
  /** It fired during a maintenance window (shown, not notified). */
  maintenance: boolean;
  ack: { by: string; at: number; comment: string } | null;
  silenced: { until: number; by: string } | null;
}

interface Row {
  id: number; host: string; rule: string; severity: Severity; state: AlertState; value: number | null; threshold: number | null;
  unit: AlertUnit; subject: string; since: number; fired_at: number | null; resolved_at: number | null; end_cause: EndCause | null;
  extra: string | null; context: string | null; maintenance: number; ack_by: string | null; ack_at: number | null; ack_comment: string | null;
  silenced_until: number | null; silenced_by: string | null;
}

export interface AlertQuery {
  host?: string;
  state?: 'firing' | 'resolved';
  /** fired_at ≥ from (ms). */
  from?: number;
  /** fired_at < to (ms). */
  to?: number;
  limit?: number;
}

const SETTINGS_KEY = 'alert-settings';

export class AlertStore {
  private settingsCache: AlertSettings | null = null;

  constructor(
    readonly db: Database,
    private readonly clock: Clock = systemClock,
  ) {}

  static open(dataDir: string, clock?: Clock): AlertStore {
    return new AlertStore(openSqlite(join(dataDir, ALERTS_FILE), MIGRATIONS), clock);
  }

  /** The rule settings (defaults and per-host overrides); the built-in defaults until someone saves some. */
  settings(): AlertSettings {
    if (this.settingsCache) return this.settingsCache;
    const row = prepared(this.db, 'SELECT value FROM settings WHERE key = ?').get(SETTINGS_KEY) as { value: string } | undefined;
    const parsed = row ? validateAlertSettings(JSON.parse(row.value)) : null;
    this.settingsCache = parsed?.ok ? parsed.value : defaultAlertSettings();
    return this.settingsCache;
  }

  /** Saves already validated settings. */
  saveSettings(settings: AlertSettings): void {
    this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(SETTINGS_KEY, JSON.stringify(settings));
    this.settingsCache = settings;
  }

  /** Records a newly firing alert; returns its id. */
  insertFiring(alert: Alert, maintenance: boolean): number {
    const { extra, subject } = split(alert);
    return Number(
      this.db
        .prepare(
          `INSERT INTO alerts (host, rule, severity, state, value, threshold, unit, subject, since, fired_at, extra, maintenance)
           VALUES (?, ?, ?, 'firing', ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(alert.host, alert.rule, alert.severity, alert.value, alert.threshold, alert.unit, subject, alert.since, alert.firedAt ?? this.clock.now(), extra, maintenance ? 1 : 0).lastInsertRowid,
    );
  }

  /** Updates a firing alert's severity and values (escalation, de-escalation, adoption after a restart). */
  updateFiring(id: number, alert: Alert): void {
    const { extra } = split(alert);
    prepared(this.db, 'UPDATE alerts SET severity = ?, value = ?, threshold = ?, extra = ? WHERE id = ?').run(alert.severity, alert.value, alert.threshold, extra, id);
  }

  resolve(id: number, at: number, cause: EndCause | 'restart', value: number | null): void {
    prepared(this.db, "UPDATE alerts SET state = 'resolved', resolved_at = ?, end_cause = ?, value = coalesce(?, value) WHERE id = ?").run(at, cause, value, id);
  }

  setContext(id: number, context: string[]): void {
    prepared(this.db, 'UPDATE alerts SET context = ? WHERE id = ?').run(JSON.stringify(context), id);
  }

  acknowledge(id: number, by: string, comment: string): void {
    this.db.prepare('UPDATE alerts SET ack_by = ?, ack_at = ?, ack_comment = ? WHERE id = ?').run(by, this.clock.now(), comment, id);
  }

  silence(id: number, until: number, by: string): void {
    this.db.prepare('UPDATE alerts SET silenced_until = ?, silenced_by = ? WHERE id = ?').run(until, by, id);
  }

  get(id: number): AlertRecord | null {
    const row = prepared(this.db, 'SELECT * FROM alerts WHERE id = ?').get(id) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  /** Alerts still firing (also those left by a previous run). */
  firing(): AlertRecord[] {
    return (this.db.prepare("SELECT * FROM alerts WHERE state = 'firing' ORDER BY fired_at").all() as Row[]).map(toRecord);
  }

  query(q: AlertQuery = {}): AlertRecord[] {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (q.host !== undefined) { where.push('host = ?'); args.push(q.host); }
    if (q.state !== undefined) { where.push('state = ?'); args.push(q.state); }
    if (q.from !== undefined) { where.push('fired_at >= ?'); args.push(q.from); }
    if (q.to !== undefined) { where.push('fired_at < ?'); args.push(q.to); }
    const limit = Math.min(Math.max(q.limit ?? 200, 1), 1000);
    const sql = `SELECT * FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY fired_at DESC, id DESC LIMIT ${limit}`;
    return (this.db.prepare(sql).all(...args) as Row[]).map(toRecord);
  }

  /** Every rule a host ever had a stored alert for (the retained topics it may have left). */
  rulesOf(host: string): string[] {
    return (this.db.prepare('SELECT DISTINCT rule FROM alerts WHERE host = ?').all(host) as Array<{ rule: string }>).map((r) => r.rule);
  }

  /** Host and rule of alerts resolved at or after `since` (their topics should be empty), newest first, at most `limit`. */
  resolvedSince(since: number, limit: number): Array<{ host: string; rule: string }> {
    return this.db
      .prepare("SELECT host, rule FROM alerts WHERE state = 'resolved' AND resolved_at >= ? GROUP BY host, rule ORDER BY max(resolved_at) DESC LIMIT ?")
      .all(since, limit) as Array<{ host: string; rule: string }>;
  }

  /** Deletes resolved alerts that ended before `before`; returns how many. */
  purgeResolvedBefore(before: number): number {
    return this.db.prepare("DELETE FROM alerts WHERE state = 'resolved' AND resolved_at < ?").run(before).changes;
  }

  maintenanceWindows(): MaintenanceWindow[] {
    const rows = prepared(this.db, 'SELECT * FROM maintenance ORDER BY id').all() as Array<{ id: number; name: string; scope: string; schedule: string; created_by: string | null; created_at: number }>;
    return rows.map((r) => ({ id: r.id, name: r.name, scope: JSON.parse(r.scope), schedule: JSON.parse(r.schedule), createdBy: r.created_by, createdAt: r.created_at }));
  }

  addMaintenance(input: MaintenanceInput, by: string | null): MaintenanceWindow {
    const id = Number(
      this.db.prepare('INSERT INTO maintenance (name, scope, schedule, created_by, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(input.name, JSON.stringify(input.scope), JSON.stringify(input.schedule), by, this.clock.now()).lastInsertRowid,
    );
    return this.maintenanceWindows().find((w) => w.id === id)!;
  }

  deleteMaintenance(id: number): boolean {
    return this.db.prepare('DELETE FROM maintenance WHERE id = ?').run(id).changes > 0;
  }

  close(): void {
    this.db.close();
  }
}

function split(alert: Alert): { subject: string; extra: string | null } {
  const extra: Record<string, unknown> = {};
  if (alert.serviceState !== undefined) extra.serviceState = alert.serviceState;
  if (alert.forecast !== undefined) extra.forecast = alert.forecast;
  if (alert.offlineReason !== undefined) extra.offlineReason = alert.offlineReason;
  if (alert.check !== undefined) extra.check = alert.check; // issue 12: check alerts read the same after their check changes
  // Issue 13: a device's offline alert says why and from where; an interface alert names its interface.
  if (alert.offlineError !== undefined) extra.offlineError = alert.offlineError;
  if (alert.device !== undefined) extra.device = alert.device;
  if (alert.iface !== undefined) extra.iface = alert.iface;
  if (alert.container !== undefined) extra.container = alert.container; // issue 15
  return { subject: JSON.stringify(alert.metric), extra: Object.keys(extra).length ? JSON.stringify(extra) : null };
}

function toRecord(r: Row): AlertRecord {
  const extra = r.extra ? (JSON.parse(r.extra) as Partial<Alert>) : {};
  return {
    id: r.id,
    host: r.host,
    rule: r.rule as RuleId,
    severity: r.severity,
    state: r.state,
    value: r.value,
    threshold: r.threshold,
    unit: r.unit,
    metric: JSON.parse(r.subject) as AlertSubject,
    since: r.since,
    firedAt: r.fired_at,
    resolvedAt: r.resolved_at,
    ...extra,
    endCause: r.end_cause,
    context: r.context ? (JSON.parse(r.context) as string[]) : [],
    maintenance: r.maintenance === 1,
    ack: r.ack_by !== null && r.ack_at !== null ? { by: r.ack_by, at: r.ack_at, comment: r.ack_comment ?? '' } : null,
    silenced: r.silenced_until !== null && r.silenced_by !== null ? { until: r.silenced_until, by: r.silenced_by } : null,
  };
}
