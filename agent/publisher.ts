import type { Socket } from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Handle } from '../core/lifecycle.js';
import { onceClose } from '../core/lifecycle.js';
import { createRateLimitedLog, type Logger } from '../core/logger.js';
import type { Clock } from '../core/time.js';
import { VIGIE_VERSION } from '../core/version.js';
import {
  commandFilters, decodePayload, encodePayload, PROTOCOL_VERSION, type CommandResponsePayload, type MetricsPayload, type PayloadByKind, type StatusPayload,
} from '../protocol/payloads.js';
import { createTopics } from '../protocol/topics.js';
import { createBackoff } from './backoff.js';
import { BoundedQueue } from './queue.js';

export interface PublisherOptions {
  /** mqtt://, mqtts://, ws://, wss:// */
  url: string;
  username?: string;
  password?: string;
  /** CA to trust for mqtts:// / wss:// (a pinned self-signed certificate). */
  ca?: Buffer;
  hostId: string;
  prefix: string;
  /** Metrics interval in seconds, announced in `status`. */
  interval: number;
  /** Samples kept while the broker is unreachable. */
  bufferSize: number;
  reconnectMin: number;
  reconnectMax: number;
  /** Seconds to hold metrics after connecting until the server summary is seen (0: do not wait). */
  serverWait: number;
  clock: Clock;
  log: Logger;
  /** Called after each connection's status and retained payloads are queued (the agent refreshes info here). */
  onConnect?: () => void;
  /** Diagnosis requests on this host's `cmd/req/<id>`; when given, the publisher subscribes to them on every connection. */
  onCommandRequest?: (id: string, payload: Buffer) => void;
}

export interface PublisherStats {
  connected: boolean;
  /** Metrics samples the broker acknowledged (PUBACK). */
  published: number;
  /** Samples waiting for the broker: buffered offline plus in flight. */
  buffered: number;
  /** Samples dropped from a full buffer since start. */
  dropped: number;
}

export interface Publisher extends Handle {
  /** Queues a sample; it is sent at once when connected, in order after any buffered ones. */
  publishSample(sample: MetricsPayload): void;
  /** Publishes a retained payload now if connected, and again on every (re)connect. */
  setRetained<K extends 'info' | 'services'>(kind: K, payload: PayloadByKind[K]): void;
  /** Publishes a diagnosis answer on `cmd/res/<id>`: QoS 1, never retained. */
  respond(id: string, payload: CommandResponsePayload): void;
  stats(): PublisherStats;
}

/** Samples handed to mqtt.js before their PUBACK: enough to drain a backlog over a slow link, bounded. */
const IN_FLIGHT_WINDOW = 32;
const CLOSE_DEADLINE_MS = 2000;

/**
 * The agent's MQTT side, per the contract in protocol/: retained `status`
 * online on connect with a retained Last Will `offline`/`lost`; retained
 * `info` and `services`; `metrics` at QoS 1 from a bounded buffer so samples
 * taken while the broker is unreachable are delivered on reconnect, in
 * order, with their original timestamps.
 *
 * Reconnection is driven here rather than by mqtt.js: its `reconnectPeriod`
 * is a fixed setInterval, and the contract asks for a delay that doubles
 * from reconnectMin to reconnectMax.
 */
