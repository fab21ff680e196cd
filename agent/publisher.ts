import type { Socket } from 'node:net';
import { legacyAlias } from '../protocol/usernames.js';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Handle } from '../core/lifecycle.js';
import { onceClose } from '../core/lifecycle.js';
import { createRateLimitedLog, type Logger } from '../core/logger.js';
import type { Clock } from '../core/time.js';
import { VIGIE_VERSION } from '../core/version.js';
import {
  commandFilters, decodePayload, encodePayload, PROTOCOL_VERSION, type AgentConfigPayload, type CheckResultPayload, type CommandResponsePayload, type MetricsPayload,
  type PayloadByKind, type RunEventPayload, type StatusPayload,
} from '../protocol/payloads.js';
import { createTopics } from '../protocol/topics.js';
import { createBackoff } from './backoff.js';
import type { BufferedSample, SampleBuffer } from './buffer.js';
import type { FailingCollector } from './sample.js';
import { agentClientId } from '../protocol/client-ids.js';

export interface PublisherOptions {
  /** mqtt://, mqtts://, ws://, wss:// */
  url: string;
  username?: string;
  password?: string;
  /**
   * Called once when a pre-issue-15 username (`agent:<host>`) was refused and
   * its new form (`agent-<host>`) was accepted: the caller keeps the new one
   * (agent/username-migration.ts). Mosquitto cannot hold the old form.
   */
  onUsernameMigrated?: (username: string) => void;
  /** CA to trust for mqtts:// / wss:// (a pinned self-signed certificate). */
  ca?: Buffer;
  hostId: string;
  prefix: string;
  /** Metrics interval in seconds, announced in `status`. */
  interval: number;
  /** Samples kept until released (agent/buffer.ts); the publisher sends from it and releases from it. */
  buffer: SampleBuffer;
  /** Reconnect back-off base and cap, seconds (full jitter, agent/backoff.ts). */
  reconnectMin: number;
  reconnectMax: number;
  /** Seconds to hold metrics after connecting until a server summary is seen (0: do not wait). */
  serverWait: number;
  /** Seconds before samples sent while the server is online and still not `stored` are sent again. */
  resendDelay: number;
  clock: Clock;
  log: Logger;
  /** Random source of the back-off (tests inject one). */
  random?: () => number;
  /** Called after each connection's status and retained payloads are queued (the agent refreshes info here). */
  onConnect?: () => void;
  /** Diagnosis requests on this host's `cmd/req/<id>`; when given, the publisher subscribes to them on every connection. */
  onCommandRequest?: (id: string, payload: Buffer) => void;
  /**
   * The server's configuration of this agent (`<prefix>/<host>/config`, retained); when given,
   * the publisher subscribes to it on every connection. null: the configuration was cleared.
   * An invalid one is not passed on (logged, rate limited): what runs goes on running.
   */
  onAgentConfig?: (config: AgentConfigPayload | null) => void;
  /** Run requests on this host's `run/req/<id>` (issue 14); when given, the publisher subscribes to them on every connection. */
  onRunRequest?: (id: string, payload: Buffer) => void;
}

/**
 * What the publisher knows of the Vigie server on this connection:
 * - `waiting`: no summary yet; metrics are held (up to serverWait);
 * - `offline`: the summary says the ingest is away; metrics are held, the buffer keeps filling;
 * - `online`: the ingest is subscribed; samples are sent and kept until `stored` covers them;
 * - `absent`: serverWait passed with no summary at all (a broker with no Vigie
 *   ingest): samples are sent and released on the broker's PUBACK.
 */
export type ServerState = 'disconnected' | 'waiting' | 'offline' | 'online' | 'absent';

export interface PublisherStats {
  connected: boolean;
  /** Metrics messages the broker acknowledged (PUBACK), resends included. */
  published: number;
  /** Samples kept until released: waiting, in flight, or sent and not yet `stored`. */
  buffered: number;
  /** Samples dropped from a full buffer since start. */
  dropped: number;
  server: ServerState;
  /** The highest seq given to a sample (kept across restarts by the journal); undefined before the first. */
  seq: number | undefined;
  /** The highest seq a `stored` acknowledgement covered since start: every sample up to it is in the server's store. */
  storedSeq: number | undefined;
}

