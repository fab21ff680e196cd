import type { Server as HttpServer } from 'node:http';
import { Server as SocketServer, type Socket } from 'socket.io';
import { errorEnvelope, okEnvelope, type Envelope } from '../../core/errors.js';
import { onceClose, type Handle } from '../../core/lifecycle.js';
import { createRateLimitedLog, type Logger } from '../../core/logger.js';
import { secondsToMs } from '../../core/time.js';
import type { HostSummary, IngestHandle, IngestEvents } from '../../ingest/types.js';
import type { MetricsPayload, ServicesPayload } from '../../protocol/payloads.js';
import { normaliseHostId } from '../../protocol/host-id.js';
import type { Accounts } from '../../accounts/index.js';
import type { AlertService, AlertView } from '../../alerts/service.js';
import { isLang, LANGS, type Lang } from '../../alerts/words.js';
import { acceptedLang } from './lang.js';
import { identify, type Caller } from './auth/caller.js';
import type { User } from '../../accounts/users.js';
import { isOwnOrigin } from './auth/origin.js';
import { createBatchThrottle } from './throttle.js';
import { HeldParts, overviewHost, type OverviewHost } from './overview-entries.js';
import type { EventBus } from '../../core/event-bus.js';
import type { ScriptEvents } from '../../scripts/types.js';

/**
 * Live updates over Socket.IO (path /socket.io), for signed-in callers only:
 * the handshake must carry the session cookie or `auth.token` (an API
 * token), and come from this dashboard's origin when it has one. Every
 * socket sees only the hosts its user may see — in the overview stream, its
 * ack, and the host rooms. Sockets whose session ended or whose token was
 * revoked are cut, and rooms of hosts no longer visible are left: at once
 * for changes made through this server, within 2 s for other processes.
 *
 * Client → server (each takes an optional ack receiving an envelope):
 *   `overview` [{omitUnchanged}]  join the overview stream; ack data: every HostSummary the user sees, with its label,
 *                         sorted by id (code-unit order), `latest` cut to what a card shows (overviewSample);
 *                         omitUnchanged: `hosts` frames leave out the info and status this socket holds (HeldParts)
 *   `overview:leave`      leave it
 *   `subscribe` {host}    join a host's room; ack data: { host } (the normalised id); HOST_NOT_FOUND if not visible
 *   `unsubscribe` {host}  leave it
 *   `lang` {lang}         en|fr: the language of the texts sent from now on (alert titles, details, advice);
 *                         at the handshake it is `auth.lang`, else the Accept-Language header, else English
 * Server → client:
 *   `hosts` [HostSummary + label]      overview: the hosts that changed, each once, in one batch per overviewThrottle
 *                                      seconds at most (the first change after a quiet one at once), sent 100 hosts per
 *                                      frame, `latest` as in the ack
 *   `sample` {host, metrics, receivedAt}  host room: every accepted sample
 *   `services` {host, services}        host room
 *   `status` HostSummary               host room: presence/state/info changes
 *   `alert` AlertView                  host room and overview: an alert fired, changed or resolved, in the socket's language
 *   `check` CheckResultRecord          every socket whose user may see that check (issue 12): a new result
 *   `run` RunView without output       every socket whose user sees the run's host (issue 14): a run changed state
 *   `run:output` {id, host, seq, stream, chunk}   the same sockets: a run printed something
 */
export interface LiveEvents {
  host: HostSummary;
  sample: { host: string; metrics: MetricsPayload; receivedAt: number };
  services: { host: string; services: ServicesPayload };
  status: HostSummary;
}

export interface LiveStats {
  clients: number;
  /** Messages from sockets that failed validation. */
  invalid: number;
  overviewUpdates: number;
}

export interface LiveHandle extends Handle {
  io: SocketServer;
  stats(): LiveStats;
  /** Cuts the sockets of sessions that just ended (logout, password change, user deleted). */
  endSessions(keys: string[]): void;
  /** Re-checks every socket now (also done every 2 s for changes made by other processes). */
  sweep(): void;
}

export interface LiveOptions {
  ingest: IngestHandle;
  accounts: Accounts;
  /** When given, alert changes go out as `alert` events. */
  alerts?: AlertService;
  log: Logger;
  /** Seconds between two overview batches (each host at most once per batch). */
  overviewThrottle: number;
  /**
   * Whether a user may see a check's results (the check's group or runners: the server's access rules).
   * Absent: whoever may see the runner host.
   */
  canSeeCheck?(user: User, runner: string, check: string): boolean;
  /** Script runs (issue 14): relayed as `run` and `run:output` to whoever sees the host. */
  runs?: { bus: EventBus<ScriptEvents> };
}