export function startPublisher(opts: PublisherOptions): Publisher {
  const topics = createTopics(opts.prefix);
  const log = opts.log;
  const warn = createRateLimitedLog(log, 60_000);
  const backoff = createBackoff(opts.reconnectMin, opts.reconnectMax);
  const queue = new BoundedQueue<MetricsPayload>(opts.bufferSize);
  const retained = new Map<'info' | 'services', string>();
  let inFlight = 0;
  let published = 0;
  let closing = false;
  let reconnectTimer: NodeJS.Timeout | undefined;
  // Metrics wait after each (re)connection until the ingest is known to be
  // subscribed (its retained summary arrives), or serverWait passes: a
  // broker restarted without persistence would drop them otherwise.
  const summaryTopic = topics.serverSummary();
  const requestFilter = commandFilters(topics).requestsFor(opts.hostId);
  let serverSeen = false;
  let serverWaitTimer: NodeJS.Timeout | undefined;

  const status = (state: 'online' | 'offline', reason: string, withTs: boolean): string => {
    const payload: StatusPayload = { v: PROTOCOL_VERSION, state, reason, agent: VIGIE_VERSION, interval: opts.interval };
    // The Last Will is fixed when connecting: a ts there would be the connect time, not the loss.
    if (withTs) payload.ts = Math.round(opts.clock.now());
    payload.dropped = queue.dropped;
    return encodePayload('status', payload);
  };

  const clientOptions: IClientOptions = {
    clientId: `vigie-agent-${opts.hostId}`, // fixed: a reconnect takes the old session over instead of leaving it to time out
    clean: true,
    reconnectPeriod: 0, // see above: reconnection is ours
    connectTimeout: 10_000,
    keepalive: 30,
    will: { topic: topics.host(opts.hostId, 'status'), payload: Buffer.from(status('offline', 'lost', false)), qos: 1, retain: true },
    ...(opts.username !== undefined ? { username: opts.username } : {}),
    ...(opts.password !== undefined ? { password: opts.password } : {}),
    // The server certificate is always verified; `ca` only narrows whom to trust.
    rejectUnauthorized: true,
    ...(opts.ca ? { ca: opts.ca } : {}),
  };
  const client: MqttClient = mqtt.connect(opts.url, clientOptions);

  const publish = (topic: string, payload: string, retain: boolean): Promise<unknown> =>
    client.publishAsync(topic, payload, { qos: 1, retain });

  const canSend = (): boolean => client.connected && serverSeen && !closing && inFlight < IN_FLIGHT_WINDOW;
  const pump = (): void => {
    while (canSend() && queue.length > 0) send(queue.shift() as MetricsPayload);
  };
  const send = (sample: MetricsPayload): void => {
    inFlight += 1;
    publish(topics.host(opts.hostId, 'metrics'), encodePayload('metrics', sample), false)
      .then(() => { published += 1; })
      // mqtt.js keeps an unacknowledged QoS 1 message in its store and resends it on
      // reconnect, so a failure here is not a loss to requeue (that would duplicate it).
      .catch((error: unknown) => warn('publish', 'metrics publish not acknowledged', { err: String(error) }))
      .finally(() => {
        inFlight -= 1;
        pump();
      });
  };

  client.on('connect', () => {
    backoff.reset();
    // Nagle's algorithm adds 30–40 ms tails (DESIGN, measured facts); mqtt.js leaves it on for TCP.
    (client.stream as Partial<Socket>).setNoDelay?.(true);
    log.info({ url: opts.url, buffered: queue.length + inFlight }, 'connected to broker');
    const ignore = (): void => {}; // a lost connection is reported by 'close'; these are retried on connect
    publish(topics.host(opts.hostId, 'status'), status('online', 'connected', true), true).catch(ignore);
    for (const [kind, payload] of retained) publish(topics.host(opts.hostId, kind), payload, true).catch(ignore);
    opts.onConnect?.();
    if (opts.onCommandRequest) {
      // A clean session forgets subscriptions, so this is made on every connection.
      client.subscribe(requestFilter, { qos: 1 }, (error) => {
        if (error) warn('subscribe-cmd', 'could not subscribe to diagnosis requests', { err: error.message });
      });
    }
    serverSeen = opts.serverWait === 0;
    clearTimeout(serverWaitTimer);
    if (!serverSeen) {
      client.subscribe(summaryTopic, { qos: 1 }, (error) => {
        if (error) warn('subscribe', 'could not subscribe to the server summary', { err: error.message });
      });
      serverWaitTimer = setTimeout(() => {
        if (serverSeen || !client.connected) return;
        log.info({ waited: opts.serverWait }, 'no Vigie server summary on this broker; publishing metrics anyway');
        serverSeen = true;
        pump();
      }, opts.serverWait * 1000);
    }
    pump();
  });

  client.on('message', (topic, payload) => {
    if (topic !== summaryTopic) {
      const parsed = topics.parse(topic);
      if (parsed?.kind === 'cmd/req' && parsed.host === opts.hostId) opts.onCommandRequest?.(parsed.id, payload);
      return;
    }
    if (serverSeen) return;
    if (!decodePayload('summary', payload).ok) return; // an empty (cleared) or foreign payload says nothing
    clearTimeout(serverWaitTimer);
    serverSeen = true;
    pump();
  });

  client.on('error', (error) => warn(`error:${error.message}`, 'broker connection error', { url: opts.url, err: error.message }));

  client.on('close', () => {
    if (closing || reconnectTimer) return;
    const delay = backoff.next();
    log.debug({ delayMs: delay }, 'broker connection closed; reconnecting');
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      // Passing the stores keeps unacknowledged QoS 1 messages (mqtt.js would start empty ones).
      if (!closing) client.reconnect({ incomingStore: client.incomingStore, outgoingStore: client.outgoingStore });
    }, delay);
  });

  const close = onceClose(async () => {
    closing = true;
    clearTimeout(reconnectTimer);
    clearTimeout(serverWaitTimer);
    const deadline = <T>(p: Promise<T>): Promise<unknown> =>
      Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, CLOSE_DEADLINE_MS).unref())]);
    if (client.connected) {
      await deadline(publish(topics.host(opts.hostId, 'status'), status('offline', 'stopped', true), true));
      await deadline(client.endAsync());
    }
    if (queue.length > 0) log.info({ samples: queue.length }, 'stopped with samples still buffered');
    await client.endAsync(true).catch(() => undefined);
  });

  return {
    publishSample(sample) {
      // Straight out when nothing waits before it; the buffer is for when the broker is away.
      if (queue.length === 0 && canSend()) send(sample);
      else queue.push(sample);
    },
    setRetained(kind, payload) {
      const text = encodePayload(kind, payload as PayloadByKind[typeof kind]);
      retained.set(kind, text);
      if (client.connected && !closing) publish(topics.host(opts.hostId, kind), text, true).catch(() => undefined);
    },
    respond(id, payload) {
      if (closing) return;
      publish(topics.commandResponse(opts.hostId, id), encodePayload('commandResponse', payload), false)
        .catch((error: unknown) => warn('respond', 'diagnosis answer not acknowledged', { err: String(error) }));
    },
    stats: () => ({ connected: client.connected, published, buffered: queue.length + inFlight, dropped: queue.dropped }),
    close,
  };
}
