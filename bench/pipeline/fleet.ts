import mqtt from 'mqtt';
import { encodePayload, type InfoPayload, type MetricsPayload, type ServiceEntry, type ServicesPayload } from '../../protocol/payloads.js';
import { createTopics } from '../../protocol/topics.js';
import { agentClientId } from '../../protocol/client-ids.js';
import { STATUS_INTERVAL_MIN_S } from '../../protocol/schemas/status.js';

/**
 * Simulated agents: real MQTT connections that behave like agent/ on the
 * wire. Each one, on connect: retained `status` online (Last Will offline),
 * retained `info` and `services` (40–250 systemd units), subscriptions to
 * the server summary and its `stored` acknowledgements; then `metrics` at
 * QoS 1 with a `seq`, held until the summary says the ingest is online
 * (agent/publisher.ts, serverWait). Like the real agent it keeps at most
 * `window` samples in flight before their PUBACK; newer ones wait in a
 * bounded buffer, oldest dropped past `bufferSize` (agent bufferSize), and
 * are sent in order as acknowledgements come. Services are published again
 * every `servicesEvery` seconds, as agent.servicesInterval does.
 */
export interface FleetStats {
  /** Samples taken (one per agent per tick). */
  sampled: number;
  /** Samples handed to the broker (first send). */
  published: number;
  /** Samples the broker acknowledged (PUBACK). */
  acked: number;
  /** Sent, not acknowledged yet. */
  inFlight: number;
  /** Taken, not sent yet: waiting in the agents' buffers. */
  waiting: number;
  /** Dropped from full agent buffers (the oldest first). */
  droppedAtEdge: number;
  errors: number;
  connected: number;
  /** Retained info/services messages the broker acknowledged. */
  retainedAcked: number;
}

export interface Fleet {
  stats(): FleetStats;
  /** Changes every agent's sampling interval from its next tick on. */
  setInterval(ms: number): void;
  /** Stops taking samples; what is buffered is still sent. */
  pause(): void;
  /** Per host: the `ts` of every sample the broker acknowledged (trackAcked only). */
  ackedTs(): Map<string, number[]>;
  /** Per host: the highest seq the broker acknowledged. */
  ackedSeq(): Map<string, number>;
  stop(): Promise<void>;
  /** Same as stats().published, kept for the callers of the first version. */
  published(): number;
  errors(): number;
}

const GiB = 2 ** 30;

/** A plausible sample that drifts a little every time, ~700 bytes of JSON. */
export function simulatedMetrics(i: number, ts: number): MetricsPayload {
  const wobble = (base: number, spread: number) => Math.max(0, Math.min(100, base + (Math.random() - 0.5) * spread));
  const memTotal = 4 * GiB;
  const memUsed = Math.round(memTotal * (0.3 + (i % 5) * 0.1));
  return {
    v: 1,
    ts,
    cpu: { usage: Number(wobble(20 + (i % 7) * 5, 10).toFixed(2)), load1: 0.4, load5: 0.35, load15: 0.3, iowait: 0.2, cores: 4 },
    mem: { total: memTotal, used: memUsed, available: memTotal - memUsed, usedPercent: Number(((memUsed / memTotal) * 100).toFixed(2)) },
    swap: { total: GiB, used: 0, usedPercent: 0 },
    disks: [
      { mount: '/', fs: 'ext4', total: 64 * GiB, used: 20 * GiB, free: 44 * GiB, usedPercent: 31.25 },
      { mount: '/var', fs: 'ext4', total: 128 * GiB, used: 60 * GiB, free: 68 * GiB, usedPercent: 46.88 },
    ],
    net: [
      { iface: 'eth0', rxRate: Math.round(Math.random() * 1e6), txRate: Math.round(Math.random() * 2e5) },
      { iface: 'wlan0', rxRate: 0, txRate: 0 },
    ],
    temperature: { cpu: 45 },
    uptime: 86_400 + i,
    processes: 180 + (i % 50),
  };
}

