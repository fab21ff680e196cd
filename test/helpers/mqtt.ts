/**
 * MQTT helpers for every suite: a real broker on a free port, clients that
 * resolve once connected, and "the next message on this filter".
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { Value } from '@sinclair/typebox/value';
import { BrokerConfig } from '../../broker/config.js';
import { startBroker, type BrokerHandle } from '../../broker/index.js';
import './env.js'; // silences logs

/** A real Aedes broker on 127.0.0.1 and a free port; config defaults from the schema. */
export async function startTestBroker(overrides: Partial<BrokerConfig> = {}): Promise<BrokerHandle> {
  const config = Value.Default(BrokerConfig, { host: '127.0.0.1', port: 0, ...overrides }) as BrokerConfig;
  return startBroker(config);
}

/**
 * Connects and resolves on CONNACK; rejects on error or after
 * `connectTimeout` (default 5 s). Reconnection is off unless asked for, so a
 * failing test fails instead of retrying.
 */
export function connectClient(url: string, opts: IClientOptions = {}): Promise<MqttClient> {
  const timeoutMs = opts.connectTimeout ?? 5_000;
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: timeoutMs, ...opts });
    const fail = (error: Error): void => {
      clearTimeout(timer);
      client.end(true);
      reject(error);
    };
    const timer = setTimeout(() => fail(new Error(`no CONNACK from ${url} within ${timeoutMs} ms`)), timeoutMs);
    client.once('connect', () => {
      clearTimeout(timer);
      client.off('error', fail);
      resolve(client);
    });
    client.once('error', fail);
  });
}

export interface ReceivedMessage {
  topic: string;
  payload: Buffer;
  retain: boolean;
}

export interface NextMessageOptions {
  /** Default 5000. */
  timeoutMs?: number;
  /** Only a message for which this returns true resolves. */
  match?: (message: ReceivedMessage) => boolean;
  /** QoS of the subscription made if the client has none for this filter; default 1. */
  qos?: 0 | 1 | 2;
}

const subscribed = new WeakMap<MqttClient, Set<string>>();

/**
 * The next message on `topicFilter` (wildcards allowed), subscribing first if
 * this client has not yet subscribed to that exact filter through this
 * helper. The listener is in place before SUBSCRIBE goes out, so a retained
 * message sent right after SUBACK is not missed.
 */
export function nextMessage(client: MqttClient, topicFilter: string, opts: NextMessageOptions = {}): Promise<ReceivedMessage> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  return new Promise((resolve, reject) => {
    const onMessage = (topic: string, payload: Buffer, packet: { retain?: boolean }): void => {
      if (!topicMatches(topicFilter, topic)) return;
      const message = { topic, payload, retain: packet.retain === true };
      if (opts.match && !opts.match(message)) return;
      cleanup();
      resolve(message);
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      client.off('message', onMessage);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no message on ${topicFilter} within ${timeoutMs} ms`));
    }, timeoutMs);
    client.on('message', onMessage);

    const filters = subscribed.get(client) ?? new Set<string>();
    subscribed.set(client, filters);
    if (filters.has(topicFilter)) return;
    filters.add(topicFilter);
    client.subscribe(topicFilter, { qos: opts.qos ?? 1 }, (error, granted) => {
      const refused = granted?.find((g) => g.qos === 128);
      if (error || refused) {
        filters.delete(topicFilter);
        cleanup();
        reject(error ?? new Error(`subscription to ${topicFilter} refused`));
      }
    });
  });
}

/** MQTT topic filter matching (§4.7): `+` one level, `#` the rest; `$` topics need an explicit first level. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