// Admins see every host: their overview is one broadcast. Others are
// filtered socket by socket.
const OVERVIEW_ALL = 'overview:all';
// Admins who asked for compact frames (`omitUnchanged`): one broadcast too, without the parts they hold.
const OVERVIEW_ALL_COMPACT = 'overview:all:compact';
const OVERVIEW_FILTERED = 'overview:filtered';
const OVERVIEW_ROOMS = [OVERVIEW_ALL, OVERVIEW_ALL_COMPACT, OVERVIEW_FILTERED];
const hostRoom = (id: string): string => `host:${id}`;
const sessionRoom = (key: string): string => `session:${key}`;
// Each socket is in the room of its language: an alert goes out once per language, rendered in it.
const langRoom = (lang: Lang): string => `lang:${lang}`;
const otherLangRooms = (lang: Lang): string[] => LANGS.filter((l) => l !== lang).map(langRoom);
const SWEEP_MS = 2000;
/** Hosts per `hosts` frame of the overview stream. */
const OVERVIEW_CHUNK = 100;
/** Rooms one socket may hold: a page shows one host, a wall display a few. */
const MAX_ROOMS_PER_SOCKET = 32;

type Ack = (answer: Envelope<unknown>) => void;

/** The `overview` request's option: false when absent, null when malformed. */
function omitUnchangedOf(options: unknown): boolean | null {
  if (options === undefined) return false;
  if (typeof options !== 'object' || options === null) return null;
  const omit = (options as { omitUnchanged?: unknown }).omitUnchanged;
  return omit === undefined ? false : typeof omit === 'boolean' ? omit : null;
}

