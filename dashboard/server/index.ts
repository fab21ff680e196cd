import type { BackupStatus } from '../../backup/schedule.js';
import type { BrokerStats } from '../../broker/index.js';
import type { Accounts } from '../../accounts/index.js';
import { LoginThrottle } from '../../accounts/login-throttle.js';
import type { Handle } from '../../core/lifecycle.js';
import { onceClose } from '../../core/lifecycle.js';
import { createLogger, type Logger } from '../../core/logger.js';
import type { HttpServerHandle } from '../../core/http-server.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, systemClock, type Clock } from '../../core/time.js';
import type { AlertService } from '../../alerts/service.js';
import type { BoxFrame, ChecksContext } from './api/context.js';
import type { DevicesContext } from './api/devices.js';
import type { ScriptsContext } from './api/scripts.js';
import type { ChannelStore } from '../../notify/channel-store.js';
import type { Notifier } from '../../notify/notifier.js';
import type { EventLog } from '../../events/event-log.js';
import type { IngestHandle } from '../../ingest/types.js';
import type { StatusPageStore } from '../../status-page/store.js';
import { createApp } from './app.js';
import { CheckAccess } from '../../checks/access.js';
import type { User } from '../../accounts/users.js';
import { LoginService } from './auth/login.js';
import type { AuthConfig, HttpConfig, PrometheusConfig } from './config.js';
import { parseAllowList } from './auth/scrape-access.js';
import { startLive, type LiveStats } from './live.js';

export interface DashboardConfig {
  http: HttpConfig;
  auth: AuthConfig;
  /** MQTT topic prefix (kept for links and docs the dashboard shows). */
  prefix: string;
  /** Who may scrape GET /metrics (default: API tokens of admins, no address allowed without one). */
  prometheus?: PrometheusConfig;
}

export interface DashboardDeps {
  http: HttpServerHandle;
  ingest: IngestHandle;
  /** accounts.db: users, sessions, groups, host access, tokens, MQTT credentials. */
  accounts: Accounts;
  events: EventLog;
  /** The broker URL handed to agents when they enroll. */
  publicBroker(): string;
  /** The dashboard's URL as other machines reach it (default: the HTTP server's own URL). */
  publicUrl?(): string;
  /** PEM an enrolling agent must trust for the broker, when it speaks TLS with a self-signed certificate. */
  brokerCa?(): string | null;
  /** Where the install scripts and the agent bundle are read from (default: infra/install and dist/agent). */
  installDirs?: { scripts?: string; agent?: string };
  /** Tells the broker MQTT credentials changed (it re-checks its clients at once). */
  credentialsChanged?(): void;
  log?: Logger;
  clock?: Clock;
  /** Where the built browser app lives (default: dist/web). */
  webRoot?: string;
  /** The alert service, when this server evaluates alerts. */
  alerts?: AlertService;
  /** Notification channels and their notifier (the channels API). */
  channels?: { store: ChannelStore; notifier: Notifier };
  /** The box's OLED frame now (GET /api/box/display), when the box runs its screen. */
  boxDisplay?(): BoxFrame | null;
  /** The embedded broker's counters (/api/metrics, /api/health), when this process runs the broker. */
  broker?(): BrokerStats | null;
  /** Scheduled backups: last result, last error, next run (/api/health, admins). */
  backup?(): BackupStatus | null;
  /** status-pages.db: the public status pages (/status, /api/status-pages). */
  statusPages?: StatusPageStore;
  /** Network check definitions (the /api/checks routes), when this server manages checks. */
  checks?: ChecksContext;
  /** SNMP device definitions (the /api/devices routes), when this server manages devices. */
  devices?: DevicesContext;
  /** The script library and its runs (/api/scripts, /api/runs; live `run` and `run:output`), issue 14. */
  scripts?: ScriptsContext;
  /** The box's public signing key, given to enrolling agents (issue 14). */
  serverKey?: { publicKey: string; fingerprint: string };
}

export interface DashboardHandle extends Handle {
  live(): LiveStats;
  /** The one-time code for first-time setup while no user exists, else null. */
  setupCode(): string | null;
}

/**
 * Mounts the dashboard on a shared HTTP server: the express app (REST API
 * under /api, the browser app at /) and Socket.IO at /socket.io. The broker
 * may attach MQTT over WebSocket at /mqtt on the same server.
 * close() detaches both and leaves the HTTP server to its own handle.
 */
