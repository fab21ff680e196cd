import type { EventEmitter } from 'node:events';
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Aedes, type Client } from 'aedes';
import mqttPacket from 'mqtt-packet';
import { followOverload } from '../core/heap.js';
import { onceClose, type Handle } from '../core/lifecycle.js';
import { createLogger, createRateLimitedLog, type Logger } from '../core/logger.js';
import { MINUTE_MS, secondsToMs } from '../core/time.js';
import { createTopics, DEFAULT_PREFIX } from '../protocol/topics.js';
import { installBrokerAuth, type AuthStats, type Authenticator } from './auth.js';
import type { BrokerConfig } from './config.js';
import { createMessageQueue } from './message-queue.js';
import { guardPacketSize, PacketGuardError } from './packet-size-guard.js';
import { createBoundedPersistence, type SessionQueueStats } from './session-queue.js';
import { shutdownBroker } from './shutdown.js';
import { isolateSlowConsumer, SlowConsumerError } from './slow-consumer.js';
import { IngestFlow } from './ingest-flow.js';
import { createLocalIngestLink, type LocalIngestLink } from './local-ingest.js';
import { startTcpListener, type TcpListener } from './tcp-listener.js';
import { readTlsFiles } from '../core/tls.js';
import { attachWsListener, type WsListener } from './ws-listener.js';

export type { BrokerConfig } from './config.js';

export interface BrokerStats extends AuthStats {
  /** Clients connected and registered (after CONNECT). */
  clients: number;
  /** Connections cut because a packet declared more than maxPacketSize. */
  rejectedOversize: number;
  /** Subscribers disconnected for not reading: output past maxClientBacklog, or not drained within drainTimeout. */
  slowClientsCut: number;
  /** Messages dropped from full persistent-session queues (broker.sessionQueue). */
  sessionQueueDropped: number;
  /** What the persistent-session queues hold now. */
  sessionQueued: SessionQueueStats;
  /** Publishes that waited because the ingest had `ingestWindow` messages unacknowledged (cumulative). */
  ingestWaits: number;
  /** Messages the connected ingest has not acknowledged yet (about broker.ingestWindow at most). */
  ingestBacklog: number;
  /** Publishes waiting now to be admitted (one read's worth per publisher at most). */
  publishesWaiting: number;
  /** Retained messages stored, and the bytes their payloads hold (large ones deflated: broker/retained-payloads.ts). */
  retained: { messages: number; bytes: number };
}

export interface BrokerHandle extends Handle {
  aedes: Aedes;
  /** The TCP port actually bound (useful with port 0). */
  port: number;
  /** The MQTT over TLS port actually bound, when `config.tls` is set. */
  tlsPort?: number;
  /** `mqtt://<host>:<port>` reachable from this machine. */
  url: string;
  stats(): BrokerStats;
  /** A link for an ingest in this process (`vigie up`, ingest.inProcess): it takes messages straight from the broker, flow controlled like a connected one. */
  ingestLink(): LocalIngestLink;
}

export interface BrokerOptions {
  /** Serve MQTT over WebSocket at `config.wsPath` on this server; none without it. */
  httpServer?: Server;
  log?: Logger;
  /** Topic prefix the ACL applies to (default `vigie`). */
  prefix?: string;
  /** Who may connect; without one, only anonymous clients can, and only if `allowAnonymous`. */
  authenticator?: Authenticator;
  /** Home Assistant's discovery prefix (config `ha.prefix`): the ingest may write it, readers read it (broker/acl.ts). */
  haPrefix?: string;
}

/**
 * WebSocket frames may legitimately carry several MQTT packets (MQTT 3.1.1
 * §6.0), so a frame may be a few packets long; ws buffers a frame whole,
 * which this factor bounds.
 */
const WS_FRAME_PACKETS = 4;

/**
 * Starts the embedded Aedes broker: MQTT on TCP (`config.host`/`config.port`)
 * and, given an HTTP server, MQTT over WebSocket at `config.wsPath`. Every
 * connection passes through the packet size guard. `close()` is idempotent
 * and returns within `config.closeTimeout` seconds.
 */