export interface Publisher extends Handle {
  /** Gives the sample its seq, writes it to the buffer (on disk), then sends it when the server allows. */
  publishSample(sample: MetricsPayload): Promise<void>;
  /** Publishes a retained payload now if connected, and again on every (re)connect. */
  setRetained<K extends 'info' | 'services'>(kind: K, payload: PayloadByKind[K]): void;
  /** The collectors left out of the latest sample; `status` is published again when the set changes. */
  setFailing(failing: readonly FailingCollector[]): void;
  /** Publishes a diagnosis answer on `cmd/res/<id>`: QoS 1, never retained. */
  respond(id: string, payload: CommandResponsePayload): void;
  /** Publishes one event of a script run on `run/res/<id>`: QoS 1, never retained; dropped while disconnected (the server marks the run lost). */
  publishRun(id: string, payload: RunEventPayload): void;
  /** Publishes the latest result of a check on `checks/<id>`: QoS 1, retained; kept and sent again on every (re)connect. */
  publishCheck(id: string, payload: CheckResultPayload): void;
  /** Clears the retained result of a check this agent no longer runs (an empty retained payload). */
  clearCheck(id: string): void;
  /**
   * A device this agent polls (SNMP, issue 13): its retained `status` or `info`, published now if
   * this connection's configuration names the device, kept, and sent again on every reconnect once
   * that configuration is back (the broker lets a poller publish for a device only after it).
   */
  publishDevice<K extends 'status' | 'info'>(device: string, kind: K, payload: PayloadByKind[K]): void;
  /** A device's metrics: QoS 1, not retained; dropped while disconnected or not yet allowed (not buffered: the next poll is as good). */
  publishDeviceMetrics(device: string, payload: MetricsPayload): void;
  /** Stops sending anything for a device (it left the configuration): its payloads are no longer re-sent. */
  forgetDevice(device: string): void;
  stats(): PublisherStats;
}

/** Samples handed to mqtt.js before their PUBACK: enough to drain a backlog over a slow link, bounded. */
const IN_FLIGHT_WINDOW = 32;
const CLOSE_DEADLINE_MS = 2000;
/** The resend delay doubles while nothing gets stored, up to this many times the configured one. */
const RESEND_MAX_FACTOR = 16;
const MAX_ERROR_TEXT = 200;
/**
 * CONNACK refusals that will not go away by themselves (MQTT 3.1.1 §3.2.2.3:
 * 1 protocol version, 2 identifier rejected, 4 bad user name or password,
 * 5 not authorised): retried with the same jitter but capped at this many
 * seconds, so a fleet with revoked credentials does not hammer the broker's
 * login throttling every few seconds. 3 (server unavailable) is an outage.
 */
const REFUSED_CODES = new Set([1, 2, 4, 5]);
/** Refusals of the credentials themselves: MQTT 3.1.1 4 and 5, MQTT 5 0x86 and 0x87 (Mosquitto answers 5 to an unknown user). */
const BAD_CREDENTIALS = new Set([4, 5, 0x86, 0x87]);
const REFUSED_CAP_S = 60;

/**
 * The agent's MQTT side, per the contract in protocol/: retained `status`
 * online on connect with a retained Last Will `offline`/`lost`; retained
 * `info` and `services`; `metrics` at QoS 1 from the sample buffer, in seq
 * order with their original timestamps, kept until the ingest's `stored`
 * acknowledgement covers them (docs/storage.md, "Agent buffer").
 *
 * Reconnection is driven here rather than by mqtt.js: its `reconnectPeriod`
 * is a fixed setInterval, and the contract asks for a jittered back-off.
 * Each connection starts with fresh mqtt.js stores: what was in flight is
 * sent again from the buffer, which alone decides what is resent.
 */
