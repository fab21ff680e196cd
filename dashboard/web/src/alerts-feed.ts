import { ApiError, apiPath, currentUser, getJson } from './api.js';
import { watchAlerts } from './live.js';
import type { AlertView, Group, MaintenanceView, Severity } from './model.js';

/**
 * The app-wide view of firing alerts and active maintenance, kept while
 * someone is signed in: loaded from the API at sign-in and after every
 * reconnect, then patched by the `alert` events. The banner, the header
 * count, the overview cards and the alerts page all read it.
 *
 * Everything fails soft: a server without the alert service answers 404,
 * and then there is simply nothing to show.
 */

type Listener = (changed: AlertView | null) => void;

const firingById = new Map<number, AlertView>();
const listeners = new Set<Listener>();
/** Hosts under an active window, from GET /api/maintenance (scope "all" is `allHosts`). */
let maintenanceHosts = new Set<string>();
let allHosts = false;
let stopLive: (() => void) | null = null;
let maintenanceTimer: number | null = null;
// Events that arrive while a reload is in flight are replayed on top of its answer.
let loading: AlertView[] | null = null;
let generation = 0;

// Weekly windows open and close on their own: re-read the list now and then.
const MAINTENANCE_REFRESH_MS = 60_000;

function emit(changed: AlertView | null): void {
  for (const cb of listeners) cb(changed);
}

function apply(alert: AlertView): void {
  if (alert.state === 'firing') firingById.set(alert.id, alert);
  else firingById.delete(alert.id);
}

function onAlert(alert: AlertView): void {
  loading?.push(alert);
  apply(alert);
  emit(alert);
}

/** Applies an alert the API answered with (ack, silence), in case its live event is late or the socket down. */
export function noteAlert(alert: AlertView): void {
  onAlert(alert);
}

async function reload(): Promise<void> {
  const mine = ++generation;
  loading = [];
  try {
    const list = await getJson<AlertView[]>(apiPath('/alerts', { state: 'firing', limit: 1000 }));
    if (mine !== generation) return;
    const missed = loading;
    firingById.clear();
    for (const a of list) apply(a);
    for (const a of missed ?? []) apply(a);
  } catch (error) {
    if (!(error instanceof ApiError)) return; // network: the next reconnect reloads
    if (mine === generation) firingById.clear(); // 404: no alert service on this server
  } finally {
    if (mine === generation) loading = null;
  }
  emit(null);
}

/** Re-reads the maintenance windows (after the maintenance page changed one, and every minute). */
export async function refreshMaintenance(): Promise<void> {
  try {
    const windows = await getJson<MaintenanceView[]>(apiPath('/maintenance'));
    const hosts = new Set<string>();
    const groups = new Set<number>();
    let all = false;
    for (const w of windows.filter((x) => x.active)) {
      if (w.scope.kind === 'all') all = true;
      else if (w.scope.kind === 'host') hosts.add(w.scope.host);
      else groups.add(w.scope.groupId);
    }
    // Only admins may list groups; others learn about group windows from their alerts' inMaintenance.
    if (groups.size > 0 && currentUser()?.role === 'admin') {
      const list = await getJson<Group[]>(apiPath('/groups')).catch(() => [] as Group[]);
      for (const g of list) if (groups.has(g.id)) for (const host of g.hosts) hosts.add(host);
    }
    maintenanceHosts = hosts;
    allHosts = all;
  } catch {
    maintenanceHosts = new Set();
    allHosts = false;
  }
  emit(null);
}

/** Starts the feed (at sign-in); idempotent. */
export function startAlertsFeed(): void {
  if (stopLive) return;
  stopLive = watchAlerts(onAlert, () => {
    void reload();
    void refreshMaintenance();
  });
  void reload(); // the socket may take a while, or never come (REST still answers)
  maintenanceTimer = window.setInterval(() => void refreshMaintenance(), MAINTENANCE_REFRESH_MS);
}

/** Stops it and forgets everything (at sign-out). */
export function stopAlertsFeed(): void {
  stopLive?.();
  stopLive = null;
  if (maintenanceTimer !== null) window.clearInterval(maintenanceTimer);
  maintenanceTimer = null;
  generation += 1;
  loading = null;
  firingById.clear();
  maintenanceHosts = new Set();
  allHosts = false;
  emit(null);
}

/**
 * Called with the alert that changed (fired, acknowledged, resolved…), or
 * null after a reload of the whole list. Returns an unsubscribe function.
 */
export function onAlertsChange(cb: Listener): () => void {
  listeners.add(cb);
  return () => listeners.delete(cb);
}

/** Firing alerts, critical first, then newest first. */
export function firingAlerts(): AlertView[] {
  return [...firingById.values()].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || (b.firedAt ?? b.since) - (a.firedAt ?? a.since));
}

export const severityRank = (s: Severity): number => (s === 'critical' ? 2 : 1);

/** The worst severity firing on a host, or null. */
export function worstOn(host: string): Severity | null {
  let worst: Severity | null = null;
  for (const a of firingById.values()) {
    if (a.host !== host) continue;
    if (a.severity === 'critical') return 'critical';
    worst = 'warning';
  }
  return worst;
}

/** Whether a maintenance window covers the host now, as far as this user can tell. */
export function inMaintenance(host: string): boolean {
  if (allHosts || maintenanceHosts.has(host)) return true;
  for (const a of firingById.values()) if (a.host === host && a.inMaintenance) return true;
  return false;
}

/** Counts for the banner and the header. */
export function alertCounts(): { critical: number; warning: number; acknowledged: number; total: number } {
  let critical = 0;
  let warning = 0;
  let acknowledged = 0;
  for (const a of firingById.values()) {
    if (a.ack) acknowledged += 1;
    if (a.severity === 'critical') critical += 1;
    else warning += 1;
  }
  return { critical, warning, acknowledged, total: critical + warning };
}
