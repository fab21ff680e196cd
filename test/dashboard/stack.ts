/**
 * The real stack the dashboard suites run against: an Aedes broker (with
 * MQTT over WebSocket on the shared HTTP server), the ingest with a temp data
 * dir, and the dashboard on core/http-server, all on free loopback ports.
 */
import { Value } from '@sinclair/typebox/value';
import type { MqttClient } from 'mqtt';
import { io, type Socket } from 'socket.io-client';
import { startHttpServer, type HttpServerHandle } from '../../core/http-server.js';
import { openAccounts, type Accounts } from '../../accounts/index.js';
import { AlertsConfig } from '../../alerts/config.js';
import type { AlertService } from '../../alerts/service.js';
import { startAlerting } from '../../alerts/start.js';
import type { Clock } from '../../core/time.js';
import { AuthConfig } from '../../dashboard/server/config.js';
import { startDashboard, type DashboardHandle } from '../../dashboard/server/index.js';
import { EventLog } from '../../events/event-log.js';
import { ApiClient } from '../helpers/api-client.js';
import { adminClient } from '../helpers/stack.js';
import { IngestConfig } from '../../ingest/config.js';
import { startIngest } from '../../ingest/index.js';
import type { IngestHandle } from '../../ingest/types.js';
import { BrokerConfig } from '../../broker/config.js';
import { startBroker, type BrokerHandle } from '../../broker/index.js';
import { createTopics } from '../../protocol/topics.js';
import { encodePayload, type PayloadByKind, type MetricsPayload, type InfoPayload, type StatusPayload } from '../../protocol/payloads.js';
import type { HostTopicKind } from '../../protocol/topics.js';
import { tempDir } from '../helpers/env.js';
import { connectClient } from '../helpers/mqtt.js';

export const PREFIX = 'vigie';
export const topics = createTopics(PREFIX);

export interface DashboardStack {
  broker: BrokerHandle;
  accounts: Accounts;
  events: EventLog;
  alerts: AlertService;
  /** Signed in as the stack's admin (`admin` / `admin-password-1`); anonymous with `withAdmin: false`. */
  admin: ApiClient;
  dataDir: string;
  ingest: IngestHandle;
  http: HttpServerHandle;
  dashboard: DashboardHandle;
  /** http://127.0.0.1:<port> */
  url: string;
  /** A connected MQTT client publishing as agents would. */
  mqtt: MqttClient;
  publish<K extends HostTopicKind>(host: string, kind: K, payload: PayloadByKind[K], retain?: boolean): Promise<void>;
  close(): Promise<void>;
}

