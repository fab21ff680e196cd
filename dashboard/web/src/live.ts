import { io, type Socket } from 'socket.io-client';
import type { HostSummary } from '../../../ingest/types.js';
import type { MetricsPayload, ServicesPayload } from '../../../protocol/payloads.js';

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

export function connection(): Socket {
  if (!socket) {
    socket = io({ path: '/socket.io', transports: ['websocket', 'polling'] });
    socket.on('connect', () => setState('live'));
    socket.on('disconnect', () => setState('lost'));
    socket.on('connect_error', () => setState('lost'));
  }
  return socket;
}

export function onConnState(cb: (s: ConnState) => void): () => void {
  stateListeners.add(cb);
  cb(state);
  return () => stateListeners.delete(cb);
}

/**
 * Joins the overview stream; `onList` receives the full list now and after
 * every reconnect (rooms do not survive one), `onHost` each live update.
 */
export function watchOverview(onList: (hosts: HostSummary[]) => void, onHost: (h: HostSummary) => void): () => void {
  const s = connection();
  const join = (): void => {
    s.emit('overview', (answer: Envelope<HostSummary[]>) => {
      if (answer.ok) onList(answer.data);
    });
  };
  s.on('host', onHost);
  s.on('connect', join);
  if (s.connected) join();
  return () => {
    s.off('host', onHost);
    s.off('connect', join);
    s.emit('overview:leave');
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