/** What agent/info.ts reports for a small Debian VPS. */
export function simulatedInfo(i: number, ts: number): InfoPayload {
  const host = simulatedHost(i);
  return {
    v: 1,
    ts,
    hostname: host,
    os: { platform: 'linux', distro: 'Debian GNU/Linux', release: '12 (bookworm)' },
    kernel: '6.1.0-28-amd64',
    arch: 'x64',
    cpu: { model: 'Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz', cores: 4, physicalCores: 2 },
    memTotal: 4 * GiB,
    disks: [
      { mount: '/', fs: 'ext4', size: 64 * GiB },
      { mount: '/var', fs: 'ext4', size: 128 * GiB },
    ],
    addresses: [
      { iface: 'eth0', ip4: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, ip6: `fe80::216:3eff:fe${(i & 255).toString(16).padStart(2, '0')}:1`, mac: `00:16:3e:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}` },
      { iface: 'wlan0' },
    ],
    bootTime: ts - (86_400 + i) * 1000,
    agent: 'bench',
  };
}

const COMMON_UNITS = [
  'accounts-daemon', 'apparmor', 'apt-daily', 'apt-daily-upgrade', 'auditd', 'avahi-daemon', 'chrony', 'cloud-config', 'cloud-final', 'cloud-init',
  'cloud-init-local', 'console-setup', 'cron', 'dbus', 'docker', 'containerd', 'e2scrub_all', 'e2scrub_reap', 'fail2ban', 'fstrim', 'getty@tty1',
  'ifupdown-pre', 'keyboard-setup', 'kmod-static-nodes', 'logrotate', 'man-db', 'modprobe@drm', 'networking', 'nginx', 'nftables', 'postfix',
  'postgresql', 'rsyslog', 'serial-getty@ttyS0', 'ssh', 'sysstat', 'systemd-journald', 'systemd-logind', 'systemd-networkd', 'systemd-resolved',
  'systemd-timesyncd', 'systemd-tmpfiles-setup', 'systemd-udevd', 'systemd-update-utmp', 'unattended-upgrades', 'user@1000', 'vigie-agent',
  'redis-server', 'php8.2-fpm', 'mariadb', 'snapd', 'polkit', 'udisks2', 'ModemManager', 'NetworkManager', 'wpa_supplicant', 'bluetooth', 'cups',
];

/** 40–250 services per host (a minimal VPS to a busy server), sorted by name as agent/services lists them. */
export function simulatedServices(i: number, ts: number): ServicesPayload {
  const count = 40 + ((i * 37) % 211);
  const services: ServiceEntry[] = [];
  for (let k = 0; k < count; k++) {
    const base = COMMON_UNITS[k % COMMON_UNITS.length]!;
    const name = k < COMMON_UNITS.length ? `${base}.service` : `app-worker@${k}.service`;
    // Most run; some are oneshots that ran (stopped), one in fifty failed.
    const state = k % 50 === 7 ? 'failed' : k % 6 === 3 ? 'stopped' : 'running';
    services.push({ name, state, enabled: k % 9 === 4 ? false : k % 13 === 5 ? null : true });
  }
  services.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { v: 1, ts, services };
}

/** The simulated agent's host id. */
export const simulatedHost = (i: number): string => `sim-${String(i).padStart(5, '0')}`;

export interface FleetOptions {
  url: string;
  agents: number;
  intervalMs: number;
  /** Each agent's MQTT credentials, by index. */
  credentials: (i: number) => { username: string; password: string };
  prefix?: string;
  connectBatch?: number;
  /** Samples in flight before their PUBACK, per agent (the real agent's IN_FLIGHT_WINDOW). */
  window?: number;
  /** Samples an agent keeps unsent before dropping its oldest (agent.bufferSize default: 4 h at 5 s). */
  bufferSize?: number;
  /** Seconds between services publications (agent.servicesInterval). */
  servicesEvery?: number;
  /** Keep the ts of every acknowledged sample, to check the store afterwards. */
  trackAcked?: boolean;
}

