import mqtt from 'mqtt';
import { encodePayload, type MetricsPayload } from '../../protocol/payloads.js';
import { createTopics } from '../../protocol/topics.js';

/** Simulated agents: real MQTT connections publishing realistic metrics at a fixed interval. */
export interface Fleet {
  published(): number;
  errors(): number;
  stop(): Promise<void>;
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

/** The simulated agent's host id. */
export const simulatedHost = (i: number): string => `sim-${String(i).padStart(5, '0')}`;

export async function startFleet(opts: {
  url: string;
  agents: number;
  intervalMs: number;
  /** Each agent's MQTT credentials, by index. */
  credentials: (i: number) => { username: string; password: string };
  prefix?: string;
  connectBatch?: number;
}): Promise<Fleet> {
  const topics = createTopics(opts.prefix ?? 'vigie');
  const clients: mqtt.MqttClient[] = [];
  const timers: NodeJS.Timeout[] = [];
  let published = 0;
  let errors = 0;
  const batch = opts.connectBatch ?? 200;
  for (let start = 0; start < opts.agents; start += batch) {
    const connecting: Array<Promise<void>> = [];
    for (let i = start; i < Math.min(opts.agents, start + batch); i++) {
      const host = simulatedHost(i);
      const client = mqtt.connect(opts.url, { clientId: `bench-${host}`, reconnectPeriod: 1000, keepalive: 60, ...opts.credentials(i) });
      client.on('error', () => (errors += 1));
      clients.push(client);
      connecting.push(
        new Promise<void>((resolve) => {
          client.once('connect', () => {
            client.publish(topics.host(host, 'status'), JSON.stringify({ v: 1, state: 'online', reason: 'connected', agent: 'bench', interval: opts.intervalMs / 1000 }), { qos: 1, retain: true });
            // Random phase so the fleet does not publish in lock-step.
            const first = setTimeout(() => {
              const tick = () => {
                client.publish(topics.host(host, 'metrics'), encodePayload('metrics', simulatedMetrics(i, Date.now())), { qos: 1 }, (e) => {
                  if (e) errors += 1;
                  else published += 1;
                });
              };
              tick();
              timers.push(setInterval(tick, opts.intervalMs));
            }, Math.random() * opts.intervalMs);
            timers.push(first);
            resolve();
          });
        }),
      );
    }
    await Promise.all(connecting);
  }
  return {
    published: () => published,
    errors: () => errors,
    stop: async () => {
      for (const t of timers) clearInterval(t);
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    },
  };
}
