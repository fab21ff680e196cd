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
  /**
   * Called for every message; must not throw (the message handler never does). Returns false to
   * leave a QoS 1 message unacknowledged (the store could not take it): the broker sends it again
   * after `redeliver()` or the next reconnection.
   */
  onMessage(topic: string, payload: Uint8Array, retained: boolean): boolean;
  /** When given, a QoS 1 message is acknowledged only once every store write made before its ack was queued is committed. */
  acks?: AckGate;
  log: Logger;
  /** ms between reconnection attempts (default 1000). */
  reconnectPeriod?: number;
  /** Retained Last Will, published by the broker if we vanish (the server summary saying offline). */
  will?: { topic: string; payload: string };
  /** Called on every (re)connection, before the broker resends what was left unacknowledged. */
  onConnect?: () => void;
  /** Called after every successful (re)subscription. */
  onSubscribed?: () => void;
  /** More filters to subscribe to at QoS 1 besides the host topics (the diagnosis answers). */
  extraFilters?: readonly string[];
}

/** The store's commit progress, as the consumer needs it (StoreCommits fits). */
export interface AckGate {
  /** Ticket of the latest accepted write. */
  written(): number;
  /** Every write up to this ticket is committed. */
  committed(): number;
  onCommit(listener: () => void): void;
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
  /** Disconnects cleanly and reconnects, so the broker resends the messages left unacknowledged. */
  redeliver(): void;
  /** QoS 1 messages received and not yet acknowledged (waiting for a commit). */
  unacked(): number;
}

/** mqtt.js's internal packet writer: the only way to send a PUBACK later than its handler allows. */
interface PacketSender {
  _sendPacket(packet: { cmd: 'puback'; messageId: number }): void;
}

/** Passed to mqtt.js's handleMessage callback: its QoS 1 path then skips the PUBACK and goes on (handlers/publish.js). */
const ACK_DEFERRED = new Error('PUBACK deferred until the store commits');

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
    // mqtt.js calls its `debug` logger several times per packet, even when off: at
    // thousands of messages per second that is measurable. Kept when DEBUG asks for it.
    ...(process.env.DEBUG ? {} : { log: () => undefined }),
    ...(opts.ca ? { ca: opts.ca } : {}),
    ...(opts.will ? { will: { topic: opts.will.topic, payload: Buffer.from(opts.will.payload), qos: 1 as const, retain: true } } : {}),
  });

  // Acknowledge after commit (issue 10, item 14). mqtt.js handles one packet at a
  // time and sends a QoS 1 PUBACK from handleMessage's callback, waiting for it
  // before the next packet: holding that callback until a batch commit would
  // serialise the ingest to one message per commit. So handleMessage returns at
  // once with ACK_DEFERRED (no PUBACK), and the PUBACKs wait here, in order, each
  // with the store ticket it needs, until a commit reaches it. They belong to one
  // connection: on close they are forgotten (a message id means nothing on the
  // next one) and the broker resends the unacknowledged messages of our
  // persistent session when we reconnect [MQTT-4.4.0-1].
  const gate = opts.acks;
  let acks: Array<{ messageId: number; ticket: number }> = [];
  let ackHead = 0;
  const sender = client as unknown as PacketSender;
  function sendDueAcks(): void {
    if (!gate || closing || !client.connected) return; // ending: the broker resends what is left
    const reached = gate.committed();
    while (ackHead < acks.length && acks[ackHead]!.ticket <= reached) {
      sender._sendPacket({ cmd: 'puback', messageId: acks[ackHead]!.messageId });
      ackHead += 1;
    }
    if (ackHead > 1024 && ackHead * 2 > acks.length) {
      acks = acks.slice(ackHead);
      ackHead = 0;
    }
  }
  gate?.onCommit(sendDueAcks);
  client.handleMessage = (packet, callback) => {
    const take = opts.onMessage(packet.topic, typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload, packet.retain);
    if (packet.qos !== 1 || packet.messageId === undefined) return callback();
    if (!take) return callback(ACK_DEFERRED); // never acknowledged on this connection
    if (!gate) return callback();
    acks.push({ messageId: packet.messageId, ticket: gate.written() });
    callback(ACK_DEFERRED);
    sendDueAcks();
  };

  client.on('connect', (connack) => {
    log.info({ url: opts.url, sessionPresent: connack.sessionPresent }, 'connected to broker');
    opts.onConnect?.();
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
  client.on('close', () => {
    acks = [];
    ackHead = 0;
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
    redeliver: () => {
      if (closing || !client.connected) return;
      log.info({ unacked: acks.length - ackHead }, 'reconnecting so the broker resends the messages left unacknowledged');
      client.end(false, {}, () => {
        if (!closing) client.reconnect();
      });
    },
    unacked: () => acks.length - ackHead,
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
