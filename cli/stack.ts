import { resolve } from 'node:path';
import { tuneServerHeap } from '../core/heap.js';
import { createBrokerAuthenticator, type BrokerAuthenticator } from '../accounts/broker-authenticator.js';
import { openAccounts, type Accounts } from '../accounts/index.js';
import { agentHostId, startAgent, type AgentHandle } from '../agent/index.js';
import { startBroker, type BrokerHandle } from '../broker/index.js';
import type { LocalIngestLink } from '../broker/local-ingest.js';
import { startHttpServer, type HttpServerHandle } from '../core/http-server.js';
import { startInOrder, type Handle } from '../core/lifecycle.js';
import { ensurePrivateDir } from '../core/private-files.js';
import { readTlsFiles } from '../core/tls.js';
import { createLogger } from '../core/logger.js';
import { startDashboard, type DashboardHandle } from '../dashboard/server/index.js';
import { EventLog } from '../events/event-log.js';
import { startAlerting, type Alerting } from '../alerts/start.js';
import { createTopics } from '../protocol/topics.js';
import { startOled, type Display, type OledHandle } from '../oled/index.js';
import { DAY_MS, HOUR_MS } from '../core/time.js';
import { startIngest } from '../ingest/index.js';
import { StatusPageStore } from '../status-page/store.js';
import type { IngestHandle } from '../ingest/types.js';
import { CheckStore } from '../checks/store.js';
import { startConfigPublisher, type ConfigPublisher } from '../checks/config-publisher.js';
import type { CheckCatalog } from '../checks/types.js';
import { DeviceStore } from '../devices/store.js';
import { startDeviceService, type DeviceService } from '../devices/service.js';
import type { DeviceCatalog } from '../devices/types.js';
import { removeHost } from '../dashboard/server/host-removal.js';
import { systemClock } from '../core/time.js';
import type { Principal } from '../broker/acl.js';
import { openBoxSigner, type BoxSigner } from '../core/signing.js';
import { ScriptStore } from '../scripts/store.js';
import { markRunning } from '../backup/running.js';
import { startBackupSchedule, type BackupSchedule } from '../backup/schedule.js';
import { BUILTIN_SCRIPTS } from '../scripts/builtins.js';
import { allowedOn, ScriptAccess } from '../scripts/access.js';
import { checkScriptParams, checksUsing, createBundleSource, type ScriptBundleSource } from '../scripts/bundle.js';
import { startRunService, type RunService } from '../scripts/run-service.js';
import { startMosquittoSync, type MosquittoSync } from '../broker/mosquitto/sync.js';
import type { VigieConfig } from './config.js';
import { brokerCaPem, publicBrokerUrl } from './public-broker-url.js';
import { publicDashboardUrl } from './public-url.js';

/**
 * Wires components for each command. Components only talk through MQTT; the
 * in-process links are the dashboard reading the ingest's registry, store
 * and event bus, and in `up` the ingest taking messages straight from the
 * embedded broker (ingest.inProcess). Everything starts in order and closes in reverse.
 */
export interface Stack extends Handle {
  http?: HttpServerHandle;
  broker?: BrokerHandle;
  ingest?: IngestHandle;
  alerting?: Alerting;
  dashboard?: DashboardHandle;
  oled?: OledHandle;
  agent?: AgentHandle;
  /** Network check definitions (issue 12), in `up` and `server`: the alerts and the status page read them. */
  checks?: CheckCatalog;
  /** Publishes each agent's checks and devices on its config topic. */
  checkConfig?: ConfigPublisher;
  /** SNMP device definitions (issue 13), in `up` and `server`. */
  devices?: DeviceCatalog;
  /** Poller-offline statuses and the removal of deleted devices' hosts. */
  deviceService?: DeviceService;
  /** The script library (issue 14), in `up` and `server`. */
  scripts?: ScriptStore;
  /** Runs actions on agents (the API, automatic actions of alert rules). */
  runs?: RunService;
  /** The box's signing key: signs script bundles and run grants; its public half is what agents pin. */
  signer?: BoxSigner;
  /** Scheduled backups (`backup` config block), in `up` and `server`. */
  backups?: BackupSchedule;
}

export type Role = 'up' | 'broker' | 'server' | 'agent' | 'oled';

const log = createLogger('stack');

