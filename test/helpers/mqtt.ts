/**
 * MQTT helpers for every suite: a real broker on a free port, clients that
 * resolve once connected, and "the next message on this filter".
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { Value } from '@sinclair/typebox/value';
import { BrokerConfig } from '../../broker/config.js';
import { startBroker, type BrokerHandle, type BrokerOptions } from '../../broker/index.js';
import './env.js'; // silences logs

/** A real Aedes broker on 127.0.0.1 and a free port; config defaults from the schema. */
/**
 * A broker on a free loopback port. Anonymous access is on unless
 * `allowAnonymous: false` is given: the suites that use it test other things
 * than authentication (test/broker/auth.test.ts tests that).
 */
export async function startTestBroker(overrides: Partial<BrokerConfig> = {}, opts: BrokerOptions = {}): Promise<BrokerHandle> {
  const config = Value.Default(BrokerConfig, { host: '127.0.0.1', port: 0, allowAnonymous: true, ...overrides }) as BrokerConfig;
  return startBroker(config, opts);
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

/** The message promise, plus `subscribed`: resolves once the broker acknowledged the subscription. */
export type PendingMessage = Promise<ReceivedMessage> & { subscribed: Promise<void> };

/** Per client: the SUBACK of each filter subscribed through this helper. */
const subscriptions = new WeakMap<MqttClient, Map<string, Promise<void>>>();

/**
 * The next message on `topicFilter` (wildcards allowed), subscribing first if
 * this client has not yet subscribed to that exact filter through this
 * helper. The listener is in place before SUBSCRIBE goes out, so a retained
 * message sent right after SUBACK is not missed. Await `.subscribed` before
 * publishing from another connection, or the PUBLISH may overtake the
 * SUBSCRIBE.
 */
export function nextMessage(client: MqttClient, topicFilter: string, opts: NextMessageOptions = {}): PendingMessage {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const perClient = subscriptions.get(client) ?? new Map<string, Promise<void>>();
  subscriptions.set(client, perClient);
  let fail: (error: Error) => void = () => {};
  const message = new Promise<ReceivedMessage>((resolve, reject) => {
    const onMessage = (topic: string, payload: Buffer, packet: { retain?: boolean }): void => {
      if (!topicMatches(topicFilter, topic)) return;
      const received = { topic, payload, retain: packet.retain === true };
      if (opts.match && !opts.match(received)) return;
      cleanup();
      resolve(received);
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      client.off('message', onMessage);
    };
    fail = (error) => {
      cleanup();
      reject(error);
    };
    const timer = setTimeout(() => fail(new Error(`no message on ${topicFilter} within ${timeoutMs} ms`)), timeoutMs);
    client.on('message', onMessage);
  });
  let subscribed = perClient.get(topicFilter);
  if (!subscribed) {
    subscribed = new Promise<void>((resolve, reject) => {
      client.subscribe(topicFilter, { qos: opts.qos ?? 1 }, (error, granted) => {
        const refused = granted?.some((g) => g.qos === 128);
        if (!error && !refused) return resolve();
        perClient.delete(topicFilter);
        reject(error ?? new Error(`subscription to ${topicFilter} refused`));
      });
    });
    perClient.set(topicFilter, subscribed);
  }
  subscribed.catch(fail);
  return Object.assign(message, { subscribed });
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
