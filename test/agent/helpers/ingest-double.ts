/**
 * The server's side of the agent contract, played by a test over a real
 * MQTT connection: the retained summary (online/offline) and the retained
 * `stored` acknowledgement, plus a record of every metrics sample received,
 * counted by seq.
 */
import type { MqttClient } from 'mqtt';
import { VIGIE_VERSION } from '../../../core/version.js';
import { decodePayload, type MetricsPayload, type SummaryPayload } from '../../../protocol/payloads.js';
import { createTopics } from '../../../protocol/topics.js';

const topics = createTopics('vigie');

export function summary(state: 'online' | 'offline'): string {
  const payload: SummaryPayload = { v: 1, ts: Date.now(), state, hosts: { total: 0, online: 0, offline: 0 }, version: VIGIE_VERSION, addresses: [] };
  return JSON.stringify(payload);
}

/** Publishes the retained server summary, as the ingest (or its Last Will) does. */
export async function publishSummary(client: MqttClient, state: 'online' | 'offline'): Promise<void> {
  await client.publishAsync(topics.serverSummary(), summary(state), { qos: 1, retain: true });
}

/** Publishes the retained `stored` acknowledgement for `host`. */
export async function publishStored(client: MqttClient, host: string, seq: number): Promise<void> {
  await client.publishAsync(topics.stored(host), JSON.stringify({ v: 1, ts: Date.now(), seq }), { qos: 1, retain: true });
}

export interface ReceivedSamples {
  /** Every sample received, in arrival order (resends included). */
  all: MetricsPayload[];
  /** Times each seq was received. */
  count: Map<number, number>;
  seqs(): number[];
  /** The seqs from `from` to `to` that were never received. */
  missing(from: number, to: number): number[];
}

/** Subscribes to `host`'s metrics and records them; resolves once subscribed. */
export async function recordSamples(client: MqttClient, host: string): Promise<ReceivedSamples> {
  const topic = topics.host(host, 'metrics');
  const all: MetricsPayload[] = [];
  const count = new Map<number, number>();
  client.on('message', (t, payload) => {
    if (t !== topic) return;
    const decoded = decodePayload('metrics', payload);
    if (!decoded.ok) throw new Error(decoded.error);
    all.push(decoded.value);
    const seq = decoded.value.seq;
    if (seq !== undefined) count.set(seq, (count.get(seq) ?? 0) + 1);
  });
  await client.subscribeAsync(topic, { qos: 1 });
  return {
    all,
    count,
    seqs: () => all.map((m) => m.seq ?? -1),
    missing(from, to) {
      const gaps: number[] = [];
      for (let s = from; s <= to; s += 1) if (!count.has(s)) gaps.push(s);
      return gaps;
    },
  };
}