/** Host ids in code-unit order: cheap, and the order the browser keeps (dashboard/web/src/order.ts). */
const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Attaches Socket.IO to `server` and relays the ingest's events; close() detaches it and leaves the HTTP server running. */
export function startLive(server: HttpServer, opts: LiveOptions): LiveHandle {
  const { ingest, accounts, log } = opts;
  const warn = createRateLimitedLog(log);
  const stats = { invalid: 0, overviewUpdates: 0 };
  const requestBefore = server.listeners('request');
  const upgradeBefore = new Set(server.listeners('upgrade'));

  // engine.io defaults kept on purpose: unmatched upgrades (the broker's /mqtt)
  // are only destroyed when nobody answered them within destroyUpgradeTimeout.
  const io = new SocketServer(server, {
    path: '/socket.io',
    serveClient: false,
    maxHttpBufferSize: 16 * 1024, // clients only send tiny control messages
    // Cross-site WebSocket hijacking: a page elsewhere may not open a socket with our cookie.
    allowRequest: (req, callback) => callback(null, isOwnOrigin(req.headers.origin, req.headers.host)),
  });
  io.use((socket, next) => {
    const caller = identify(accounts, socket.handshake.headers, (socket.handshake.auth as { token?: unknown } | undefined)?.token);
    if (!caller) return next(new Error('unauthorized'));
    (socket.data as SocketData).caller = caller;
    const asked = (socket.handshake.auth as { lang?: unknown } | undefined)?.lang;
    setLang(socket, isLang(asked) ? asked : acceptedLang(socket.handshake.headers['accept-language']));
    if (caller.via === 'session') void socket.join(sessionRoom(caller.session.key));
    next();
  });
  const callerOfSocket = (socket: Socket): Caller => (socket.data as SocketData).caller;
  function setLang(socket: Socket, lang: Lang): void {
    const data = socket.data as SocketData;
    if (data.lang) void socket.leave(langRoom(data.lang));
    data.lang = lang;
    void socket.join(langRoom(lang));
  }
  // What engine.io's attach added (it wraps the 'request' listeners in one of
  // its own): close() takes exactly these off, whatever others attach later.
  // Socket.IO encodes a broadcast even for an empty room: on the per-sample
  // path, skip rooms nobody is in (most hosts, most of the time). Valid with
  // the in-memory adapter only: a cluster adapter (Redis) has members elsewhere.
  const watched = (room: string): boolean => (io.sockets.adapter.rooms.get(room)?.size ?? 0) > 0;
  const requestAdded = server.listeners('request').filter((l) => !requestBefore.includes(l));
  const upgradeAdded = server.listeners('upgrade').filter((l) => !upgradeBefore.has(l));

  // The newest sample per host not yet shown in an overview update: the
  // ingest may update its summary after emitting 'sample', so we overlay it.
  const newest = new Map<string, { metrics: MetricsPayload; receivedAt: number }>();

  const overviewSummary = (id: string): HostSummary | null => {
    const detail = ingest.getHost(id);
    const fresh = newest.get(id);
    newest.delete(id);
    if (!detail) return null;
    const { services: _services, ...summary } = detail as HostSummary & { services?: unknown };
    if (fresh && (summary.latest === null || summary.latest.ts < fresh.metrics.ts)) {
      return { ...summary, latest: fresh.metrics, lastSeen: Math.max(summary.lastSeen, fresh.receivedAt) };
    }
    return summary;
  };

  // A batch goes out OVERVIEW_CHUNK hosts per frame, the event loop running between frames:
  // 1,000 hosts encoded in one go held it 15-20 ms (CPU profile, 1,000 agents every 0.5 s), the samples behind them waiting.
  let overviewClosed = false;
  // What the compact admin room holds. Its members all get its frames; one who joins later got the
  // `overview` answer, which holds the current parts: those the room was sent before, or new ones it will be.
  const adminsHold = new HeldParts();
  // Labels are read once per batch: one query for the labelled hosts, not one per host (1,000 a second at 1,000 agents).
  const sendOverview = (ids: string[], from: number, labels: Map<string, string>): void => {
    if (overviewClosed) return;
    const end = Math.min(ids.length, from + OVERVIEW_CHUNK);
    if (end < ids.length) setImmediate(sendOverview, ids, end, labels);
    const views: OverviewHost[] = [];
    for (let i = from; i < end; i++) {
      const summary = overviewSummary(ids[i]!);
      if (summary) views.push(overviewHost(summary, labels.get(ids[i]!) ?? null));
    }
    if (views.length === 0) return;
    stats.overviewUpdates += views.length;
    if (watched(OVERVIEW_ALL)) io.to(OVERVIEW_ALL).emit('hosts', views);
    if (watched(OVERVIEW_ALL_COMPACT)) io.to(OVERVIEW_ALL_COMPACT).emit('hosts', views.map((v) => adminsHold.compact(v)));
    for (const socketId of io.sockets.adapter.rooms.get(OVERVIEW_FILTERED) ?? []) {
      const socket = io.sockets.sockets.get(socketId);
      if (!socket) continue;
      const { user } = callerOfSocket(socket);
      const visible = views.filter((v) => accounts.hostAccess.canSee(user, v.id));
      if (visible.length === 0) continue;
      const holds = (socket.data as SocketData).holds;
      socket.emit('hosts', holds ? visible.map((v) => holds.compact(v)) : visible);
    }
  };
  const throttle = createBatchThrottle<string>(secondsToMs(opts.overviewThrottle), (ids) => sendOverview(ids, 0, accounts.hostAccess.labels()));

  const canSeeCheck = opts.canSeeCheck ?? ((user: User, runner: string): boolean => accounts.hostAccess.canSee(user, runner));
  const alertService = opts.alerts;
  const offAlerts = alertService?.onChange((changed) => {
    const room = hostRoom(changed.host);
    const rendered = new Map<Lang, AlertView>();
    const inLang = (lang: Lang): AlertView => {
      let v = rendered.get(lang);
      if (!v) rendered.set(lang, (v = alertService.view(changed, lang)));
      return v;
    };
    for (const lang of LANGS) {
      if (!watched(langRoom(lang))) continue;
      if (watched(room)) io.to(room).except(otherLangRooms(lang)).emit('alert', inLang(lang));
      if (watched(OVERVIEW_ALL) || watched(OVERVIEW_ALL_COMPACT)) io.to([OVERVIEW_ALL, OVERVIEW_ALL_COMPACT]).except([room, ...otherLangRooms(lang)]).emit('alert', inLang(lang));
    }
    for (const socketId of io.sockets.adapter.rooms.get(OVERVIEW_FILTERED) ?? []) {
      const socket = io.sockets.sockets.get(socketId);
      if (socket && !socket.rooms.has(room) && accounts.hostAccess.canSee(callerOfSocket(socket).user, changed.host)) socket.emit('alert', inLang((socket.data as SocketData).lang ?? 'en'));
    }
  }, 'dashboard');
  const offBus = [
    ingest.bus.on('dashboard', 'sample', (e: IngestEvents['sample']) => {
      const seen = newest.get(e.host);
      if (!seen || seen.metrics.ts <= e.metrics.ts) newest.set(e.host, { metrics: e.metrics, receivedAt: e.receivedAt });
      if (watched(hostRoom(e.host))) io.to(hostRoom(e.host)).emit('sample', { host: e.host, metrics: e.metrics, receivedAt: e.receivedAt });
      throttle.touch(e.host);
    }),
    ingest.bus.on('dashboard', 'host', (summary: IngestEvents['host']) => {
      if (watched(hostRoom(summary.id))) io.to(hostRoom(summary.id)).emit('status', summary);
      throttle.touch(summary.id);
    }),
    ingest.bus.on('dashboard', 'services', (e: IngestEvents['services']) => {
      if (watched(hostRoom(e.host))) io.to(hostRoom(e.host)).emit('services', { host: e.host, services: e.services });
    }),
    ingest.bus.on('dashboard', 'check', (e: IngestEvents['check']) => {
      // Access is decided once per user per result; each socket then costs one Map lookup.
      const allowed = new Map<number, boolean>();
      for (const socket of io.sockets.sockets.values()) {
        const { user } = callerOfSocket(socket);
        let ok = allowed.get(user.id);
        if (ok === undefined) allowed.set(user.id, (ok = canSeeCheck(user, e.runner, e.check)));
        if (ok) socket.emit('check', e);
      }
    }),
  ];
  /** Sends to every socket whose user sees `host` (decided once per user). */
  const toHostViewers = (host: string, event: string, payload: unknown): void => {
    const allowed = new Map<number, boolean>();
    for (const socket of io.sockets.sockets.values()) {
      const { user } = callerOfSocket(socket);
      let ok = allowed.get(user.id);
      if (ok === undefined) allowed.set(user.id, (ok = accounts.hostAccess.canSee(user, host)));
      if (ok) socket.emit(event, payload);
    }
  };
  if (opts.runs) {
    offBus.push(
      opts.runs.bus.on('dashboard', 'script.run', (run) => toHostViewers(run.host, 'run', run)),
      opts.runs.bus.on('dashboard', 'script.run.output', (out) => toHostViewers(out.host, 'run:output', out)),
    );
  }

  const reject = (socket: Socket, event: string, ack: unknown, code: 'VIGIE_ERR_BAD_HOST_ID' | 'VIGIE_ERR_BAD_REQUEST', message: string): void => {
    stats.invalid += 1;
    warn(`socket:${event}`, 'invalid socket message ignored', { event, error: message, address: socket.handshake.address });
    if (typeof ack === 'function') (ack as Ack)(errorEnvelope(code, message));
  };

  /** The host id in `{ host }`, or null after answering the error. */
  const hostFrom = (socket: Socket, event: string, arg: unknown, ack: unknown): string | null => {
    const raw = typeof arg === 'object' && arg !== null ? (arg as { host?: unknown }).host : undefined;
    if (typeof raw !== 'string' || raw.length === 0 || raw.length > 255) {
      reject(socket, event, ack, 'VIGIE_ERR_BAD_HOST_ID', `${event}: expected { host: "<host id>" } with a host of 1 to 255 characters`);
      return null;
    }
    const id = normaliseHostId(raw);
    if (!id.ok) {
      reject(socket, event, ack, 'VIGIE_ERR_BAD_HOST_ID', `${event}: ${id.error}`);
      return null;
    }
    return id.value;
  };

  /** Out of every overview room, holding nothing: `overview` joins one again, in the mode asked. */
  const leaveOverview = (socket: Socket): void => {
    for (const room of OVERVIEW_ROOMS) void socket.leave(room);
    (socket.data as SocketData).holds = undefined;
  };

  const answer = (ack: unknown, data: unknown): void => {
    if (typeof ack === 'function') (ack as Ack)(okEnvelope(data));
  };

  io.on('connection', (socket) => {
    const { user } = callerOfSocket(socket);
    socket.on('overview', (...args: unknown[]) => {
      const ack = args.at(-1);
      const omit = omitUnchangedOf(typeof args[0] === 'function' ? undefined : args[0]);
      if (omit === null) {
        reject(socket, 'overview', ack, 'VIGIE_ERR_BAD_REQUEST', 'overview: expected no argument or { omitUnchanged: true | false }');
        return;
      }
      const data = socket.data as SocketData;
      leaveOverview(socket);
      void socket.join(user.role !== 'admin' ? OVERVIEW_FILTERED : omit ? OVERVIEW_ALL_COMPACT : OVERVIEW_ALL);
      // A filtered socket's frames are its own: it holds what it was answered and sent.
      data.holds = omit && user.role !== 'admin' ? new HeldParts() : undefined;
      if (typeof ack !== 'function') return; // joining only (the alert feed): no list to build
      const labels = accounts.hostAccess.labels();
      const sees = accounts.hostAccess.visibilityOf(user);
      const hosts = ingest
        .listHosts()
        .filter((h) => sees(h.id))
        .sort(byId)
        .map((h) => overviewHost(h, labels.get(h.id) ?? null));
      data.holds?.holdAll(hosts);
      answer(ack, hosts);
    });
    socket.on('overview:leave', (...args: unknown[]) => {
      leaveOverview(socket);
      answer(args.at(-1), null);
    });
    socket.on('subscribe', (arg: unknown, ack?: unknown) => {
      const id = hostFrom(socket, 'subscribe', arg, ack);
      if (id === null) return;
      if (!accounts.hostAccess.canSee(user, id)) {
        // The same answer for a host that exists but is not yours: ids reveal nothing.
        if (typeof ack === 'function') (ack as Ack)(errorEnvelope('VIGIE_ERR_HOST_NOT_FOUND', `No host "${id}"`));
        return;
      }
      if (!socket.rooms.has(hostRoom(id)) && socket.rooms.size > MAX_ROOMS_PER_SOCKET) {
        reject(socket, 'subscribe', ack, 'VIGIE_ERR_BAD_REQUEST', `subscribe: at most ${MAX_ROOMS_PER_SOCKET} hosts per connection`);
        return;
      }
      void socket.join(hostRoom(id));
      answer(ack, { host: id });
    });
    socket.on('lang', (arg: unknown, ack?: unknown) => {
      const lang = typeof arg === 'object' && arg !== null ? (arg as { lang?: unknown }).lang : undefined;
      if (!isLang(lang)) {
        reject(socket, 'lang', ack, 'VIGIE_ERR_BAD_REQUEST', `lang: expected { lang: "${LANGS.join('" | "')}" }`);
        return;
      }
      setLang(socket, lang);
      answer(ack, { lang });
    });
    socket.on('unsubscribe', (arg: unknown, ack?: unknown) => {
      const id = hostFrom(socket, 'unsubscribe', arg, ack);
      if (id === null) return;
      void socket.leave(hostRoom(id));
      answer(ack, { host: id });
    });
  });

  /** Cuts sockets whose session or token ended; leaves rooms of hosts no longer visible. */
  const sweep = (): void => {
    for (const socket of io.sockets.sockets.values()) {
      const caller = callerOfSocket(socket);
      const alive = caller.via === 'session' ? accounts.sessions.keepAlive(caller.session.key) : accounts.tokens.get(caller.token.id) !== null;
      const user = alive ? accounts.users.get(caller.user.id) : null;
      if (!user || user.role !== caller.user.role) {
        socket.disconnect(true);
        continue;
      }
      const sees = accounts.hostAccess.visibilityOf(user);
      for (const room of socket.rooms) {
        if (room.startsWith('host:') && !sees(room.slice(5))) void socket.leave(room);
      }
    }
  };
  const sweeper = setInterval(sweep, SWEEP_MS);
  sweeper.unref();

  const close = onceClose(async () => {
    clearInterval(sweeper);
    offAlerts?.();
    for (const off of offBus) off();
    throttle.close();
    overviewClosed = true;
    io.disconnectSockets(true);
    io.engine.close();
    // Socket.IO's own close() would also close the shared HTTP server: undo its attach instead.
    type Listener = (...a: unknown[]) => void;
    for (const l of requestAdded) server.off('request', l as Listener);
    for (const l of requestBefore) if (!server.listeners('request').includes(l)) server.prependListener('request', l as Listener);
    for (const l of upgradeAdded) server.off('upgrade', l as Listener);
  });

  return {
    io,
    stats: () => ({ clients: io.engine.clientsCount, ...stats }),
    sweep,
    endSessions: (keys) => {
      for (const key of keys) io.in(sessionRoom(key)).disconnectSockets(true);
    },
    close,
  };
}

interface SocketData {
  caller: Caller;
  lang?: Lang;
  /** A filtered socket that asked for compact overview frames: the parts it holds. */
  holds?: HeldParts;
}