/** The URL local components use to reach a broker bound to `host:port`. */
export function localBrokerUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
  return `mqtt://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

/**
 * `oledDisplay`: for `vigie oled --simulate`, the terminal in place of the panel.
 * `configFile`: the config file in use, which scheduled backups copy and an
 * agent with a legacy username rewrites once the new form is accepted.
 * `embeddedBroker`: for `server`, a broker this process already runs (the
 * pipeline bench starts `up` as two stacks); the ingest then links to it as
 * in `up`.
 */
export async function startStack(role: Role, config: VigieConfig, opts: { oledDisplay?: Display; configFile?: string; embeddedBroker?: BrokerHandle } = {}): Promise<Stack> {
  const stack: Stack = { close: async () => {} };
  const prefix = config.mqtt.prefix;
  const dataDir = resolve(config.dataDir);
  const withHttp = role !== 'agent' && role !== 'oled';
  const withBroker = role === 'up' || role === 'broker';
  const withServer = role === 'up' || role === 'server';
  const withAgent = role === 'up' || role === 'agent';
  if (withBroker || withServer) tuneServerHeap();
  // In `up`, the ingest and the local agent use the embedded broker whatever
  // the config says, with credentials that exist only in this process.
  let authenticator: BrokerAuthenticator | undefined;
  let accounts: Accounts | undefined;
  let events: EventLog | undefined;
  let statusPages: StatusPageStore | undefined;
  let checkStore: CheckStore | undefined;
  let deviceStore: DeviceStore | undefined;
  let mosquittoSync: MosquittoSync | undefined;
  /** Credentials changed in this process: the embedded broker re-checks its clients, an external Mosquitto gets new files. */
  const credentialsChanged = (): void => {
    authenticator?.notifyChanged();
    mosquittoSync?.changed();
  };
  const viaEmbedded = <C extends { broker: string; username?: string; password?: string }>(c: C, name: string, principal: Principal): C => {
    if (!withBroker || !stack.broker || !authenticator) return c;
    return { ...c, broker: localBrokerUrl(config.broker.host, stack.broker.port), ...authenticator.addLocal(name, principal) };
  };

  /** In `up`, the ingest takes messages from the embedded broker in this process, unless ingest.inProcess is false. */
  const ingestLink = (): { link?: LocalIngestLink } => {
    const broker = stack.broker ?? opts.embeddedBroker;
    return config.ingest.inProcess && broker ? { link: broker.ingestLink() } : {};
  };

  if (withServer || withBroker) ensurePrivateDir(dataDir);
  // Made at first start (<dataDir>/signing.key, 0600); opened before the local agent, which pins its public half.
  const signer = withServer ? (stack.signer = openBoxSigner(dataDir)) : undefined;
  /** The local agent of `vigie up` pins the box key in-process (agent.serverKey), as `vigie agent enroll` writes it for others. */
  const withServerKey = <C extends object>(c: C): C => (signer ? ({ ...c, serverKey: signer.publicKey } as C) : c);
  let scriptStore: ScriptStore | undefined;
  let bundles: ScriptBundleSource | undefined;

  /** The agents this server knows: enrolled (credentials not revoked), the box's own, and the hosts it heard from that are not SNMP devices. */
  const agentHosts = (): Set<string> => {
    const out = new Set<string>();
    for (const c of accounts?.credentials.list() ?? []) if (c.principal.kind === 'agent' && c.revokedAt === null) out.add(c.principal.host);
    if (withAgent) out.add(agentHostId(config.agent));
    for (const h of stack.ingest?.listHosts() ?? []) out.add(h.id);
    for (const d of deviceStore?.list() ?? []) out.delete(d.id);
    return out;
  };

  const handle = await startInOrder(
    [
      ...(withHttp
        ? [
            {
              name: 'http',
              start: async () =>
                (stack.http = await startHttpServer({
                  host: config.http.host,
                  port: config.http.port,
                  ...(config.http.tls ? { tls: readTlsFiles(config.http.tls, 'http.tls') } : {}),
                })),
            },
          ]
        : []),
      ...(withBroker || withServer
        ? [
            {
              // <dataDir>/run/<pid>.json while this process uses the data directory: `vigie restore` refuses meanwhile.
              name: 'run-marker',
              start: async () => {
                const unmark = markRunning(dataDir, role);
                return { close: async () => unmark() };
              },
            },
            {
              name: 'accounts',
              start: async () => {
                // One connection for the broker's authenticator and the dashboard.
                const opened = openAccounts(dataDir, { sessions: { idleMs: config.auth.sessionIdleHours * HOUR_MS, maxMs: config.auth.sessionMaxDays * DAY_MS } });
                accounts = opened;
                if (withBroker) authenticator = createBrokerAuthenticator({ store: opened.credentials });
                return { close: async () => { authenticator?.close(); opened.close(); } };
              },
            },
          ]
        : []),
      ...(withBroker
        ? [
            {
              name: 'broker',
              start: async () => (stack.broker = await startBroker(config.broker, { httpServer: stack.http?.server, prefix, authenticator, haPrefix: config.ha.prefix })),
            },
          ]
        : []),
      // The local agent starts before the server parts so it stops after them: a
      // planned stop of `vigie up` is not an outage, and its "stopped" status
      // reaches no alert (issue 10, item 13). Its samples wait for the ingest
      // (the agent sends once the server summary says online).
      ...(withAgent
        ? [
            {
              name: 'agent',
              start: async () =>
                (stack.agent = await startAgent(withServerKey(viaEmbedded(config.agent, 'agent', { kind: 'agent', host: agentHostId(config.agent) })), { prefix, dataDir, ...(role === 'agent' && opts.configFile ? { configFile: opts.configFile } : {}) })),
            },
          ]
        : []),
      ...(withServer
        ? [
            {
              // Before the ingest: it keeps only results of (runner, check) pairs the catalog holds, retained ones at once.
              name: 'checks-store',
              start: async () => {
                // Watched: `vigie checks import` writes the same file from another process.
                const store = (checkStore = stack.checks = CheckStore.open(dataDir, { watch: true }));
                return { close: async () => store.close() };
              },
            },
            {
              // Before the config publisher: each agent's one config carries its checks and its devices.
              name: 'devices-store',
              start: async () => {
                // Watched: `vigie devices add|remove` writes the same file from another process.
                const store = (deviceStore = stack.devices = DeviceStore.open(dataDir, { watch: true }));
                return { close: async () => store.close() };
              },
            },
            ...(config.mosquitto.dir !== null
              ? [
                  {
                    // Mosquitto in place of the embedded broker (docs/mosquitto.md): its files follow the credentials and devices.
                    name: 'mosquitto-sync',
                    start: async () =>
                      (mosquittoSync = startMosquittoSync({
                        mosquitto: { ...config.mosquitto, dir: config.mosquitto.dir! },
                        broker: config.broker,
                        prefix,
                        haPrefix: config.ha.prefix,
                        credentials: accounts!.credentials,
                        devices: deviceStore!,
                        dataVersion: () => accounts!.credentials.dataVersion(),
                        onDevicesChange: (listener) => deviceStore!.onChange(listener),
                        log: createLogger('mosquitto'),
                      })),
                  },
                ]
              : []),
            {
              name: 'ingest',
              start: async () => {
                const linked = ingestLink();
                // Linked in-process, the ingest has no MQTT connection, so no credentials either.
                const ingest = linked.link ? config.ingest : viaEmbedded(config.ingest, 'ingest', { kind: 'service', role: 'ingest' });
                return (stack.ingest = await startIngest(
                  { ingest, dataDir, prefix, ha: config.ha },
                  { acceptCheck: (runner, check) => checkStore?.runs(runner, check) ?? false, ...linked },
                ));
              },
            },
            {
              name: 'events',
              start: async () => {
                const log = (events = EventLog.open(dataDir));
                return { close: async () => log.close() };
              },
            },
            {
              name: 'backups',
              start: async () =>
                (stack.backups = startBackupSchedule({
                  config: config.backup, dataDir, configFile: opts.configFile ?? null, log: createLogger('backup'), events: events!,
                })),
            },
            {
              name: 'status-pages',
              start: async () => {
                const store = (statusPages = StatusPageStore.open(dataDir));
                return { close: async () => store.close() };
              },
            },
            {
              // Before the config publisher (bundles) and the alerts (automatic actions use the run service).
              name: 'scripts',
              start: async () => {
                const store = (scriptStore = stack.scripts = ScriptStore.open(dataDir, { watch: true }));
                store.seedBuiltins(BUILTIN_SCRIPTS);
                const runs = (stack.runs = startRunService({
                  store, access: new ScriptAccess(accounts!.hostAccess), ingest: stack.ingest!, signer: signer!, topics: createTopics(prefix),
                  events: events!, clock: systemClock, log: createLogger('scripts'),
                }));
                return { close: async () => { await runs.close(); store.close(); } };
              },
            },
            {
              name: 'checks',
              start: async () => {
                const store = checkStore!;
                const publisher = (stack.checkConfig = startConfigPublisher({
                  catalog: store,
                  memory: store,
                  devices: { catalog: deviceStore!, memory: deviceStore! },
                  scripts: (bundles = createBundleSource({
                    scripts: scriptStore!,
                    checks: store,
                    hosts: () => agentHosts(),
                    groupsOf: (host) => accounts!.hostAccess.get(host).groups,
                    onHost: (listener) => stack.ingest!.bus.on('scripts', 'host', (h) => listener(h.id)),
                    signer: signer!,
                    clock: systemClock,
                    log: createLogger('scripts'),
                  })),
                  ingest: stack.ingest!,
                  topics: createTopics(prefix),
                  clock: systemClock,
                  log: createLogger('checks'),
                }));
                return { close: () => publisher.close() };
              },
            },
            {
              name: 'alerts',
              start: async () =>
                (stack.alerting = startAlerting({
                  config: config.alerts,
                  notify: config.notify,
                  retentionDays: config.events.retentionDays,
                  dataDir,
                  ingest: stack.ingest!,
                  accounts: accounts!,
                  events: events!,
                  topics: createTopics(prefix),
                  // Links in notifications are opened on phones: the public URL, never the loopback the server may bind.
                  dashboardUrl: () => (stack.http ? publicDashboardUrl(config, { port: stack.http.port }) : null),
                  ...(stack.checks ? { checks: stack.checks } : {}),
                  runs: stack.runs!,
                  // A suggested fix shows only where that action could run: enabled, and allowed on the host.
                  canRunFix: (host, id) => {
                    const script = scriptStore!.get(id);
                    return script?.kind === 'action' && allowedOn(script, host, accounts!.hostAccess.get(host).groups);
                  },
                })),
            },
            {
              name: 'devices',
              start: async () =>
                (stack.deviceService = startDeviceService({
                  store: deviceStore!,
                  ingest: stack.ingest!,
                  topics: createTopics(prefix),
                  removeHost: (id) => removeHost({ ingest: stack.ingest!, accounts: accounts!, credentialsChanged, alerts: stack.alerting!.service }, id),
                  configSettled: () => stack.checkConfig!.idle(),
                  clock: systemClock,
                  log: createLogger('devices'),
                })),
            },
            {
              name: 'dashboard',
              start: async () =>
                (stack.dashboard = await startDashboard(
                  { http: config.http, auth: config.auth, prometheus: config.prometheus, prefix },
                  {
                    http: stack.http!,
                    ingest: stack.ingest!,
                    accounts: accounts!,
                    events: events!,
                    publicBroker: () => publicBrokerUrl(config, { ...(stack.broker ? { port: stack.broker.port } : {}), ...(stack.broker?.tlsPort !== undefined ? { tlsPort: stack.broker.tlsPort } : {}) }),
                    publicUrl: () => publicDashboardUrl(config, { port: stack.http!.port }),
                    brokerCa: () => brokerCaPem(config),
                    credentialsChanged,
                    alerts: stack.alerting!.service,
                    boxDisplay: () => stack.oled?.frame() ?? null,
                    broker: () => stack.broker?.stats() ?? null,
                    backup: () => stack.backups?.status() ?? null,
                    channels: { store: stack.alerting!.channels, notifier: stack.alerting!.notifier },
                    statusPages: statusPages!,
                    checks: { catalog: checkStore!, store: checkStore!, defaultRunner: withAgent ? agentHostId(config.agent) : null, scriptParams: checkScriptParams(scriptStore!) },
                    devices: { store: deviceStore!, service: stack.deviceService!, defaultPoller: withAgent ? agentHostId(config.agent) : null },
                    scripts: { store: scriptStore!, runs: stack.runs!, hostExists: (id) => agentHosts().has(id), overflow: (all) => bundles!.overflow(all), usedBy: (id) => checksUsing(checkStore!.list(), id) },
                    serverKey: { publicKey: signer!.publicKey, fingerprint: signer!.fingerprint },
                  },
                )),
            },
          ]
        : []),
      // The box's screen: in `up` always rendered (the dashboard shows the same pixels), on the panel when oled.enabled.
      ...(role === 'up' || role === 'oled'
        ? [
            {
              name: 'oled',
              start: async () =>
                (stack.oled = startOled(
                  role === 'up' ? viaEmbedded(config.oled, 'oled', { kind: 'service', role: 'reader' }) : opts.oledDisplay ? config.oled : { ...config.oled, enabled: true },
                  { prefix, host: config.oled.host ?? agentHostId(config.agent), ...(opts.oledDisplay ? { display: opts.oledDisplay } : {}) },
                )),
            },
          ]
        : []),
    ],
    log,
  );
  stack.close = handle.close;
  return stack;
}
