/** Helpers of the ingest flow control tests (over MQTT and in-process). */
import type { MqttClient } from 'mqtt';
import type { AckGate } from '../../ingest/consumer.js';
import { agentClientId } from '../../protocol/client-ids.js';
import { createTopics } from '../../protocol/topics.js';
import type { AuthRig } from './rig.js';

const topics = createTopics('vigie');

/** A commit gate the test moves by hand: nothing is committed until release(), everything after. */
export function manualGate(): AckGate & { release(): void } {
  let written = 0;
  let committed = 0;
  const listeners: Array<() => void> = [];
  return {
    written: () => (written += 1),
    committed: () => committed,
    onCommit: (l) => void listeners.push(l),
    release: () => {
      committed = Number.MAX_SAFE_INTEGER;
      for (const l of listeners) l();
    },
  };
}

/** An agent connected with its own credentials, which publishes `count` numbered samples at once (QoS 1). */
export async function floodingAgent(rig: AuthRig, host: string, count: number): Promise<{ client: MqttClient; acked: () => number; publishAll(): Promise<unknown> }> {
  const creds = rig.store.add({ kind: 'agent', host });
  const client = await rig.connect({ clientId: agentClientId(host), ...creds });
  let acked = 0;
  return {
    client,
    acked: () => acked,
    publishAll: () => Promise.all(Array.from({ length: count }, (_, i) =>
      client.publishAsync(topics.host(host, 'metrics'), JSON.stringify({ seq: i }), { qos: 1 }).then(() => void (acked += 1)))),
  };
}
