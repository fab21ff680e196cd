import { io, type Socket } from 'socket.io-client';
import type { HostSummary } from '../../../ingest/types.js';
import type { MetricsPayload, ServicesPayload } from '../../../protocol/payloads.js';
import { loadSession, sessionLost } from './api.js';
import { getLang, onLangChange } from './i18n/index.js';
import type { AlertView, OverviewEntry } from './model.js';

/** The Socket.IO connection (one per page) and the rooms the current view wants. */

export interface SampleEvent { host: string; metrics: MetricsPayload; receivedAt: number }
export interface ServicesEvent { host: string; services: ServicesPayload }
type Envelope<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };

export type ConnState = 'connecting' | 'live' | 'lost';

let socket: Socket | null = null;
const stateListeners = new Set<(s: ConnState) => void>();
let state: ConnState = 'connecting';

function setState(s: ConnState): void {
  state = s;
  for (const cb of stateListeners) cb(s);
}

/** The page's socket, opened on first use (only once signed in: the server checks the session cookie). */
export function connection(): Socket {
  if (!socket) {
    // `auth` is read at every (re)connection: the server sends alert texts in this language.
    const s = io({ path: '/socket.io', transports: ['websocket', 'polling'], withCredentials: true, auth: (cb) => cb({ lang: getLang() }) });
    socket = s;
    s.on('connect', () => setState('live'));
    s.on('disconnect', (reason) => {
      setState('lost');
      // The server cuts a user's sockets when their session ends (logout
      // elsewhere, password or role change): ask whether we are still signed in.
      if (reason === 'io server disconnect') void recheck(s);
    });
    s.on('connect_error', (error) => {
      if (error.message === 'unauthorized') {
        closeConnection();
        sessionLost();
      } else {
        setState('lost');
      }
    });
  }
  return socket;
}

async function recheck(s: Socket): Promise<void> {
  try {
    const answer = await loadSession();
    if (socket !== s) return;
    if (answer.user) s.connect();
    else {
      closeConnection();
      sessionLost();
    }
  } catch {
    if (socket === s) s.connect(); // server unreachable: keep trying like any lost connection
  }
}

/** Closes the socket (logout, session lost); the next connection() opens a new one. */
export function closeConnection(): void {
  const s = socket;
  socket = null;
  overviewUsers = 0;
  if (s) {
    s.removeAllListeners();
    s.disconnect();
  }
  setState('connecting');
}

export function onConnState(cb: (s: ConnState) => void): () => void {
  stateListeners.add(cb);
  cb(state);
  return () => stateListeners.delete(cb);
}

// The overview stream carries both host updates and `alert` events; the
// overview page and the app-wide alert feed share it, so it is left only when
// neither wants it any more. Rooms are per connection: each watcher joins
// again on every `connect`.
let overviewUsers = 0;
/** Both users of the overview stream ask for compact frames: one socket is in one overview room. */
const COMPACT = { omitUnchanged: true };

function enterOverview(): void {
  overviewUsers += 1;
}

function leaveOverview(s: Socket): void {
  if (socket !== s) return; // a closed socket: its count was reset with it
  overviewUsers = Math.max(0, overviewUsers - 1);
  if (overviewUsers === 0) s.emit('overview:leave');
}

/**
 * Joins the overview stream; `onList` receives the full list now and after
 * every reconnect (rooms do not survive one), `onHost` each live update.
 */
export function watchOverview(onList: (hosts: HostSummary[]) => void, onHost: (h: HostSummary) => void): () => void {
  const s = connection();
  // Compact frames leave out a host's info and status when this socket already has them:
  // each update is merged into the host as last received.
  const held = new Map<string, HostSummary>();
  const join = (): void => {
    s.emit('overview', COMPACT, (answer: Envelope<HostSummary[]>) => {
      if (!answer.ok) return;
      held.clear();
      for (const h of answer.data) held.set(h.id, h);
      onList(answer.data);
    });
  };
  // Updates come in batches: the hosts that changed, each once (dashboard/server/live.ts).
  const onHosts = (hosts: OverviewEntry[]): void => {
    for (const h of hosts) {
      const host: HostSummary = { info: null, status: null, ...held.get(h.id), ...h };
      held.set(h.id, host);
      onHost(host);
    }
  };
  enterOverview();
  s.on('hosts', onHosts);
  s.on('connect', join);
  if (s.connected) join();
  return () => {
    s.off('hosts', onHosts);
    s.off('connect', join);
    leaveOverview(s);
  };
}

/**
 * Receives every `alert` event (fired, changed, acknowledged, silenced,
 * resolved) for the hosts the user sees. `resync` runs on every connect,
 * the first included: whatever changed while disconnected must be reloaded;
 * and after a language switch, once the server speaks the new language.
 */
export function watchAlerts(onAlert: (alert: AlertView) => void, resync: () => void): () => void {
  const s = connection();
  const join = (): void => {
    s.emit('overview', COMPACT);
    resync();
  };
  enterOverview();
  s.on('alert', onAlert);
  s.on('connect', join);
  if (s.connected) join();
  const offLang = onLangChange(() => {
    if (s.connected) s.emit('lang', { lang: getLang() }, () => resync());
  });
  return () => {
    offLang();
    s.off('alert', onAlert);
    s.off('connect', join);
    leaveOverview(s);
  };
}

export interface HostWatchers {
  sample(e: SampleEvent): void;
  status(h: HostSummary): void;
  services(e: ServicesEvent): void;
  /** After a reconnect: whatever was missed should be reloaded. */
  resync(): void;
}

/** Joins one host's room for samples, status and services. */
export function watchHost(host: string, w: HostWatchers): () => void {
  const s = connection();
  let first = true;
  const join = (): void => {
    s.emit('subscribe', { host });
    if (!first) w.resync();
    first = false;
  };
  const onSample = (e: SampleEvent): void => { if (e.host === host) w.sample(e); };
  const onStatus = (h: HostSummary): void => { if (h.id === host) w.status(h); };
  const onServices = (e: ServicesEvent): void => { if (e.host === host) w.services(e); };
  s.on('sample', onSample);
  s.on('status', onStatus);
  s.on('services', onServices);
  s.on('connect', join);
  if (s.connected) join(); // else the first 'connect' joins; later ones also resync
  return () => {
    s.off('sample', onSample);
    s.off('status', onStatus);
    s.off('services', onServices);
    s.off('connect', join);
    s.emit('unsubscribe', { host });
  };
}