export async function startBroker(config: BrokerConfig, opts: BrokerOptions = {}): Promise<BrokerHandle> {
  const log = opts.log ?? createLogger('broker');
  // Read first: a bad path fails the start before anything listens.
  const tlsMaterial = config.tls ? readTlsFiles(config.tls, 'broker.tls') : undefined;
  const warnLimited = createRateLimitedLog(log);
  let rejectedOversize = 0;
  let slowClientsCut = 0;
  let sessionQueueDropped = 0;
  const cutForDrain = new WeakSet<Client>();
  // mqtt-packet, which Aedes writes every packet through, otherwise builds 65,536 two-byte
  // Buffers for packet ids on its first write: 7 MiB of heap held for the process's life
  // (a heap snapshot at 1,000 agents), against a 2-byte allocation per packet without them.
  mqttPacket.writeToStream.cacheNumbers = false;
  const persistence = createBoundedPersistence({ limits: config.sessionQueue, log, onDrop: (_id, count) => (sessionQueueDropped += count) });
  const aedes = await Aedes.createBroker({
    mq: createMessageQueue(),
    persistence,
    // Aedes takes ms. A subscriber whose socket stays full this long is cut;
    // it no longer holds anyone else's deliveries meanwhile (slow-consumer.ts).
    drainTimeout: secondsToMs(config.drainTimeout),
  });
  let closing = false;
  const connections = new Set<Duplex>();

  // With no 'error' listener an EventEmitter throws: persistence errors must be logged.
  // (Aedes's typings omit 'error', which it does emit.)
  (aedes as EventEmitter).on('error', (err: Error) => log.error({ err }, 'broker error'));
  const onClientError = (client: Client | null, err: Error): void => {
    // Aedes's own cut (drainTimeout), reported again for each write that was waiting: count the client once.
    if (!closing && client && err.message === 'drain timeout' && !cutForDrain.has(client)) {
      cutForDrain.add(client);
      slowClientsCut += 1;
      warnLimited(`slow:${client.id}`, 'MQTT subscriber disconnected: its connection took no output for drainTimeout', { clientId: client.id, drainTimeout: config.drainTimeout });
    }
    if (closing || err instanceof PacketGuardError || err instanceof SlowConsumerError) return; // shutdown noise; guard and cut log their own
    warnLimited(`client-error:${err.message}`, 'MQTT client error', { clientId: client?.id ?? undefined, error: err.message });
  };
  aedes.on('clientError', onClientError);
  aedes.on('connectionError', onClientError);
  const auth = installBrokerAuth(aedes, {
    topics: createTopics(opts.prefix ?? DEFAULT_PREFIX),
    allowAnonymous: config.allowAnonymous,
    authenticator: opts.authenticator,
    loginPolicy: {
      slowAfter: config.loginThrottle.slowAfter,
      lockAfter: config.loginThrottle.lockAfter,
      lockMs: Math.round(config.loginThrottle.lockMinutes * MINUTE_MS),
      addressFailures: config.loginThrottle.addressFailures,
      addressWindowMs: 15 * MINUTE_MS,
    },
    retainedPerAgent: config.retainedPerAgent,
    log,
    foreign: { haPrefix: opts.haPrefix },
  });
  // The ingest is flow controlled, never cut as slow (ingest-flow.ts).
  const flow = new IngestFlow(config.ingestWindow, (client) => auth.isIngest(client), (id) => persistence.queued(id));
  const authorize = aedes.authorizePublish!;
  aedes.authorizePublish = (client, packet, done) => authorize.call(aedes, client, packet, (error) => (error ? done(error) : flow.authorised(client, packet, () => done(null))));
  const published = aedes.published;
  aedes.published = (packet, client, done) => {
    flow.published(packet);
    published.call(aedes, packet, client, done);
  };
  aedes.on('client', (client) => flow.connected(client));
  aedes.on('clientDisconnect', (client) => flow.disconnected(client));
  aedes.on('ack', (_packet, client) => flow.acknowledged(client));
  if (config.allowAnonymous) {
    log.warn('anonymous MQTT is ON (broker.allowAnonymous, lab mode): any client may publish as any host and read every topic');
  }

  const accept = (conn: Duplex, remote: string | undefined, req?: IncomingMessage): void => {
    if (closing) {
      conn.destroy();
      return;
    }
    const guarded = guardPacketSize(conn, {
      maxPacketSize: config.maxPacketSize,
      remoteAddress: remote,
      onViolation: (error) => {
        if (error.code === 'VIGIE_ERR_PAYLOAD_TOO_LARGE') rejectedOversize += 1;
        warnLimited(`guard:${error.code}`, 'MQTT connection cut', { remote, error: error.message, limit: config.maxPacketSize });
      },
    });
    connections.add(guarded);
    guarded.once('close', () => connections.delete(guarded));
    const client = aedes.handle(guarded, req);
    isolateSlowConsumer(client, {
      maxBacklogBytes: config.maxClientBacklog,
      exempt: (c) => flow.has(c),
      onCut: (cut, error) => {
        slowClientsCut += 1;
        warnLimited(`slow:${cut.id}`, 'MQTT subscriber disconnected: it does not read its messages (broker.maxClientBacklog)', { clientId: cut.id, remote, backlogBytes: error.backlogBytes });
      },
    });
  };

  const onSocket = (socket: Socket): void => accept(socket, socket.remoteAddress);
  let tcp: TcpListener;
  let secure: TcpListener | undefined;
  try {
    tcp = await startTcpListener({ host: config.host, port: config.port, log }, onSocket);
  } catch (error) {
    aedes.close(); // its heartbeat timer would keep the process alive
    throw error;
  }
  if (config.tls && tlsMaterial) {
    try {
      secure = await startTcpListener({ host: config.tls.host ?? config.host, port: config.tls.port, log, tls: tlsMaterial }, onSocket);
    } catch (error) {
      await tcp.close();
      aedes.close();
      throw error;
    }
  }
  let ws: WsListener | undefined;
  if (opts.httpServer) {
    ws = attachWsListener(
      { server: opts.httpServer, path: config.wsPath, maxFrameSize: config.maxPacketSize * WS_FRAME_PACKETS, log },
      (stream, req) => accept(stream, req.socket.remoteAddress, req),
    );
  }

  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `mqtt://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${tcp.port}`;
  log.info({ url, tlsPort: secure?.port, ws: ws ? config.wsPath : undefined, maxPacketSize: config.maxPacketSize }, 'MQTT broker listening');
  // While publishers wait for the ingest, the old generation is let grow further (core/heap.ts).
  const stopHeapFollow = followOverload(() => flow.waits);

  return {
    aedes,
    port: tcp.port,
    ...(secure ? { tlsPort: secure.port } : {}),
    url,
    ingestLink: () => createLocalIngestLink({ aedes, persistence, flow, published: auth.ingestPublished, log: log.child({ part: 'local-ingest' }) }),
    stats: () => ({
      clients: aedes.closed ? 0 : aedes.connectedClients, rejectedOversize, slowClientsCut, sessionQueueDropped,
      sessionQueued: persistence.queueStats(), ingestWaits: flow.waits, ingestBacklog: flow.backlog(), publishesWaiting: flow.waiting(), retained: persistence.retainedStats(), ...auth.stats(),
    }),
    close: onceClose(async () => {
      closing = true;
      auth.stop();
      stopHeapFollow();
      const started = Date.now();
      await shutdownBroker({
        aedes,
        listeners: [...(ws ? [ws] : []), tcp, ...(secure ? [secure] : [])],
        connections,
        timeoutMs: secondsToMs(config.closeTimeout),
        log,
      });
      log.info({ ms: Date.now() - started }, 'MQTT broker closed');
    }),
  };
}
