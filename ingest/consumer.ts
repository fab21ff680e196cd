import mqtt, { type MqttClient } from 'mqtt';
import { onceClose, type Handle } from '../core/lifecycle.js';
import { createRateLimitedLog, type Logger } from '../core/logger.js';
import { HOST_TOPIC_KINDS, type Topics } from '../protocol/topics.js';

export interface ConsumerOptions {
  /** Broker URL, e.g. mqtt://127.0.0.1:1883. */
  url: string;
  /** Fixed, so the broker keeps our session and queues QoS 1 messages while we are away. */
  clientId: string;
  username?: string;
  password?: string;
  /** CA to trust for mqtts:// / wss://. */
  ca?: Buffer | undefined;
  topics: Topics;
  /** Called for every message; must not throw (the message handler never does). */
  onMessage(topic: string, payload: Uint8Array, retained: boolean): void;
  log: Logger;
  /** ms between reconnection attempts (default 1000). */
  reconnectPeriod?: number;
  /** Retained Last Will, published by the broker if we vanish (the server summary saying offline). */
  will?: { topic: string; payload: string };
  /** Called after every successful (re)subscription. */
  onSubscribed?: () => void;
  /** More filters to subscribe to at QoS 1 besides the host topics (the diagnosis answers). */
  extraFilters?: readonly string[];
}

export interface ConsumerHandle extends Handle {
  /** True while connected to the broker. */
  connected(): boolean;
  /** Connected and subscribed: messages published to the ingest now reach it. */
  subscribed(): boolean;
  /** Resolves on the next (or current) successful connection and subscription. */
  ready(): Promise<void>;
  /** Publishes at QoS 1; resolves when acknowledged, rejects if not connected or refused. */
  publish(topic: string, payload: string, retain: boolean): Promise<void>;
}

/** Time given to a clean MQTT disconnect before the socket is cut. */
const END_TIMEOUT_MS = 2000;

/**
 * The ingest's MQTT subscriber: a persistent session (clean: false, fixed
 * client id) with QoS 1 subscriptions to status, info, metrics and services
 * of every host, so samples published while the ingest restarts wait in the
 * broker. It does not wait for the broker: it connects when it can and
 * reconnects forever.
 */
export function startConsumer(opts: ConsumerOptions): ConsumerHandle {
  const { log, topics } = opts;
  const warn = createRateLimitedLog(log, 30_000);
  const filters = Object.fromEntries(
    [...HOST_TOPIC_KINDS.map((kind) => topics.allHosts(kind)), ...(opts.extraFilters ?? [])].map((filter) => [filter, { qos: 1 as const }]),
  );
  let subscribed = false;
  let closing = false;
  let waiters: Array<() => void> = [];

  const client: MqttClient = mqtt.connect(opts.url, {
    clientId: opts.clientId,
    clean: false,
    ...(opts.username !== undefined ? { username: opts.username } : {}),
    ...(opts.password !== undefined ? { password: opts.password } : {}),
    reconnectPeriod: opts.reconnectPeriod ?? 1000,
    connectTimeout: 10_000,
    // We subscribe on every connect ourselves: re-subscribing also makes the
    // broker resend retained status/info/services [MQTT-3.8.4-3].
    resubscribe: false,
    rejectUnauthorized: true,
    ...(opts.ca ? { ca: opts.ca } : {}),
    ...(opts.will ? { will: { topic: opts.will.topic, payload: Buffer.from(opts.will.payload), qos: 1 as const, retain: true } } : {}),
  });

  client.on('connect', (connack) => {
    log.info({ url: opts.url, sessionPresent: connack.sessionPresent }, 'connected to broker');
    client.subscribe(filters, (error) => {
      if (error) {
        warn('subscribe', 'subscribe failed', { err: error });
        return;
      }
      subscribed = true;
      const list = waiters;
      waiters = [];
      for (const w of list) w();
      opts.onSubscribed?.();
    });
  });
  client.on('message', (topic, payload, packet) => opts.onMessage(topic, payload, packet.retain));
  client.on('close', () => {
    if (subscribed && !closing) log.warn({ url: opts.url }, 'disconnected from broker; reconnecting');
    subscribed = false;
  });
  client.on('error', (error) => warn('error', 'broker connection error', { url: opts.url, err: error.message }));

  return {
    connected: () => client.connected,
    subscribed: () => subscribed && client.connected,
    publish: async (topic, payload, retain) => {
      if (!client.connected) throw new Error('not connected');
      await client.publishAsync(topic, payload, { qos: 1, retain });
    },
    ready: () => (subscribed && client.connected ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    close: onceClose(async () => {
      closing = true;
      const ended = new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
      const timer = setTimeout(() => client.end(true), END_TIMEOUT_MS);
      await ended;
      clearTimeout(timer);
      const list = waiters;
      waiters = [];
      for (const w of list) w();
    }),
  };
}
