/**
 * A minimal Docker Engine API client over its unix socket (docs/containers.md).
 *
 * node:http with `socketPath` rather than dockerode: the agent needs four GET
 * endpoints, and dockerode would bring docker-modem, ssh2 (with its native
 * crypto fallback), tar-fs and protobuf/gRPC packages into every agent
 * install and the single-file agent bundle, for nothing we use. Here every
 * request has a deadline and a response-size cap, so a slow, stuck or
 * hostile socket costs one failed sample, never a blocked or crashed agent.
 */
export interface EngineClientOptions {
  /** Path of the engine's unix socket (`/var/run/docker.sock`, `/run/podman/podman.sock`). */
  socket: string;
  /** Milliseconds one request may take, headers and body (default 2000). */
  timeoutMs?: number;
  /** Largest response body read, in bytes; a longer one is cut off and the request fails (default 4 MiB). */
  maxBytes?: number;
}

export interface EngineClient {
  /** GET `path` (version prefix added once negotiated) and parse its JSON; rejects on any non-2xx, timeout, oversize or bad JSON. */
  get(path: string): Promise<unknown>;
  /** The API version prefix in use (`/v1.41`), '' before negotiation or when the engine gave none. */
  readonly prefix: string;
  /** Asks `/_ping` (else `/version`) once and uses min(engine's ApiVersion, {@link MAX_API_VERSION}); an engine without one is spoken to unversioned. */
  negotiate(): Promise<string>;
}

/** Newest API version this client is written against: `one-shot` stats need 1.41. */
export const MAX_API_VERSION = '1.43';
/** Oldest version spoken to with a prefix; older engines get unversioned paths. */
const MIN_API_VERSION = '1.24';

const compareVersions = (a: string, b: string): number => {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am - bm || an - bn;
};

/** The version prefix to use with an engine announcing `apiVersion` (`1.41` → `/v1.41`; too old or unparseable → ''). */
export function negotiatedPrefix(apiVersion: unknown): string {
  if (typeof apiVersion !== 'string' || !/^\d{1,2}\.\d{1,3}$/.test(apiVersion)) return '';
  if (compareVersions(apiVersion, MIN_API_VERSION) < 0) return '';
  return `/v${compareVersions(apiVersion, MAX_API_VERSION) > 0 ? MAX_API_VERSION : apiVersion}`;
}

export function createEngineClient(opts: EngineClientOptions): EngineClient {
  const timeoutMs = opts.timeoutMs ?? 2000;
  const maxBytes = opts.maxBytes ?? 4 * 1024 * 1024;
  let prefix = '';
  let negotiated: Promise<string> | null = null;

  /** GET `path`: its JSON body (or, with `headerOnly`, the `API-Version` header, unparsed body ignored). */
  const raw = async (path: string, headerOnly = false): Promise<unknown> => {
    // Loaded once an engine socket is there, not at start (docs/agent.md, Memory).
    const { request } = await import('node:http');
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (error: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        reject(error);
      };
      const req = request({ socketPath: opts.socket, path, method: 'GET', headers: { host: 'docker', accept: 'application/json' }, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) return fail(new Error(`${path}: answer larger than ${maxBytes} bytes`));
          chunks.push(chunk);
        });
        res.on('error', (e) => fail(e));
        res.on('end', () => {
          if (settled) return;
          const body = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status < 200 || status > 299) return fail(new Error(`${path}: HTTP ${status}${body ? `: ${body.slice(0, 200)}` : ''}`));
          if (headerOnly) {
            settled = true;
            clearTimeout(timer);
            return resolve(res.headers['api-version'] ?? null);
          }
          try {
            const value: unknown = JSON.parse(body);
            settled = true;
            clearTimeout(timer);
            resolve(value);
          } catch {
            fail(new Error(`${path}: the engine's answer is not JSON`));
          }
        });
      });
      // One deadline for the whole exchange: a socket that accepts and then trickles is as stuck as one that never answers.
      const timer = setTimeout(() => fail(new Error(`${path}: no answer within ${timeoutMs} ms`)), timeoutMs);
      req.on('error', (e) => fail(e));
      req.end();
    });
  };

  const client: EngineClient = {
    get prefix() {
      return prefix;
    },
    negotiate() {
      // `/_ping` answers the version in a header at once; `/version` (podman asks conmon and crun
      // theirs, seconds under load) only for an engine whose ping has no such header.
      negotiated ??= raw('/_ping', true).then(async (header) => {
        const version = typeof header === 'string' ? header : ((await raw('/version')) as { ApiVersion?: unknown } | null)?.ApiVersion;
        return (prefix = negotiatedPrefix(version));
      }).then(
        (p) => p,
        (error: unknown) => {
          negotiated = null; // asked again next time: the engine may just be starting
          throw error;
        },
      );
      return negotiated;
    },
    async get(path) {
      await client.negotiate();
      return raw(`${prefix}${path}`);
    },
  };
  return client;
}