export async function startDashboard(config: DashboardConfig, deps: DashboardDeps): Promise<DashboardHandle> {
  const log = deps.log ?? createLogger('dashboard');
  const clock = deps.clock ?? systemClock;
  const { auth } = config;
  const throttle = new LoginThrottle(
    { slowAfter: auth.slowAfter, lockAfter: auth.lockAfter, lockMs: auth.lockMinutes * MINUTE_MS, addressFailures: auth.addressFailures, addressWindowMs: 15 * MINUTE_MS },
    clock,
  );
  const login = new LoginService(deps.accounts, throttle, deps.events, log, clock);
  // Guessing enrollment tokens is throttled per address with the login's rules, apart from logins.
  const enrollThrottle = new LoginThrottle(throttle.policy, clock);
  let sweepLive = (): void => {}; // Socket.IO attaches after the app
  // A bad address in prometheus.allow stops the start with the entry named (before anything is served).
  const scrape = { allow: parseAllowList(config.prometheus?.allow ?? []), role: config.prometheus?.role ?? 'admin' };
  const app = createApp({
    scrape,
    ingest: deps.ingest,
    accounts: deps.accounts,
    login,
    events: deps.events,
    log,
    clock,
    secureCookies: deps.http.url.startsWith('https:'),
    sessionMaxMs: auth.sessionMaxDays * DAY_MS,
    publicBroker: deps.publicBroker,
    publicUrl: deps.publicUrl ?? (() => deps.http.url),
    ...(deps.brokerCa ? { brokerCa: deps.brokerCa } : {}),
    enrollTokenTtlMs: auth.enrollTokenMinutes * MINUTE_MS,
    enrollThrottle,
    ...(deps.installDirs ? { installDirs: deps.installDirs } : {}),
    credentialsChanged: deps.credentialsChanged ?? (() => {}),
    accountsChanged: () => sweepLive(),
    ...(deps.alerts ? { alerts: deps.alerts } : {}),
    ...(deps.channels ? { channels: deps.channels } : {}),
    ...(deps.boxDisplay ? { boxDisplay: deps.boxDisplay } : {}),
    ...(deps.broker ? { broker: deps.broker } : {}),
    ...(deps.backup ? { backup: deps.backup } : {}),
    ...(deps.statusPages ? { statusPages: deps.statusPages } : {}),
    ...(deps.checks ? { checks: deps.checks } : {}),
    ...(deps.devices ? { devices: deps.devices } : {}),
    ...(deps.scripts ? { scripts: deps.scripts } : {}),
    ...(deps.serverKey ? { serverKey: deps.serverKey } : {}),
    ...(deps.webRoot ? { webRoot: deps.webRoot } : {}),
  });
  deps.http.setHandler(app);
  const live = startLive(deps.http.server, {
    ingest: deps.ingest,
    accounts: deps.accounts,
    ...(deps.alerts ? { alerts: deps.alerts } : {}),
    log,
    overviewThrottle: config.http.overviewThrottle,
    ...(deps.checks ? { canSeeCheck: checkVisibility(deps.checks, deps.accounts) } : {}),
    ...(deps.scripts ? { runs: deps.scripts.runs } : {}),
  });
  login.onSessionsEnded = (keys) => live.endSessions(keys);
  sweepLive = () => live.sweep();
  const purge = setInterval(() => deps.accounts.sessions.purgeExpired(), HOUR_MS);
  purge.unref();

  const code = login.pendingSetupCode();
  if (code !== null) log.warn({ url: `${deps.http.url}/`, setupCode: code }, `no user yet: open the dashboard and enter setup code ${code} (or run 'vigie user add NAME --role admin')`);
  log.info({ url: deps.http.url }, 'dashboard ready');
  const close = onceClose(async () => {
    clearInterval(purge);
    await live.close();
    deps.http.setHandler((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error: { code: 'VIGIE_ERR_UNAVAILABLE', message: 'Dashboard stopped' } }));
    });
  });
  return { live: () => live.stats(), setupCode: () => login.pendingSetupCode(), close };
}

/** Who hears a check's live results: those who may see the check (a result of an unknown check: those who see its runner). */
function checkVisibility(checks: ChecksContext, accounts: Accounts): (user: User, runner: string, check: string) => boolean {
  const access = new CheckAccess(accounts.hostAccess);
  return (user, runner, check) => {
    const def = checks.catalog.get(check);
    return def ? access.canSee(user, def) : accounts.hostAccess.canSee(user, runner);
  };
}
