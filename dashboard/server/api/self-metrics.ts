import { collectDefaultMetrics, Counter, Gauge, Registry, type Metric } from 'prom-client';
import type { AlertService } from '../../../alerts/service.js';
import type { BrokerStats } from '../../../broker/index.js';
import type { Clock } from '../../../core/time.js';
import type { CheckResultRecord } from '../../../checks/types.js';
import type { HostSummary, IngestHandle, IngestStats } from '../../../ingest/types.js';
import type { ContainerMetrics } from '../../../protocol/payloads.js';
import type { Notifier } from '../../../notify/notifier.js';

/**
 * Prometheus exposition (issue 15, item 2) with prom-client: one registry
 * per dashboard, whose gauges read the current state in their collect()
 * callbacks. Nothing is counted per sample on the ingest's hot path: a
 * scrape takes one snapshot (hosts, checks, alerts, counters) and every
 * family reads it. Hosts are bounded by the host registry and the per-host
 * limits (mounts, interfaces), checks by the catalog, alerts by the rules:
 * no label comes from anything unbounded. Escaping is prom-client's.
 * The metric list is docs/prometheus.md.
 */

/** What a scrape reads. */
export interface MetricsSources {
  ingest: IngestHandle;
  clock: Clock;
  alerts?: AlertService;
  channels?: { notifier: Notifier };
  broker?(): BrokerStats | null;
}

interface Snapshot {
  now: number;
  hosts: HostSummary[];
  stats: IngestStats;
  checks: CheckResultRecord[];
  alerts: Array<{ host: string; rule: string; severity: string }>;
  broker: BrokerStats | null;
}

/** Labels of one series; prom-client's own type is generic over the names. */
type Labels = Record<string, string | number>;

const NAGIOS_CODE = { ok: 0, warning: 1, critical: 2, unknown: 3 } as const;

/** A gauge whose value(s) come from the scrape's snapshot; `fill` sets each series. */
function gauge(reg: Registry, name: string, help: string, labelNames: string[], snap: () => Snapshot, fill: (s: Snapshot, set: (labels: Labels, v: number | null | undefined) => void) => void): Metric {
  return new Gauge({
    name, help, labelNames, registers: [reg],
    collect() {
      this.reset();
      fill(snap(), (labels, v) => {
        if (typeof v === 'number' && Number.isFinite(v)) this.set(labels, v);
      });
    },
  });
}

/** A counter whose totals are kept elsewhere (the ingest, the broker): set from the snapshot at each scrape. */
function counter(reg: Registry, name: string, help: string, labelNames: string[], snap: () => Snapshot, fill: (s: Snapshot, set: (labels: Labels, v: number | null | undefined) => void) => void): Metric {
  return new Counter({
    name, help, labelNames, registers: [reg],
    collect() {
      this.reset();
      fill(snap(), (labels, v) => {
        if (typeof v === 'number' && Number.isFinite(v) && v >= 0) this.inc(labels, v);
      });
    },
  });
}

/**
 * Builds the registry of one dashboard: runtime metrics (process_*,
 * nodejs_*), Vigie's own counters (vigie_broker_*, ingest, store, notifier)
 * and the fleet's state (vigie_host_*, vigie_check_*, vigie_alerts_*).
 */