/** `withAdmin: false` starts with no user at all (the first-start setup). */
/** `rollupInterval` (seconds) runs the store's rollups that often instead of every minute. */
export async function startDashboardStack(opts: { overviewThrottle?: number; auth?: Partial<AuthConfig>; clock?: Clock; withAdmin?: boolean; allowInternal?: string[]; rollupInterval?: number } = {}): Promise<DashboardStack> {
  const dir = tempDir('vigie-dash-');
  const http = await startHttpServer({ host: '127.0.0.1', port: 0, closeTimeoutMs: 200 });
  const broker = await startBroker(Value.Default(BrokerConfig, { host: '127.0.0.1', port: 0, closeTimeout: 1, allowAnonymous: true }) as BrokerConfig, { httpServer: http.server });
  const ingest = await startIngest({
    ingest: Value.Default(IngestConfig, { broker: broker.url, clientId: `ingest-${process.pid}`, flushInterval: 0.05 }) as IngestConfig,
    dataDir: dir.path,
    prefix: PREFIX,
  }, opts.rollupInterval !== undefined ? { maintenanceInterval: opts.rollupInterval } : {});
  const accounts = openAccounts(dir.path, opts.clock ? { clock: opts.clock } : {});
  const events = EventLog.open(dir.path);
  // Alerts notify within a second here (30 s by default), and diagnosis gives up after 2 s.
  const alerting = startAlerting({
    config: Value.Default(AlertsConfig, { groupSeconds: 1, diagnosisTimeout: 2 }) as AlertsConfig,
    retentionDays: 30,
    // Channels in these tests post to recorders on 127.0.0.1 (refused by default: the SSRF suite passes []).
    notify: { allowInternal: opts.allowInternal ?? ['127.0.0.1'], retryHours: 24 },
    dataDir: dir.path,
    ingest, accounts, events, topics,
    dashboardUrl: () => http.url,
  });
  const alerts = alerting.service;
  const dashboard = await startDashboard(
    { http: { host: '127.0.0.1', port: 0, overviewThrottle: opts.overviewThrottle ?? 1 }, auth: Value.Default(AuthConfig, { ...opts.auth }) as AuthConfig, prefix: PREFIX },
    { http, ingest, accounts, events, alerts, channels: { store: alerting.channels, notifier: alerting.notifier }, publicBroker: () => broker.url, broker: () => broker.stats(), ...(opts.clock ? { clock: opts.clock } : {}) },
  );
  const admin = opts.withAdmin === false ? ApiClient.anonymous(http.url) : await adminClient(http.url, dir.path);
  const mqtt = await connectClient(broker.url, { clientId: `publisher-${process.pid}` });
  return {
    broker, ingest, http, dashboard, mqtt, accounts, events, alerts, admin,
    dataDir: dir.path,
    url: http.url,
    publish: (host, kind, payload, retain = kind !== 'metrics') =>
      new Promise((resolve, reject) => {
        mqtt.publish(topics.host(host, kind), encodePayload(kind, payload), { qos: 1, retain }, (error) => (error ? reject(error) : resolve()));
      }),
    close: async () => {
      mqtt.end(true);
      await dashboard.close();
      await alerting.close();
      await ingest.close();
      await broker.close();
      await http.close();
      events.close();
      accounts.close();
      dir.remove();
    },
  };
}

export function statusPayload(state: 'online' | 'offline' = 'online'): StatusPayload {
  return { v: 1, state, reason: state === 'online' ? 'connected' : 'stopped', agent: '0.1.0', interval: 1, ts: Date.now() };
}

export function infoPayload(hostname: string): InfoPayload {
  return {
    v: 1, ts: Date.now(), hostname,
    os: { platform: 'linux', distro: 'Debian GNU/Linux', release: '12' },
    kernel: '6.1.0-18-amd64', arch: 'x64',
    cpu: { model: 'Test CPU @ 2.0GHz', cores: 4 },
    memTotal: 8 * 2 ** 30,
    disks: [{ mount: '/', fs: 'ext4', size: 100 * 2 ** 30 }],
    addresses: [{ iface: 'eth0', ip4: '192.168.1.20' }],
    bootTime: Date.now() - 3_600_000,
    agent: '0.1.0',
  };
}

/** A metrics sample whose CPU usage is `cpu`, at `ts`. */
export function metricsPayload(cpu: number, ts = Date.now()): MetricsPayload {
  return {
    v: 1, ts,
    cpu: { usage: cpu, load1: 0.5, load5: 0.4, load15: 0.3, iowait: 1 },
    mem: { total: 8 * 2 ** 30, used: 2 * 2 ** 30, available: 6 * 2 ** 30, usedPercent: 25 },
    disks: [{ mount: '/', fs: 'ext4', total: 100 * 2 ** 30, used: 40 * 2 ** 30, free: 60 * 2 ** 30, usedPercent: 40 }],
    net: [{ iface: 'eth0', rxRate: 1000, txRate: 500 }],
    uptime: 3600,
    processes: 120,
  };
}

/**
 * A Socket.IO client of the dashboard at `url`, connected (rejects on a
 * refused handshake) over WebSocket, without reconnection; `headers` carry
 * the session cookie, `auth` the handshake's auth (token, lang).
 */
export async function connectSocket(url: string, headers: Record<string, string>, auth: Record<string, unknown> = {}): Promise<Socket> {
  const socket = io(url, { path: '/socket.io', transports: ['websocket'], reconnection: false, forceNew: true, auth, extraHeaders: headers });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}