export function startPublisher(opts: PublisherOptions): Publisher {
  const topics = createTopics(opts.prefix);
  const log = opts.log;
  const warn = createRateLimitedLog(log, 60_000);
  const backoff = createBackoff(opts.reconnectMin, opts.reconnectMax, opts.random);
  const refusedBackoff = createBackoff(opts.reconnectMin, Math.max(opts.reconnectMax, REFUSED_CAP_S), opts.random);
  let refused = false;
  const buffer = opts.buffer;
  const retained = new Map<'info' | 'services', string>();
  /** Latest result per check, sent again on reconnect; and results to clear once connected. */
  const checkResults = new Map<string, string>();
  const checksToClear = new Set<string>();
  const configTopic = topics.agentConfig(opts.hostId);
  /** Retained status/info of each polled device, by device then kind. */
  const devices = new Map<string, Map<'status' | 'info', string>>();
  /**
   * The devices the configuration received on THIS connection names: the broker lets this agent
   * publish for those only (it learns them from that same configuration), and closes the
   * connection on anything else. Empty until it arrives: after a broker restart, until the
   * ingest has published the configurations again.
   */
  let allowedDevices = new Set<string>();
  let failing: FailingCollector[] = [];
  let inFlight = 0;
  let published = 0;
  let closing = false;
  let reconnectTimer: NodeJS.Timeout | undefined;
  /** Bumped on every close: acknowledgements of an older connection are ignored. */
  let connection = 0;
  let server: ServerState = 'disconnected';
  let serverWaitTimer: NodeJS.Timeout | undefined;
  let resendTimer: NodeJS.Timeout | undefined;
  const resendBaseMs = opts.resendDelay * 1000;
  let resendMs = resendBaseMs;
  const summaryTopic = topics.serverSummary();
  const storedTopic = topics.stored(opts.hostId);
  const requestFilter = commandFilters(topics).requestsFor(opts.hostId);
  const runFilter = topics.runRequestsFor(opts.hostId);

  const status = (state: 'online' | 'offline', reason: string, withTs: boolean): string => {
    const payload: StatusPayload = { v: PROTOCOL_VERSION, state, reason, agent: VIGIE_VERSION, interval: opts.interval };
    // The Last Will is fixed when connecting: a ts there would be the connect time, not the loss.
    if (withTs) payload.ts = Math.round(opts.clock.now());
    payload.dropped = buffer.dropped;
    if (state === 'online' && failing.length > 0) payload.failing = failing.slice(0, 32);
    return encodePayload('status', payload);
  };

  const clientOptions: IClientOptions = {
    clientId: agentClientId(opts.hostId), // fixed: a reconnect takes the old session over instead of leaving it to time out
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
    // mqtt-packet's default pre-builds 65 536 two-byte Buffers for packet ids
    // on the first write: ~6 MiB of heap, an eighth of the agent's RSS goal.
    writeCache: false,
  };
  const client: MqttClient = mqtt.connect(opts.url, clientOptions);
  /**
   * An agent configured before usernames lost their `:` (issue 15): when the
   * broker refuses the old name, the next attempts alternate with the new
   * form (mqtt.js builds each CONNECT from client.options). An upgraded
   * embedded broker accepts both; Mosquitto only the new one; an old server
   * only the old one, hence alternating rather than switching for good.
   */
  const newUsername = opts.username !== undefined ? legacyAlias(opts.username) : null;
  let usernameMigrated = false;

  const publish = (topic: string, payload: string, retain: boolean): Promise<unknown> =>
    client.publishAsync(topic, payload, { qos: 1, retain });
  const publishStatus = (): void => {
    publish(topics.host(opts.hostId, 'status'), status('online', 'connected', true), true).catch(() => undefined);
  };

  const sending = (): boolean => client.connected && !closing && (server === 'online' || server === 'absent');
  const pump = (): void => {
    while (sending() && inFlight < IN_FLIGHT_WINDOW) {
      const entry = buffer.nextToSend();
      if (!entry) break;
      send(entry);
    }
    armResend();
  };
  const send = (entry: BufferedSample): void => {
    const mine = connection;
    inFlight += 1;
    entry.sentAt = opts.clock.now();
    publish(topics.host(opts.hostId, 'metrics'), entry.text, false)
      .then(() => {
        if (mine !== connection) return;
        published += 1;
        entry.pubacked = true;
        // With no Vigie ingest, the broker's acknowledgement is the only one there will be.
        if (server === 'absent') buffer.releasePubacked();
      })
      .catch((error: unknown) => {
        if (mine === connection) warn('publish', 'metrics publish not acknowledged; it will be sent again', { err: String(error) });
      })
      .finally(() => {
        if (mine !== connection) return;
        inFlight -= 1;
        pump();
      });
  };

  /**
   * While the ingest is online, samples it has not acknowledged after
   * resendMs are sent again, oldest first (the ingest drops what it already
   * stored, by seq). The delay doubles while no `stored` arrives, so a stuck
   * ingest (full disk) is not flooded with the same backlog.
   */
  const armResend = (): void => {
    if (resendTimer || server !== 'online' || closing) return;
    const head = buffer.head();
    if (head?.sentAt === undefined) return;
    const wait = Math.max(0, head.sentAt + resendMs - opts.clock.now());
    resendTimer = setTimeout(() => {
      resendTimer = undefined;
      const oldest = buffer.head();
      if (server !== 'online' || oldest?.sentAt === undefined) return;
      if (opts.clock.now() - oldest.sentAt >= resendMs) {
        log.info({ samples: buffer.length, from: oldest.seq, waitedMs: resendMs }, 'samples not acknowledged as stored in time; sending them again');
        resendMs = Math.min(resendMs * 2, resendBaseMs * RESEND_MAX_FACTOR);
        buffer.rewind();
        pump();
      }
      armResend();
    }, wait);
  };
  const stopResend = (): void => {
    clearTimeout(resendTimer);
    resendTimer = undefined;
  };

  const setServer = (next: ServerState): void => {
    const previous = server;
    if (next === previous) return;
    server = next;
    if (next !== 'online') stopResend();
    if (next === 'online' && previous === 'offline') {
      // The ingest came back: what was sent before it left may be lost with its session.
      buffer.rewind();
    }
    if (next === 'offline') log.info({ buffered: buffer.length }, 'the server summary says the ingest is offline; holding metrics until it is back');
    else if (previous === 'offline' && next === 'online') log.info({ buffered: buffer.length }, 'the ingest is back online; sending held metrics');
    pump();
  };

  client.on('connect', () => {
    if (newUsername !== null && client.options.username === newUsername && !usernameMigrated) {
      usernameMigrated = true;
      log.warn({ from: opts.username, to: newUsername }, 'the broker accepted the new form of this agent\'s username; it replaces the old one');
      opts.onUsernameMigrated?.(newUsername);
    }
    backoff.reset();
    refusedBackoff.reset();
    refused = false;
    // Nagle's algorithm adds 30–40 ms tails (DESIGN, measured facts); mqtt.js leaves it on for TCP.
    (client.stream as Partial<Socket>).setNoDelay?.(true);
    log.info({ url: opts.url, buffered: buffer.length }, 'connected to broker');
    const ignore = (): void => {}; // a lost connection is reported by 'close'; these are retried on connect
    publishStatus();
    for (const [kind, payload] of retained) publish(topics.host(opts.hostId, kind), payload, true).catch(ignore);
    for (const [id, text] of checkResults) publish(topics.checkResult(opts.hostId, id), text, true).catch(ignore);
    for (const id of checksToClear) {
      publish(topics.checkResult(opts.hostId, id), '', true).then(() => checksToClear.delete(id), ignore);
    }
    allowedDevices = new Set();
    opts.onConnect?.();
    // A clean session forgets subscriptions, so they are made on every connection.
    // `stored` is retained: the latest acknowledgement arrives at once and releases what the store already has.
    const filters: Record<string, { qos: 1 }> = { [storedTopic]: { qos: 1 } };
    if (opts.serverWait > 0) filters[summaryTopic] = { qos: 1 };
    if (opts.onCommandRequest) filters[requestFilter] = { qos: 1 };
    if (opts.onAgentConfig) filters[configTopic] = { qos: 1 };
    if (opts.onRunRequest) filters[runFilter] = { qos: 1 };
    client.subscribe(filters, (error, granted) => {
      if (error) warn('subscribe', 'could not subscribe to the server summary, stored acknowledgements, diagnosis requests or the configuration', { err: error.message });
      // SUBACK 0x80 (MQTT 3.1.1 §3.9.3): the broker's ACL refused a filter.
      for (const g of granted ?? []) if (g.qos === 128) warn(`refused:${g.topic}`, 'the broker refused a subscription', { filter: g.topic });
    });
    buffer.rewind();
    clearTimeout(serverWaitTimer);
    if (opts.serverWait === 0) {
      setServer('absent');
      return;
    }
    setServer('waiting');
    serverWaitTimer = setTimeout(() => {
      // Only when no summary at all was seen: one saying offline holds metrics until it says online.
      if (server !== 'waiting' || !client.connected) return;
      log.info({ waited: opts.serverWait }, 'no Vigie server summary on this broker; publishing metrics anyway, released on the broker\'s acknowledgement');
      setServer('absent');
    }, opts.serverWait * 1000);
  });

  client.on('message', (topic, payload) => {
    if (topic === summaryTopic) {
      const summary = decodePayload('summary', payload);
      if (!summary.ok) return; // an empty (cleared) or foreign payload says nothing
      clearTimeout(serverWaitTimer);
      setServer(summary.value.state);
      return;
    }
    if (topic === storedTopic) {
      onStored(payload);
      return;
    }
    if (topic === configTopic) {
      onConfig(payload);
      return;
    }
    const parsed = topics.parse(topic);
    if (parsed?.kind === 'cmd/req' && parsed.host === opts.hostId) opts.onCommandRequest?.(parsed.id, payload);
    else if (parsed?.kind === 'run/req' && parsed.host === opts.hostId) opts.onRunRequest?.(parsed.id, payload);
  });

  const onConfig = (payload: Buffer): void => {
    const before = allowedDevices;
    allowedDevices = new Set(applyConfig(payload)?.devices?.map((d) => d.id) ?? []);
    if (!client.connected || closing) return;
    // After the configuration was applied, so a device it dropped was forgotten first: the retained
    // payloads of the devices this connection may now publish for, and did not before, go out again.
    for (const [device, kinds] of devices) {
      if (!allowedDevices.has(device) || before.has(device)) continue;
      for (const [kind, text] of kinds) publish(topics.host(device, kind), text, true).catch(() => undefined);
    }
  };
  /** Hands the configuration on; returns it when valid (the broker grants nothing for an invalid one either). */
  const applyConfig = (payload: Buffer): AgentConfigPayload | null => {
    if (!opts.onAgentConfig) return null;
    if (payload.length === 0) {
      opts.onAgentConfig(null);
      return null;
    }
    const config = decodePayload('agentConfig', payload);
    if (!config.ok) {
      // The whole configuration is refused, not the bad check alone: half a configuration is a state the server never asked for.
      warn('config-invalid', 'invalid configuration from the server ignored; the previous checks go on', { err: config.error });
      return null;
    }
    opts.onAgentConfig(config.value);
    return config.value;
  };

  let storedSeq: number | undefined;
  const onStored = (payload: Buffer): void => {
    const stored = decodePayload('stored', payload);
    if (!stored.ok) {
      if (payload.length > 0) warn('stored-invalid', 'invalid stored acknowledgement ignored', { err: stored.error });
      return;
    }
    const highest = buffer.highestSeq;
    if (highest === undefined || stored.value.seq > highest) {
      // An acknowledgement of a sample this agent never sent: another life of the host id (a wiped data
      // directory, a clock set back at boot), or samples sent while the journal could not be written.
      // It releases nothing; numbering goes on above it, or the ingest would drop new samples as stored.
      warn('stored-ahead', 'stored acknowledgement above the highest seq sent: releases nothing; new samples are numbered above it', { seq: stored.value.seq, highest });
      buffer.skipPast(stored.value.seq);
      return;
    }
    const released = buffer.release(stored.value.seq);
    if (storedSeq === undefined || stored.value.seq > storedSeq) storedSeq = stored.value.seq;
    if (released > 0) {
      resendMs = resendBaseMs;
      stopResend();
      armResend();
    }
  };

  client.on('error', (error) => {
    // The refusal is reported before the connection closes.
    const code = (error as { code?: unknown }).code as number;
    if (REFUSED_CODES.has(code) || BAD_CREDENTIALS.has(code)) refused = true;
    if (newUsername !== null && !usernameMigrated && BAD_CREDENTIALS.has(code)) {
      if (client.options.username === newUsername) {
        client.options.username = opts.username; // both refused: revoked, or an old server; the refused back-off applies
      } else {
        client.options.username = newUsername;
        refused = false; // the new form is worth a try now, not after the refused back-off
      }
    }
    warn(`error:${error.message}`, 'broker connection error', { url: opts.url, err: error.message });
  });

  client.on('close', () => {
    connection += 1;
    inFlight = 0;
    server = 'disconnected';
    stopResend();
    clearTimeout(serverWaitTimer);
    if (closing || reconnectTimer) return;
    const delay = refused ? refusedBackoff.next() : backoff.next();
    refused = false;
    log.debug({ delayMs: delay }, 'broker connection closed; reconnecting');
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      // Fresh stores: the buffer resends what was not acknowledged; mqtt.js resending its own copies would double it.
      if (!closing) client.reconnect();
    }, delay);
  });

  const close = onceClose(async () => {
    closing = true;
    clearTimeout(reconnectTimer);
    clearTimeout(serverWaitTimer);
    stopResend();
    const deadline = <T>(p: Promise<T>): Promise<unknown> =>
      Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, CLOSE_DEADLINE_MS).unref())]);
    if (client.connected) {
      await deadline(publish(topics.host(opts.hostId, 'status'), status('offline', 'stopped', true), true));
      await deadline(client.endAsync());
    }
    await client.endAsync(true).catch(() => undefined);
    await buffer.close();
    if (buffer.length > 0) {
      if (buffer.durable) log.info({ samples: buffer.length }, 'stopped; samples not yet stored are kept on disk for the next start');
      else log.warn({ samples: buffer.length }, 'stopped with samples buffered in memory only (no data directory): they are lost');
    }
  });

  return {
    async publishSample(sample) {
      await buffer.add(sample);
      if (!closing) pump();
    },
    setRetained(kind, payload) {
      const text = encodePayload(kind, payload as PayloadByKind[typeof kind]);
      retained.set(kind, text);
      if (client.connected && !closing) publish(topics.host(opts.hostId, kind), text, true).catch(() => undefined);
    },
    setFailing(next) {
      const key = (list: readonly FailingCollector[]): string => list.map((f) => f.collector).join('\n');
      const changed = key(next) !== key(failing);
      failing = next.map((f) => ({ ...f, error: f.error.slice(0, MAX_ERROR_TEXT) }));
      if (changed && client.connected && !closing) publishStatus();
    },
    respond(id, payload) {
      if (closing) return;
      publish(topics.commandResponse(opts.hostId, id), encodePayload('commandResponse', payload), false)
        .catch((error: unknown) => warn('respond', 'diagnosis answer not acknowledged', { err: String(error) }));
    },
    publishRun(id, payload) {
      if (closing || !client.connected) {
        warn('run-offline', 'run event not sent: not connected to the broker', { run: id, event: payload.event });
        return;
      }
      publish(topics.runResponse(opts.hostId, id), encodePayload('runEvent', payload), false)
        .catch((error: unknown) => warn('run-publish', 'run event not acknowledged', { run: id, err: String(error) }));
    },
    publishCheck(id, payload) {
      if (closing) return;
      const text = encodePayload('checkResult', payload);
      checkResults.set(id, text);
      checksToClear.delete(id);
      if (client.connected) {
        publish(topics.checkResult(opts.hostId, id), text, true)
          .catch((error: unknown) => warn('check-publish', 'check result not acknowledged; sent again on reconnect', { err: String(error) }));
      }
    },
    clearCheck(id) {
      if (closing) return;
      checkResults.delete(id);
      checksToClear.add(id);
      if (client.connected) publish(topics.checkResult(opts.hostId, id), '', true).then(() => checksToClear.delete(id), () => undefined);
    },
    publishDevice(device, kind, payload) {
      if (closing) return;
      const text = encodePayload(kind, payload as PayloadByKind[typeof kind]);
      let kinds = devices.get(device);
      if (!kinds) devices.set(device, (kinds = new Map()));
      kinds.set(kind, text);
      if (client.connected && allowedDevices.has(device)) publish(topics.host(device, kind), text, true).catch(() => undefined);
    },
    publishDeviceMetrics(device, payload) {
      if (closing || !client.connected || !devices.has(device) || !allowedDevices.has(device)) return;
      publish(topics.host(device, 'metrics'), encodePayload('metrics', payload), false)
        .catch((error: unknown) => warn('device-metrics', 'device metrics not acknowledged; dropped (the next poll sends fresh ones)', { err: String(error) }));
    },
    forgetDevice(device) {
      devices.delete(device);
    },
    stats: () => ({ connected: client.connected, published, buffered: buffer.length, dropped: buffer.dropped, server, seq: buffer.highestSeq, storedSeq }),
    close,
  };
}
