/**
 * A small REST client for the tests: keeps the session cookie and CSRF token
 * as a browser would, or sends an API token.
 */
export interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  body: { ok: true; data: T } | { ok: false; error: { code: string; message: string } };
  /** `body.data`, or throws with the error (for steps that must succeed). */
  data: T;
}

export class ApiClient {
  private constructor(
    readonly url: string,
    private cookie: string | null,
    public csrf: string | null,
    private readonly bearer: string | null,
  ) {}

  /** No credentials at all. */
  static anonymous(url: string): ApiClient {
    return new ApiClient(url, null, null, null);
  }

  static withToken(url: string, token: string): ApiClient {
    return new ApiClient(url, null, null, token);
  }

  /** Logs in through POST /api/session; throws if refused. */
  static async signIn(url: string, name: string, password: string): Promise<ApiClient> {
    const client = ApiClient.anonymous(url);
    const answer = await client.send<{ csrf: string }>('POST', '/api/session', { name, password });
    if (!answer.body.ok) throw new Error(`sign-in of ${name} refused: ${answer.body.error.code} ${answer.body.error.message}`);
    return client;
  }

  /** The `Cookie` header a browser would send (for Socket.IO clients). */
  cookieHeader(): string {
    return this.cookie ?? '';
  }

  get<T = unknown>(path: string): Promise<Answer<T>> {
    return this.request<T>('GET', path);
  }

  send<T = unknown>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
    return this.request<T>(method, path, body, headers);
  }

  private async request<T>(method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<Answer<T>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.cookie) headers.cookie = this.cookie;
    if (this.bearer) headers.authorization = `Bearer ${this.bearer}`;
    if (this.csrf && method !== 'GET') headers['x-csrf-token'] = this.csrf;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(this.url + path, { method, headers: { ...headers, ...extra }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('vigie_session='));
    if (setCookie) {
      const value = setCookie.split(';')[0]!;
      this.cookie = value === 'vigie_session=' ? null : value;
    }
    const parsed = (await res.json()) as Answer<T>['body'];
    if (parsed.ok && parsed.data && typeof parsed.data === 'object' && 'csrf' in parsed.data && typeof (parsed.data as { csrf: unknown }).csrf === 'string') {
      this.csrf = (parsed.data as { csrf: string }).csrf;
    }
    return {
      status: res.status,
      headers: res.headers,
      body: parsed,
      get data(): T {
        if (!parsed.ok) throw new Error(`${method} ${path}: ${res.status} ${parsed.error.code}: ${parsed.error.message}`);
        return parsed.data;
      },
    };
  }
}
