import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { CHECK_LIMITS, type CheckSpec } from '../../protocol/payloads.js';
import { VIGIE_VERSION } from '../../core/version.js';
import { resolveAllowed, unbracket } from './network-policy.js';
import { connectFirst } from './tcp.js';
import { certProblem, handshake, loadTls, type CertInfo } from './tls.js';
import { jsonProblem, keywordProblem, statusAccepted } from './http-conditions.js';
import { clip, describeNetError, down, seconds, type ProbeContext, type ProbeResult } from './types.js';

type Phases = NonNullable<ProbeResult['phases']>;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** The body as read, at most `max` bytes: reading stops (and the connection closes) past it. */
function readBody(res: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const done = (): void => resolve(Buffer.concat(chunks, total));
    if (max === 0) {
      res.destroy();
      return done();
    }
    res.on('data', (chunk: Buffer) => {
      const take = Math.min(chunk.length, max - total);
      chunks.push(take < chunk.length ? chunk.subarray(0, take) : chunk);
      total += take;
      if (total >= max) {
        res.destroy();
        done();
      }
    });
    res.once('end', done);
    res.once('error', reject);
    res.once('close', done); // a cut body is what was read
  });
}

type HttpRequest = typeof import('node:http').request;

/** One request over an already open (and verified) socket; resolves on the response headers. */
function send(request: HttpRequest, socket: Socket, url: URL, method: string, headers: OutgoingHttpHeaders, body: string | undefined, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request({
      createConnection: () => socket,
      method,
      path: `${url.pathname}${url.search}`,
      headers,
      setHost: false,
      signal,
    });
    req.once('response', resolve);
    req.once('error', reject);
    req.end(body);
  });
}

/**
 * HTTP(S), redirects followed by hand so each hop is resolved, checked
 * against the allowed networks and measured. Headers the check was given
 * (Authorization, Cookie, any custom one) go to the first origin only:
 * a redirect to another scheme, host or port gets none of them (issue 12,
 * item 8). Each hop opens its own connection: the check measures a first
 * visit, and nothing is kept between runs.
 */
export async function probeHttp(spec: CheckSpec, ctx: ProbeContext, wallNow: () => number = Date.now): Promise<ProbeResult> {
  const opts = spec.http ?? {};
  const maxBody = opts.maxBodyBytes ?? CHECK_LIMITS.bodyBytes.default;
  const maxRedirects = opts.maxRedirects ?? CHECK_LIMITS.redirects.default;
  const accept = opts.acceptStatus ?? ['200-299'];
  const verifyTls = opts.verifyTls !== false;
  let url: URL;
  try {
    url = new URL(spec.target);
  } catch {
    return down(`target "${spec.target}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return down(`target must be an http:// or https:// URL, got ${url.protocol}`);

  const firstOrigin = url.origin;
  const given: OutgoingHttpHeaders = { ...(opts.headers ?? {}) };
  if (url.username || url.password) {
    // Credentials in the URL are a given header like any other: first origin only.
    given.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
  }
  let method: string = opts.method ?? 'GET';
  let body = method === 'POST' || method === 'PUT' ? opts.body : undefined;
  // node:http and node:tls are loaded by the first check that needs them, not at
  // start (docs/agent.md, Memory), and before the clocks start.
  const { request } = await import('node:http');
  let tls = url.protocol === 'https:' ? await loadTls() : undefined;
  const started = ctx.now();
  let cert: CertInfo | undefined;
  let phases: Phases = { dns: null, connect: null, tls: null, firstByte: null };
  let address: string | undefined;

  for (let hop = 0; ; hop += 1) {
    const host = unbracket(url.hostname);
    const resolved = await resolveAllowed(host, ctx.policy, ctx.signal, ctx.now);
    if (!resolved.ok) return down(hop > 0 ? `redirect to ${url.origin}: ${resolved.message}` : resolved.message, { ...(cert ? { cert } : {}) });
    address = resolved.addresses[0]!;
    phases = { dns: resolved.dnsSeconds === null ? null : seconds(resolved.dnsSeconds * 1000), connect: null, tls: null, firstByte: null };
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    let socket: Socket | undefined;
    try {
      const connectStart = ctx.now();
      const connected = await connectFirst(resolved.addresses, port, ctx.signal);
      socket = connected.socket;
      address = connected.address;
      phases.connect = seconds(ctx.now() - connectStart);
      if (url.protocol === 'https:') {
        tls ??= await loadTls(); // a redirect from http: to https:
        const tlsStart = ctx.now();
        const done = await handshake(tls, socket, host, ctx.ca, ctx.signal);
        socket = done.secure;
        phases.tls = seconds(ctx.now() - tlsStart);
        cert = done.cert ?? undefined;
        // Judged before a byte of the request is sent: a bad certificate gets no headers.
        const problem = cert ? certProblem(cert, host, wallNow()) : 'no certificate presented';
        if (problem && verifyTls) return down(problem, { phases, address, ...(cert ? { cert } : {}) });
      }
      const headers: OutgoingHttpHeaders = url.origin === firstOrigin ? { ...given } : {};
      headers.host = url.host;
      headers.connection = 'close';
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'user-agent')) headers['user-agent'] = `Vigie-check/${VIGIE_VERSION}`;
      const requestStart = ctx.now();
      const res = await send(request, socket, url, method, headers, body, ctx.signal);
      phases.firstByte = seconds(ctx.now() - requestStart);
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (REDIRECTS.has(status) && location && hop < maxRedirects) {
        res.destroy();
        let next: URL;
        try {
          next = new URL(location, url);
        } catch {
          return down(`status ${status} redirects to an invalid URL`, { status, phases, address });
        }
        if (next.protocol !== 'http:' && next.protocol !== 'https:') return down(`status ${status} redirects to ${next.protocol} (not http or https)`, { status, phases, address });
        // As browsers do (RFC 9110 §15.4): 303, and 301/302 after a POST, go on as GET without a body.
        if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        }
        url = next;
        continue;
      }
      const raw = method === 'HEAD' ? Buffer.alloc(0) : await readBody(res, maxBody);
      const latency = seconds(ctx.now() - started);
      const text = raw.toString('utf8');
      const base = { latency, status, phases, address, ...(cert ? { cert } : {}) };
      const excerpt = clip(text, CHECK_LIMITS.excerptChars);
      if (!statusAccepted(status, accept)) {
        const why = REDIRECTS.has(status) && location ? `more than ${maxRedirects} redirects (status ${status})` : `status ${status} not in ${accept.join(', ')}`;
        return { ...base, state: 'down', message: why, ...(excerpt ? { excerpt } : {}) };
      }
      const failed = (opts.keyword ? await keywordProblem(text, opts.keyword) : null) ?? (opts.json ? await jsonProblem(text, opts.json) : null);
      if (failed) return { ...base, state: 'down', message: clip(failed), ...(excerpt ? { excerpt } : {}) };
      return { ...base, state: 'up', message: clip(`${status} ${res.statusMessage ?? ''}`.trim()) };
    } catch (error) {
      return down(describeNetError(error, ctx.signal, spec.timeout), { phases, address, ...(cert ? { cert } : {}) });
    } finally {
      socket?.destroy();
    }
  }
}
