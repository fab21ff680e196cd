import { getLang } from './i18n/index.js';
import type { User } from './model.js';

/**
 * The REST client: unwraps the `{ ok, data } | { ok, error }` envelope, keeps
 * the signed-in user and CSRF token, and reports a lost session once through
 * onUnauthenticated() so the app shows its login screen (never a reload).
 */

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    /** Seconds from the Retry-After header (429, 423), when the server sent one. */
    readonly retryAfter: number | null = null,
    /** The wrong fields of a validation error (`error.fields` in the envelope, docs/api.md). */
    readonly fields: { field: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface Session {
  user: User | null;
  csrf: string | null;
  setupRequired: boolean;
}

const session: Session = { user: null, csrf: null, setupRequired: false };
const unauthListeners = new Set<() => void>();
const userListeners = new Set<(user: User | null) => void>();

/** The signed-in user, or null. */
export const currentUser = (): User | null => session.user;

/** Records who is signed in (after setup, login, logout or a profile change). */
export function setSession(user: User | null, csrf: string | null): void {
  session.user = user;
  if (csrf !== null || user === null) session.csrf = csrf;
  for (const cb of userListeners) cb(user);
}

/** Called whenever the signed-in user changes (name in the header, admin links). */
export function onUserChange(cb: (user: User | null) => void): () => void {
  userListeners.add(cb);
  return () => userListeners.delete(cb);
}

/** Called when the server says the session is gone (401 VIGIE_ERR_UNAUTHENTICATED, socket refused). */
export function onUnauthenticated(cb: () => void): () => void {
  unauthListeners.add(cb);
  return () => unauthListeners.delete(cb);
}

/** Forgets the session and tells the app (whose handler must be idempotent: several requests may fail at once). */
export function sessionLost(): void {
  setSession(null, null);
  for (const cb of unauthListeners) cb();
}

async function request<T>(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  // Texts the server puts in words (alert titles, event lines) come in the language the viewer chose here.
  const headers: Record<string, string> = { accept: 'application/json', 'accept-language': getLang() };
  if (method !== 'GET') {
    // JSON only: a cross-site HTML form cannot send it (the server answers 415 otherwise).
    headers['content-type'] = 'application/json';
    if (session.csrf) headers['x-csrf-token'] = session.csrf;
  }
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    ...(signal ? { signal } : {}),
  });
  // 204 No Content (a device deleted): success without an envelope.
  if (res.status === 204) return undefined as T;
  let parsed: unknown;
  try {
    parsed = await res.json();
  } catch {
    throw new ApiError('VIGIE_ERR_INTERNAL', `HTTP ${res.status}`, res.status);
  }
  const env = parsed as { ok?: boolean; data?: T; error?: { code?: string; message?: string; fields?: unknown; field?: unknown } };
  if (env.ok === true) return env.data as T;
  const code = env.error?.code ?? 'VIGIE_ERR_INTERNAL';
  if (res.status === 401 && code === 'VIGIE_ERR_UNAUTHENTICATED') sessionLost();
  const retry = Number(res.headers.get('retry-after'));
  throw new ApiError(code, env.error?.message ?? `HTTP ${res.status}`, res.status, Number.isFinite(retry) && retry > 0 ? retry : null, fieldsOf(env.error?.fields ?? singleField(env.error)));
}

/** An error that names one field (`{ field: 'args.size', message }`, issue 14's runs) as a list of one. */
function singleField(error: { message?: string; field?: unknown } | undefined): unknown {
  return typeof error?.field === 'string' ? [{ field: error.field, message: error.message ?? '' }] : undefined;
}

/** The envelope's `fields`, kept only where well formed (a server may be older or newer). */
function fieldsOf(raw: unknown): { field: string; message: string }[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter((f): f is { field: string; message: string } =>
    typeof f === 'object' && f !== null && typeof (f as { field?: unknown }).field === 'string' && typeof (f as { message?: unknown }).message === 'string');
}

export function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return request<T>('GET', path, undefined, signal);
}

/** A state-changing request: JSON body, the session's CSRF token. */
export function sendJson<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  return request<T>(method, path, body);
}

/** Asks the server who is signed in; remembers the answer. */
export async function loadSession(): Promise<Session> {
  const answer = await getJson<Session>('/api/session');
  session.setupRequired = answer.setupRequired === true;
  setSession(answer.user ?? null, answer.csrf ?? null);
  return { ...session };
}

/** Builds `/api/...?a=1&b=2` with every value encoded. */
export function apiPath(path: string, query: Record<string, string | number | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const qs = params.toString();
  return `/api${path}${qs ? `?${qs}` : ''}`;
}

/** `/api/<kind>/<id>…` with the id encoded. */
export const idPath = (kind: string, id: string | number, rest = ''): string => apiPath(`/${kind}/${encodeURIComponent(String(id))}${rest}`);
