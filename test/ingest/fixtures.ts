/** Payloads and config for the ingest suites: valid by construction, tweaked per test. */
import { Value } from '@sinclair/typebox/value';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { BrokerConfig, BrokerHandle } from '../../broker/index.js';
import { IngestConfig } from '../../ingest/config.js';
import { startIngest } from '../../ingest/index.js';
import type { IngestHandle } from '../../ingest/types.js';
import type { InfoPayload, MetricsPayload, ServicesPayload, StatusPayload } from '../../protocol/payloads.js';
import { createTopics } from '../../protocol/topics.js';
import { tempDir } from '../helpers/env.js';
import { connectClient, startTestBroker } from '../helpers/mqtt.js';

export const topics = createTopics('vigie');

let clientSeq = 0;
/** Ingest config from the schema defaults, on `url`, with a client id unique to the suite run. */
export function ingestConfig(url: string, overrides: Partial<IngestConfig> = {}): IngestConfig {
  clientSeq += 1;
  return Value.Default(IngestConfig, { broker: url, clientId: `ingest-test-${process.pid}-${clientSeq}`, flushInterval: 0.05, ...overrides }) as IngestConfig;
}

export function metrics(ts: number, o: Partial<MetricsPayload> = {}): MetricsPayload {
  return {
    v: 1, ts,
    cpu: { usage: 12.5, load1: 0.5, load5: 0.4, load15: 0.3 },
    mem: { total: 8e9, used: 2e9, available: 6e9, usedPercent: 25 },
    disks: [{ mount: '/', fs: 'ext4', total: 1e11, used: 4e10, free: 6e10, usedPercent: 40 }],
    net: [{ iface: 'eth0', rxRate: 1000, txRate: 500 }],
    uptime: 3600,
    processes: 120,
    ...o,
  };
}

export function status(state: 'online' | 'offline', reason: string, interval = 5): StatusPayload {
  return { v: 1, state, reason, agent: '0.1.0', interval };
}

export function info(hostname: string): InfoPayload {
  return {
    v: 1, ts: Date.now(), hostname,
    os: { platform: 'linux', distro: 'Debian', release: '12' }, kernel: '6.1.0', arch: 'x64',
    cpu: { model: 'Test CPU', cores: 4 }, memTotal: 8e9,
    disks: [{ mount: '/', fs: 'ext4', size: 1e11 }], addresses: [{ iface: 'eth0', ip4: '10.0.0.2' }],
    bootTime: Date.now() - 3_600_000, agent: '0.1.0',
  };
}

export function services(): ServicesPayload {
  return { v: 1, ts: Date.now(), services: [{ name: 'sshd', state: 'running', enabled: true }] };
}

/** Publishes with QoS 1 (resolves on PUBACK). */
export function publish(client: MqttClient, topic: string, payload: string | Buffer | object, retain = false): Promise<void> {
  const body = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload);
  return client.publishAsync(topic, body, { qos: 1, retain }).then(() => undefined);
}

/** A real broker, a temp data dir and an ingest on them, torn down whatever the test does. */
export interface IngestRig {
  broker: BrokerHandle;
  ingest: IngestHandle;
  /** An MQTT client on the rig's broker, ended at teardown. */
  connect(opts?: IClientOptions): Promise<MqttClient>;
  /**
   * Closes the ingest and starts another on the same data dir: with the same
   * client id (its broker session and queue) when `sameSession`, else a new one.
   */
  restart(opts?: { sameSession?: boolean }): Promise<IngestHandle>;
}

export async function withIngest(
  opts: { ingest?: Partial<IngestConfig>; broker?: Partial<BrokerConfig> },
  run: (rig: IngestRig) => Promise<void>,
): Promise<void> {
  const broker = await startTestBroker(opts.broker);
  const dir = tempDir();
  const clients: MqttClient[] = [];
  let config = ingestConfig(broker.url, opts.ingest);
  const start = () => startIngest({ ingest: config, dataDir: dir.path, prefix: 'vigie' });
  const rig: IngestRig = {
    broker,
    ingest: await start(),
    async connect(clientOpts) {
      const client = await connectClient(broker.url, clientOpts);
      clients.push(client);
      return client;
    },
    async restart(restartOpts) {
      await rig.ingest.close();
      if (!restartOpts?.sameSession) config = ingestConfig(broker.url, opts.ingest);
      rig.ingest = await start();
      return rig.ingest;
    },
  };
  try {
    await run(rig);
  } finally {
    for (const c of clients) c.end(true);
    await rig.ingest.close();
    await broker.close();
    dir.remove();
  }
}
