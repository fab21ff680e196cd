/** The REST client: unwraps the `{ ok, data } | { ok, error }` envelope. */

export class ApiError extends Error {
  constructor(readonly code: string, message: string, readonly status: number) {
    super(message);
    this.name = 'ApiError';
  }
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' }, ...(signal ? { signal } : {}) });
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new ApiError('VIGIE_ERR_INTERNAL', `HTTP ${res.status}`, res.status);
  }
  const env = body as { ok?: boolean; data?: T; error?: { code?: string; message?: string } };
  if (env.ok === true) return env.data as T;
  throw new ApiError(env.error?.code ?? 'VIGIE_ERR_INTERNAL', env.error?.message ?? `HTTP ${res.status}`, res.status);
}

/** Builds `/api/...?a=1&b=2` with every value encoded. */
export function apiPath(path: string, query: Record<string, string | number | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const qs = params.toString();
  return `/api${path}${qs ? `?${qs}` : ''}`;
}