export async function startFleet(opts: FleetOptions): Promise<Fleet> {
  const topics = createTopics(opts.prefix ?? 'vigie');
  const windowSize = opts.window ?? 32;
  const bufferSize = opts.bufferSize ?? 2880;
  const servicesEveryMs = (opts.servicesEvery ?? 300) * 1000;
  const s: FleetStats = { sampled: 0, published: 0, acked: 0, inFlight: 0, waiting: 0, droppedAtEdge: 0, errors: 0, connected: 0, retainedAcked: 0 };
  let intervalMs = opts.intervalMs;
  let paused = false;
  let stopping = false;
  /** Each agent's current client. */
  const clients: Array<() => mqtt.MqttClient> = [];
  const timers = new Set<NodeJS.Timeout>();
  const ackedTs = new Map<string, number[]>();
  const ackedSeq = new Map<string, number>();
  const summaryTopic = topics.serverSummary();
  const later = (fn: () => void, ms: number): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const startAgent = (i: number): Promise<void> => {
    const host = simulatedHost(i);
    const statusTopic = topics.host(host, 'status');
    const metricsTopic = topics.host(host, 'metrics');
    // The overload runs publish faster than an agent may (every 42 ms); status says the fastest valid interval, 0.1 s.
    const status = (state: 'online' | 'offline', reason: string): string => encodePayload('status', { v: 1, state, reason, agent: 'bench', interval: Math.max(STATUS_INTERVAL_MIN_S, intervalMs / 1000) });
    type Entry = { text: string; ts: number; seq: number };
    /** Samples taken and not sent yet, oldest first. */
    const buffer: Entry[] = [];
    let head = 0; // index of the oldest unsent sample (shifting a long array each send would be O(n))
    /** Sent on this connection, not acknowledged yet, in seq order. */
    let inFlight: Entry[] = [];
    let seq = 0;
    let online = false;
    let client!: mqtt.MqttClient;
    /** Bumped on every connection: acknowledgements of an older one are ignored, as agent/publisher.ts does. */
    let connection = 0;
    let counted = false;
    const track = opts.trackAcked ? (ackedTs.set(host, []), ackedTs.get(host)!) : undefined;

    const pump = (): void => {
      const mine = connection;
      while (online && client.connected && !stopping && inFlight.length < windowSize && head < buffer.length) {
        const entry = buffer[head]!;
        buffer[head] = undefined as never;
        head += 1;
        s.waiting -= 1;
        inFlight.push(entry);
        s.inFlight += 1;
        s.published += 1;
        client.publish(metricsTopic, entry.text, { qos: 1 }, (error) => {
          if (mine !== connection) return; // that connection's in-flight samples went back to the buffer
          const at = inFlight.indexOf(entry);
          if (at >= 0) inFlight.splice(at, 1);
          s.inFlight -= 1;
          if (error) {
            if (!stopping) s.errors += 1;
            buffer.splice(head, 0, entry); // sent again, before newer ones
            s.waiting += 1;
            return;
          }
          s.acked += 1;
          track?.push(entry.ts);
          if (entry.seq > (ackedSeq.get(host) ?? 0)) ackedSeq.set(host, entry.seq);
          pump();
        });
      }
      if (head > 1024 && head * 2 > buffer.length) {
        buffer.splice(0, head);
        head = 0;
      }
    };

    let next = Date.now() + Math.random() * intervalMs; // random phase: the fleet does not publish in lock-step
    const tick = (): void => {
      if (stopping || paused) return;
      const now = Date.now();
      seq += 1;
      const sample = { ...simulatedMetrics(i, now), seq };
      buffer.push({ text: encodePayload('metrics', sample), ts: now, seq });
      s.sampled += 1;
      s.waiting += 1;
      if (buffer.length - head > bufferSize) {
        buffer[head] = undefined as never;
        head += 1;
        s.waiting -= 1;
        s.droppedAtEdge += 1;
      }
      pump();
      // Ticks keep their phase; a late loop does not catch up with a burst (the real agent skips too).
      next += intervalMs;
      if (next < now) next = now + intervalMs;
      later(tick, next - now);
    };

    const publishServices = (): void => {
      if (stopping || !client.connected) return;
      client.publish(topics.host(host, 'services'), encodePayload('services', simulatedServices(i, Date.now())), { qos: 1, retain: true }, (e) => (e ? (s.errors += 1) : (s.retainedAcked += 1)));
    };
    let started = false;
    return new Promise<void>((resolve) => {
      // Reconnection is ours, with a fresh client each time (fresh mqtt.js stores): what was in
      // flight goes back to the buffer and is sent again in seq order, as the real agent does;
      // mqtt.js resending on its own could put an older seq behind a newer one, which the ingest
      // then drops as already stored (a `stored` acknowledgement covers every lower seq).
      const connect = (): void => {
        if (stopping) return;
        connection += 1;
        const mine = connection;
        client = mqtt.connect(opts.url, {
          clientId: agentClientId(host),
          clean: true,
          keepalive: 30,
          reconnectPeriod: 0,
          writeCache: false,
          will: { topic: statusTopic, payload: Buffer.from(status('offline', 'lost')), qos: 1, retain: true },
          ...opts.credentials(i),
        });
        const c = client;
        c.on('error', () => void (mine === connection && !stopping && (s.errors += 1)));
        c.on('message', (topic, payload) => {
          if (mine !== connection || topic !== summaryTopic || payload.length === 0) return;
          const was = online;
          online = (JSON.parse(payload.toString()) as { state?: string }).state === 'online';
          if (online && !was) pump();
        });
        c.on('close', () => {
          if (mine !== connection) return;
          connection += 1;
          if (counted) s.connected -= 1;
          counted = false;
          online = false;
          buffer.splice(head, 0, ...inFlight);
          s.waiting += inFlight.length;
          s.inFlight -= inFlight.length;
          inFlight = [];
          c.end(true);
          if (!stopping) later(connect, 1000 + Math.random() * 1000);
        });
        c.on('connect', () => {
          if (mine !== connection) return;
          s.connected += 1;
          counted = true;
          const ack = (e?: Error): void => void (e ? (s.errors += 1) : (s.retainedAcked += 1));
          c.publish(statusTopic, status('online', 'connected'), { qos: 1, retain: true }, ack);
          c.publish(topics.host(host, 'info'), encodePayload('info', simulatedInfo(i, Date.now())), { qos: 1, retain: true }, ack);
          publishServices();
          // The retained summary arrives at once and lets the metrics go (agent serverWait).
          c.subscribe({ [summaryTopic]: { qos: 1 }, [topics.stored(host)]: { qos: 1 } });
          if (!started) {
            started = true;
            later(tick, next - Date.now());
            const servicesLoop = (): void => {
              publishServices();
              later(servicesLoop, servicesEveryMs);
            };
            later(servicesLoop, servicesEveryMs * (0.5 + Math.random() * 0.5));
            resolve();
          }
        });
      };
      connect();
      clients.push(() => client);
    });
  };

  const batch = opts.connectBatch ?? 200;
  for (let start = 0; start < opts.agents; start += batch) {
    const connecting: Array<Promise<void>> = [];
    for (let i = start; i < Math.min(opts.agents, start + batch); i++) connecting.push(startAgent(i));
    await Promise.all(connecting);
  }
  return {
    stats: () => ({ ...s }),
    setInterval: (ms) => void (intervalMs = ms),
    pause: () => void (paused = true),
    ackedTs: () => ackedTs,
    ackedSeq: () => ackedSeq,
    published: () => s.published,
    errors: () => s.errors,
    stop: async () => {
      stopping = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.all(clients.map((c) => c().endAsync(true).catch(() => undefined)));
    },
  };
}