export function createMetricsRegistry(src: MetricsSources): { registry: Registry; scrape(): Promise<string> } {
  const reg = new Registry();
  collectDefaultMetrics({ register: reg });
  // Gauges named *_total break the conventions (promtool says so); their per-type twins without the suffix stay.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) reg.removeSingleMetric(name);
  let current: Snapshot | null = null;
  const take = (): Snapshot => ({
    now: src.clock.now(),
    hosts: src.ingest.listHosts(),
    stats: src.ingest.stats(),
    checks: src.ingest.checks?.latest() ?? [],
    alerts: src.alerts?.store.firing().map((a) => ({ host: a.host, rule: a.rule, severity: a.severity })) ?? [],
    broker: src.broker?.() ?? null,
  });
  // Read once per scrape (see scrape()); a collect outside one (registry.getMetricsAsJSON in a test) takes its own.
  const snap = (): Snapshot => current ?? take();
  const online = (s: Snapshot) => s.hosts.filter((h) => h.presence === 'online' && h.latest);
  const H = ['host'];

  // --- Hosts (agents and SNMP devices alike: a device is a host) ---
  gauge(reg, 'vigie_host_up', '1 while the host is online (its agent or poller reports), 0 while it is offline.', H, snap, (s, set) => {
    for (const h of s.hosts) set({ host: h.id }, h.presence === 'online' ? 1 : 0);
  });
  gauge(reg, 'vigie_host_info', 'Always 1: what the host is, in labels (from its retained info).', ['host', 'platform', 'distro', 'release', 'arch', 'agent'], snap, (s, set) => {
    for (const h of s.hosts) if (h.info) set({ host: h.id, platform: h.info.os.platform, distro: h.info.os.distro, release: h.info.os.release, arch: h.info.arch, agent: h.info.agent }, 1);
  });
  gauge(reg, 'vigie_host_last_seen_timestamp_seconds', 'When the server last heard from the host (Unix time).', H, snap, (s, set) => {
    for (const h of s.hosts) set({ host: h.id }, h.lastSeen / 1000);
  });
  gauge(reg, 'vigie_host_boot_time_seconds', 'When the host booted (Unix time), from its info.', H, snap, (s, set) => {
    for (const h of s.hosts) if (h.info) set({ host: h.id }, h.info.bootTime / 1000);
  });
  // The series below come from the latest sample of online hosts only: an offline host's last sample is not its state now.
  gauge(reg, 'vigie_host_sample_timestamp_seconds', 'Agent time of the latest sample the values below come from (Unix time).', H, snap, (s, set) => {
    for (const h of online(s)) set({ host: h.id }, h.latest!.ts / 1000);
  });
  gauge(reg, 'vigie_host_cpu_usage_ratio', 'CPU busy time over the last interval, 0 to 1.', H, snap, (s, set) => {
    for (const h of online(s)) if (h.latest!.cpu) set({ host: h.id }, h.latest!.cpu.usage / 100);
  });
  gauge(reg, 'vigie_host_cpu_iowait_ratio', 'CPU time waiting for I/O over the last interval, 0 to 1.', H, snap, (s, set) => {
    for (const h of online(s)) set({ host: h.id }, h.latest!.cpu?.iowait === undefined ? null : h.latest!.cpu.iowait / 100);
  });
  gauge(reg, 'vigie_host_cpu_cores', 'Logical CPUs of the host.', H, snap, (s, set) => {
    for (const h of online(s)) set({ host: h.id }, h.latest!.cpu?.cores ?? h.info?.cpu.cores);
  });
  for (const [n, key] of [['1', 'load1'], ['5', 'load5'], ['15', 'load15']] as const) {
    gauge(reg, `vigie_host_load${n}`, `Load average over ${n} minute${n === '1' ? '' : 's'}.`, H, snap, (s, set) => {
      for (const h of online(s)) set({ host: h.id }, h.latest!.cpu?.[key]);
    });
  }
  gauge(reg, 'vigie_host_memory_size_bytes', 'Physical memory of the host.', H, snap, (s, set) => {
    for (const h of online(s)) set({ host: h.id }, h.latest!.mem?.total);
  });
  gauge(reg, 'vigie_host_memory_used_bytes', 'Memory in use (not available to new programs).', H, snap, (s, set) => {
    for (const h of online(s)) set({ host: h.id }, h.latest!.mem?.used);
  });
  gauge(reg, 'vigie_host_memory_available_bytes', 'Memory available to new programs without swapping.', H, snap, (s, set) => {
    for (const h of online(s)) set({ host: h.id }, h.latest!.mem?.available);
  });
  gauge(reg, 'vigie_host_swap_size_bytes', 'Swap space of the host.', H, snap, (s, set) => {
    for (const h of online(s)) set({ host: h.id }, h.latest!.swap?.total);
  });
  gauge(reg, 'vigie_host_swap_used_bytes', 'Swap space in use.', H, snap, (s, set) => {
    for (const h of online(s)) set({ host: h.id }, h.latest!.swap?.used);
  });
  const D = ['host', 'mount', 'fs'];
  gauge(reg, 'vigie_host_disk_size_bytes', 'Size of the file system mounted at `mount`.', D, snap, (s, set) => {
    for (const h of online(s)) for (const d of h.latest!.disks ?? []) set({ host: h.id, mount: d.mount, fs: d.fs }, d.total);
  });
  gauge(reg, 'vigie_host_disk_used_bytes', 'Space used on the file system mounted at `mount`.', D, snap, (s, set) => {
    for (const h of online(s)) for (const d of h.latest!.disks ?? []) set({ host: h.id, mount: d.mount, fs: d.fs }, d.used);
  });
  gauge(reg, 'vigie_host_disk_free_bytes', 'Space free for ordinary users on the file system mounted at `mount`.', D, snap, (s, set) => {
    for (const h of online(s)) for (const d of h.latest!.disks ?? []) set({ host: h.id, mount: d.mount, fs: d.fs }, d.free);
  });
  const N = ['host', 'iface'];
  gauge(reg, 'vigie_host_network_receive_bytes_per_second', 'Bytes received per second on `iface` over the last interval.', N, snap, (s, set) => {
    for (const h of online(s)) for (const n of h.latest!.net ?? []) set({ host: h.id, iface: n.iface }, n.rxRate);
  });
  gauge(reg, 'vigie_host_network_transmit_bytes_per_second', 'Bytes sent per second on `iface` over the last interval.', N, snap, (s, set) => {
    for (const h of online(s)) for (const n of h.latest!.net ?? []) set({ host: h.id, iface: n.iface }, n.txRate);
  });
  counter(reg, 'vigie_host_network_receive_bytes_total', 'Bytes received on `iface` since the interface (or host) started, when the agent reports totals.', N, snap, (s, set) => {
    for (const h of online(s)) for (const n of h.latest!.net ?? []) set({ host: h.id, iface: n.iface }, n.rxBytes);
  });
  counter(reg, 'vigie_host_network_transmit_bytes_total', 'Bytes sent on `iface` since the interface (or host) started, when the agent reports totals.', N, snap, (s, set) => {
    for (const h of online(s)) for (const n of h.latest!.net ?? []) set({ host: h.id, iface: n.iface }, n.txBytes);
  });
  gauge(reg, 'vigie_host_network_speed_bytes_per_second', 'Link speed of `iface` in bytes per second (SNMP devices that report it).', N, snap, (s, set) => {
    for (const h of online(s)) for (const n of h.latest!.net ?? []) set({ host: h.id, iface: n.iface }, n.speed);
  });
  gauge(reg, 'vigie_host_network_oper_up', '1 when `iface` is operationally up, 0 otherwise (SNMP devices: ifOperStatus).', N, snap, (s, set) => {
    for (const h of online(s)) for (const n of h.latest!.net ?? []) if (n.oper) set({ host: h.id, iface: n.iface }, n.oper === 'up' ? 1 : 0);
  });
  gauge(reg, 'vigie_host_temperature_celsius', 'Temperature of a sensor of the host.', ['host', 'sensor'], snap, (s, set) => {
    for (const h of online(s)) set({ host: h.id, sensor: 'cpu' }, h.latest!.temperature?.cpu);
  });
  gauge(reg, 'vigie_host_uptime_seconds', 'Seconds since the host booted.', H, snap, (s, set) => {
    for (const h of online(s)) set({ host: h.id }, h.latest!.uptime);
  });
  gauge(reg, 'vigie_host_processes', 'Processes running on the host.', H, snap, (s, set) => {
    for (const h of online(s)) set({ host: h.id }, h.latest!.processes);
  });

  // --- Containers (Docker or podman on the host, agent `containers` block) ---
  const CT = ['host', 'container', 'image'];
  const containers = (s: Snapshot, each: (host: string, c: ContainerMetrics) => void): void => {
    for (const h of online(s)) for (const c of h.latest!.containers ?? []) each(h.id, c);
  };
  gauge(reg, 'vigie_container_up', '1 while the container is running, 0 otherwise (exited, paused, restarting…).', [...CT, 'state'], snap, (s, set) => {
    containers(s, (host, c) => set({ host, container: c.name, image: c.image, state: c.state }, c.state === 'running' ? 1 : 0));
  });
  gauge(reg, 'vigie_container_healthy', '1 while the container\'s healthcheck passes, 0 while it fails; absent without a healthcheck.', CT, snap, (s, set) => {
    containers(s, (host, c) => set({ host, container: c.name, image: c.image }, c.health === 'healthy' ? 1 : c.health === 'unhealthy' ? 0 : null));
  });
  counter(reg, 'vigie_container_restarts_total', 'Restarts of the container by its restart policy.', CT, snap, (s, set) => {
    containers(s, (host, c) => set({ host, container: c.name, image: c.image }, c.restarts));
  });
  gauge(reg, 'vigie_container_cpu_usage_cores', 'CPU the container used over the last interval, in cores (1 = one core busy, as docker stats\' 100 %).', CT, snap, (s, set) => {
    containers(s, (host, c) => set({ host, container: c.name, image: c.image }, c.cpu === undefined ? null : c.cpu / 100));
  });
  gauge(reg, 'vigie_container_memory_used_bytes', 'Memory the container uses (without the page cache it could drop).', CT, snap, (s, set) => {
    containers(s, (host, c) => set({ host, container: c.name, image: c.image }, c.memUsed));
  });
  gauge(reg, 'vigie_container_memory_limit_bytes', 'The container\'s memory limit (the host\'s memory when it has none).', CT, snap, (s, set) => {
    containers(s, (host, c) => set({ host, container: c.name, image: c.image }, c.memLimit));
  });
  gauge(reg, 'vigie_container_network_receive_bytes_per_second', 'Bytes the container received per second, all its interfaces.', CT, snap, (s, set) => {
    containers(s, (host, c) => set({ host, container: c.name, image: c.image }, c.rxRate));
  });
  gauge(reg, 'vigie_container_network_transmit_bytes_per_second', 'Bytes the container sent per second, all its interfaces.', CT, snap, (s, set) => {
    containers(s, (host, c) => set({ host, container: c.name, image: c.image }, c.txRate));
  });

  // --- Checks: the latest result of each (check, runner) pair ---
  const C = ['check', 'runner'];
  gauge(reg, 'vigie_check_success', '1 when the check\'s latest run on `runner` succeeded (a script check: Nagios ok or warning), 0 when it failed.', [...C, 'kind'], snap, (s, set) => {
    for (const r of s.checks) set({ check: r.check, runner: r.runner, kind: r.result.kind }, r.result.state === 'up' ? 1 : 0);
  });
  gauge(reg, 'vigie_check_duration_seconds', 'Duration of the check\'s latest run (HTTP: until the body was read; ping: average round trip).', C, snap, (s, set) => {
    for (const r of s.checks) set({ check: r.check, runner: r.runner }, r.result.latency);
  });
  gauge(reg, 'vigie_check_timestamp_seconds', 'When the check\'s latest run happened (runner time, Unix time).', C, snap, (s, set) => {
    for (const r of s.checks) set({ check: r.check, runner: r.runner }, r.result.ts / 1000);
  });
  gauge(reg, 'vigie_check_http_status_code', 'HTTP status of the latest response (HTTP checks).', C, snap, (s, set) => {
    for (const r of s.checks) set({ check: r.check, runner: r.runner }, r.result.status);
  });
  gauge(reg, 'vigie_check_certificate_expiry_seconds', 'Seconds until the served certificate expires (negative once expired); divide by 86400 for days (TLS and HTTPS checks).', C, snap, (s, set) => {
    for (const r of s.checks) if (r.result.cert) set({ check: r.check, runner: r.runner }, (r.result.cert.notAfter - s.now) / 1000);
  });
  gauge(reg, 'vigie_check_certificate_valid', '1 when the served certificate\'s chain verifies and its name matches, 0 otherwise.', C, snap, (s, set) => {
    for (const r of s.checks) if (r.result.cert) set({ check: r.check, runner: r.runner }, r.result.cert.chainValid && r.result.cert.hostnameMatch ? 1 : 0);
  });
  gauge(reg, 'vigie_check_script_status', 'Nagios status of a script check\'s latest run: 0 ok, 1 warning, 2 critical, 3 unknown.', C, snap, (s, set) => {
    for (const r of s.checks) if (r.result.script) set({ check: r.check, runner: r.runner }, NAGIOS_CODE[r.result.script.status]);
  });

  // --- Alerts ---
  gauge(reg, 'vigie_alert_firing', '1 for each firing alert (rule `disk:/`, `check:<id>`…), by host and severity.', ['host', 'rule', 'severity'], snap, (s, set) => {
    for (const a of s.alerts) set({ host: a.host, rule: a.rule, severity: a.severity }, 1);
  });
  // The name and meaning /api/metrics had before prom-client: dashboards built on it keep working.
  if (src.alerts) {
    const alerts = src.alerts;
    gauge(reg, 'vigie_alerts_firing', 'Firing alerts by severity (0 when none).', ['severity'], snap, (_s, set) => {
      const counts = alerts.counts();
      set({ severity: 'warning' }, counts.warning);
      set({ severity: 'critical' }, counts.critical);
    });
  }

  // --- Home Assistant discovery (ha.enabled) ---
  if (src.ingest.haStats) {
    const ha = src.ingest.haStats;
    gauge(reg, 'vigie_ha_discovery_configs', 'Home Assistant discovery configs the ingest holds retained on the broker.', [], snap, (_s, set) => set({}, ha().configs));
    counter(reg, 'vigie_ha_discovery_published_total', 'Home Assistant discovery configs published (a change, a birth message, a resubscription).', [], snap, (_s, set) => set({}, ha().published));
    counter(reg, 'vigie_ha_discovery_cleared_total', 'Home Assistant discovery configs cleared (a mount, interface, check or host gone).', [], snap, (_s, set) => set({}, ha().cleared));
  }

  // --- The server itself (what /api/metrics carried before prom-client) ---
  gauge(reg, 'vigie_hosts', 'Known hosts by presence.', ['presence'], snap, (s, set) => {
    const on = s.hosts.filter((h) => h.presence === 'online').length;
    set({ presence: 'online' }, on);
    set({ presence: 'offline' }, s.hosts.length - on);
  });
  counter(reg, 'vigie_mqtt_messages_total', 'Agent messages the ingest received, by outcome.', ['outcome'], snap, ({ stats }, set) => {
    set({ outcome: 'accepted' }, stats.accepted);
    set({ outcome: 'invalid' }, stats.invalid);
    set({ outcome: 'failed' }, stats.failed);
    set({ outcome: 'duplicate' }, stats.duplicates);
    set({ outcome: 'deferred' }, stats.deferred);
  });
  const kind = (s: Snapshot) => ({ store: s.stats.store?.kind ?? 'sqlite' });
  gauge(reg, 'vigie_storage_ok', '1 while store writes succeed; 0 while they fail (disk full or failing: nothing is acknowledged).', ['store', 'state'], snap, (s, set) => {
    set({ ...kind(s), state: s.stats.storage }, s.stats.storage === 'ok' ? 1 : 0);
  });
  gauge(reg, 'vigie_ingest_unacked_messages', 'QoS 1 messages received and waiting for a store commit before their acknowledgement.', [], snap, (s, set) => set({}, s.stats.unacked));
  counter(reg, 'vigie_limit_refused_total', 'Disk and network entries refused by the per-host cardinality limits.', [], snap, (s, set) => set({}, s.stats.limits.refused));
  gauge(reg, 'vigie_hosts_over_limit', 'Hosts refused by their cardinality limits in the last 10 minutes.', [], snap, (s, set) => set({}, s.stats.limits.hosts.length));
  gauge(reg, 'vigie_ingest_lag_seconds', 'How far behind the ingest is: the queueing delay every host\'s samples share (0 when it keeps up).', [], snap, (s, set) => set({}, (s.stats.lagMs ?? 0) / 1000));
  gauge(reg, 'vigie_ingest_connected', '1 while the ingest is connected to the broker.', [], snap, (s, set) => set({}, s.stats.connected ? 1 : 0));
  const K = ['store'];
  counter(reg, 'vigie_points_written_total', 'Points written to the history store.', K, snap, (s, set) => set(kind(s), s.stats.store?.written ?? s.stats.pointsWritten));
  counter(reg, 'vigie_points_retried_total', 'Points sent again after a failed write.', K, snap, (s, set) => set(kind(s), s.stats.store?.retried ?? 0));
  counter(reg, 'vigie_points_dropped_total', 'Points lost: the write buffer was full.', K, snap, (s, set) => set(kind(s), s.stats.store?.dropped ?? s.stats.dropped));
  counter(reg, 'vigie_points_rejected_total', 'Points the store refused (bad data, credentials, too old).', K, snap, (s, set) => set(kind(s), s.stats.store?.rejected ?? 0));
  gauge(reg, 'vigie_points_pending', 'Points waiting to be written.', K, snap, (s, set) => set(kind(s), s.stats.store?.pending ?? s.stats.pending));
  gauge(reg, 'vigie_store_buffer_fill_ratio', 'Pending points over the buffer size.', K, snap, (s, set) => set(kind(s), s.stats.store?.bufferFill ?? 0));
  gauge(reg, 'vigie_store_write_rate', 'Points written per second over the last 10 s.', K, snap, (s, set) => set(kind(s), s.stats.store?.writeRate ?? 0));
  if (src.channels) {
    const notifier = src.channels.notifier;
    counter(reg, 'vigie_notifications_total', 'Notification messages by outcome.', ['outcome'], snap, (_s, set) => {
      const n = notifier.stats();
      set({ outcome: 'delivered' }, n.delivered);
      set({ outcome: 'failed' }, n.failed);
      set({ outcome: 'dropped' }, n.dropped);
    });
  }
  if (src.broker) {
    // The embedded broker's refusal, cut and drop counters (issue 10, item 6d); absent when this process runs no broker.
    gauge(reg, 'vigie_broker_clients', 'MQTT clients connected to the embedded broker.', [], snap, (s, set) => set({}, s.broker?.clients));
    counter(reg, 'vigie_broker_refused_total', 'MQTT CONNECTs, publishes and subscriptions refused, by cause.', ['cause'], snap, ({ broker: b }, set) => {
      if (!b) return;
      set({ cause: 'auth' }, b.refused);
      set({ cause: 'throttled_login' }, b.throttledLogins);
      set({ cause: 'client_id' }, b.clientIdRefused);
      set({ cause: 'invalid_topic' }, b.invalidTopics);
    });
    counter(reg, 'vigie_broker_connections_cut_total', 'MQTT connections the broker cut, by cause.', ['cause'], snap, ({ broker: b }, set) => {
      if (!b) return;
      set({ cause: 'oversize' }, b.rejectedOversize);
      set({ cause: 'slow_consumer' }, b.slowClientsCut);
    });
    counter(reg, 'vigie_broker_retained_refused_total', 'Retained publishes delivered but not stored, by cause.', ['cause'], snap, ({ broker: b }, set) => {
      if (!b) return;
      set({ cause: 'contract' }, b.retainRefused);
      set({ cause: 'quota' }, b.retainOverQuota);
    });
    // The ingest's flow (broker/ingest-flow.ts, issue 16): what the broker holds for it, and the publishes that waited for it.
    gauge(reg, 'vigie_broker_ingest_backlog_messages', 'QoS 1 messages the broker holds for the ingest, not yet acknowledged (at most broker.ingestWindow).', [], snap, (s, set) => set({}, s.broker?.ingestBacklog));
    gauge(reg, 'vigie_broker_publishes_waiting', 'Publishes held before they are read, until the ingest catches up.', [], snap, (s, set) => set({}, s.broker?.publishesWaiting));
    counter(reg, 'vigie_broker_ingest_waits_total', 'Publishes that had to wait for the ingest to catch up.', [], snap, (s, set) => set({}, s.broker?.ingestWaits));
    gauge(reg, 'vigie_broker_retained_messages', 'Retained messages the broker stores.', [], snap, (s, set) => set({}, s.broker?.retained.messages));
    gauge(reg, 'vigie_broker_retained_bytes', 'Bytes the stored retained payloads hold in memory (large ones deflated).', [], snap, (s, set) => set({}, s.broker?.retained.bytes));
    counter(reg, 'vigie_broker_session_queue_dropped_total', 'Messages dropped from full persistent-session queues.', [], snap, (s, set) => set({}, s.broker?.sessionQueueDropped));
  }

  // Kept from the hand-written /api/metrics for dashboards built on it; process_resident_memory_bytes is the same value.
  gauge(reg, 'vigie_process_resident_memory_bytes', 'Resident memory of the server process (as process_resident_memory_bytes; kept for older dashboards).', [], snap, (_s, set) => set({}, process.memoryUsage.rss()));

  return {
    registry: reg,
    async scrape() {
      current = take();
      try {
        return await reg.metrics();
      } finally {
        current = null;
      }
    },
  };
}
