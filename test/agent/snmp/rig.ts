/**
 * A real agent polling a real snmpd through a real broker with its ACL: the
 * ingest's credentials publish the agent's retained configuration (which is
 * also what lets the agent publish for its devices, broker/device-pollers.ts)
 * and watch every status/info/metrics message.
 */
import { Value } from '@sinclair/typebox/value';
import type { MqttClient } from 'mqtt';
import type { Timers } from '../../../agent/checks/scheduler.js';
import { AgentConfig } from '../../../agent/config.js';
import { startAgent, type AgentHandle } from '../../../agent/index.js';
import { decodePayload, encodePayload, type DeviceSpec, type InfoPayload, type MetricsPayload, type StatusPayload } from '../../../protocol/payloads.js';
import { startAuthRig, type AuthRig } from '../../broker/rig.js';

/**
 * Real timers, with the device intervals (10 s, ×1.1 by the pinned jitter
 * below) shortened 20 times: a poll every ~0.55 s. Poll deadlines (9 s) and
 * SNMP timeouts stay real.
 */
export const quickPolls: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms >= 9_500 ? ms / 20 : ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface Seen {
  status: StatusPayload[];
  info: InfoPayload[];
  metrics: MetricsPayload[];
}

export interface PollerRig {
  rig: AuthRig;
  agent: AgentHandle;
  /** Everything published for each host, in order. */
  seen(host: string): Seen;
  /** Publishes the agent's retained configuration, as the server's config publisher does. */
  configure(devices: DeviceSpec[]): Promise<void>;
  close(): Promise<void>;
}

export const device = (id: string, address: string, port: number, snmp: DeviceSpec['snmp'], extra: Partial<DeviceSpec> = {}): DeviceSpec =>
  ({ id, address, port, snmp, interval: 10, timeout: 2, retries: 0, custom: [], ...extra });

export async function startPollerRig(poller: string, devices: DeviceSpec[]): Promise<PollerRig> {
  const rig = await startAuthRig();
  const ingest = rig.store.add({ kind: 'service', role: 'ingest' });
  const agentCred = rig.store.add({ kind: 'agent', host: poller });
  let agent: AgentHandle | undefined;
  try {
    const admin: MqttClient = await rig.connect({ ...ingest, clientId: 'ingest-admin' });
    const watcher: MqttClient = await rig.connect({ ...ingest, clientId: 'ingest-watcher' });
    const seen = new Map<string, Seen>();
    const seenOf = (host: string): Seen => {
      let s = seen.get(host);
      if (!s) seen.set(host, (s = { status: [], info: [], metrics: [] }));
      return s;
    };
    watcher.on('message', (topic, payload) => {
      const [, host, kind] = topic.split('/');
      if (!host || payload.length === 0) return;
      if (kind === 'status' || kind === 'info' || kind === 'metrics') {
        const decoded = decodePayload(kind, payload);
        if (!decoded.ok) throw new Error(`${topic}: ${decoded.error}`);
        (seenOf(host)[kind] as unknown[]).push(decoded.value);
      }
    });
    await watcher.subscribeAsync(['vigie/+/status', 'vigie/+/info', 'vigie/+/metrics'], { qos: 1 });
    const configure = async (list: DeviceSpec[]): Promise<void> => {
      await admin.publishAsync(`vigie/${poller}/config`, encodePayload('agentConfig', { v: 1, ts: Date.now(), checks: [], devices: list }), { qos: 1, retain: true });
    };
    // Retained before the agent starts, as the server does: the agent finds it on connecting.
    await configure(devices);
    const config = Value.Default(AgentConfig, { broker: rig.broker.url, host: poller, username: agentCred.username, password: agentCred.password, serverWait: 0, interval: 60 }) as AgentConfig;
    agent = await startAgent(config, {
      prefix: 'vigie', services: false, diagnostics: false, collectors: [], checks: false,
      // 0.999: the first poll after ~0.5 s, then every ~0.55 s (quickPolls).
      random: () => 0.999, deviceTimers: quickPolls,
    });
    const a = agent;
    return {
      rig,
      agent: a,
      seen: seenOf,
      configure,
      close: async () => {
        await a.close();
        await rig.close();
      },
    };
  } catch (error) {
    await agent?.close();
    await rig.close();
    throw error;
  }
}
