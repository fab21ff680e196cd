import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { OutboundRefused, pinnedLookup, type OutboundGuard } from '../core/outbound-guard.js';
import { VIGIE_VERSION } from '../core/version.js';
import { DeliveryError } from './delivery-error.js';

export interface HttpResponse {
  status: number;
}

export interface PostOptions {
  /** The channel field the URL came from (`url`, `apiUrl`, `webhookUrl`): errors name it. */
  field: string;
  timeoutMs: number;
  /** Where requests may go (core/outbound-guard). */
  guard: OutboundGuard;
}

/** Most read of an error body: enough for a `retry_after`, never a flood. It is never quoted back. */
const MAX_ERROR_BODY = 8192;

/**
 * POSTs `body` over node:http(s) with one deadline for DNS, connection and
 * answer. The host is resolved and checked by the outbound guard first, and
 * the socket connects only to the checked addresses (a pinned `lookup`), so
 * neither an IP spelling nor a DNS answer that changes can reach an internal
 * address (issue 10 item 4). A 2xx resolves; anything else rejects with a
 * DeliveryError saying whether a retry may help: network errors, timeouts,
 * 408, 429 (with its Retry-After) and 5xx are retryable, other statuses are
 * not. Errors carry the status only, never the response body: quoting it let
 * the test button read internal pages. Redirects are refused rather than
 * followed, so a body (and its signature) only goes where it was configured
 * and no redirect can lead past the guard.
 */
export async function postHttp(url: string, body: string, headers: Record<string, string>, opts: PostOptions): Promise<HttpResponse> {
  const target = new URL(url);
  const deadline = AbortSignal.timeout(opts.timeoutMs);
  let addresses: string[];
  try {
    addresses = await Promise.race([opts.guard.resolve(target.hostname), aborted(deadline)]);
  } catch (error) {
    if (error instanceof OutboundRefused) throw new DeliveryError(`${opts.field}: ${error.message}`, false);
    throw new DeliveryError(networkMessage(error, opts.timeoutMs), true);
  }
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const host = target.hostname.replace(/^\[|\]$/g, '');
  let response: IncomingMessage;
  try {
    response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(
        target,
        {
          method: 'POST',
          headers: { 'user-agent': `Vigie/${VIGIE_VERSION}`, 'content-length': Buffer.byteLength(body), ...headers },
          // An IP literal never goes through lookup; it was checked above as it is.
          ...(isIP(host) ? {} : { lookup: pinnedLookup(addresses) }),
          signal: deadline,
          // No pooled socket: each delivery connects to the addresses just checked.
          agent: false,
        },
        resolve,
      );
      req.on('error', reject);
      req.end(body);
    });
  } catch (error) {
    throw new DeliveryError(networkMessage(error, opts.timeoutMs), true);
  }
  const status = response.statusCode ?? 0;
  if (status >= 200 && status < 300) {
    response.resume(); // nobody reads a success body: do not buffer it
    return { status };
  }
  const text = status === 429 ? await readSome(response, MAX_ERROR_BODY) : (response.resume(), '');
  const message = `HTTP ${status}`;
  if (status >= 300 && status < 400) throw new DeliveryError(`${message} (redirect refused: configure the final URL)`, false);
  if (status === 429) throw new DeliveryError(message, true, retryAfterMs(header(response, 'retry-after'), text));
  throw new DeliveryError(message, status >= 500 || status === 408);
}

const header = (response: IncomingMessage, name: string): string | null => {
  const value = response.headers[name];
  return typeof value === 'string' ? value : null;
};

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** The first `max` bytes of a body as text; the rest is dropped unread. */
async function readSome(response: IncomingMessage, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= max) break;
    }
  } catch {
    // a body cut short still says something
  } finally {
    response.destroy();
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}

/** Name the cause (ECONNREFUSED, certificate…) and never the URL. */
function networkMessage(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || e.code === 'ABORT_ERR') return `no answer within ${timeoutMs} ms`;
  const cause = e.code ?? e.cause?.code ?? e.cause?.message ?? e.message ?? String(error);
  return `network error: ${cause}`;
}

/**
 * Retry-After in seconds or as an HTTP date (RFC 9110 §10.2.3); Discord and
 * Telegram also put it in the JSON body (`retry_after`, `parameters.retry_after`, seconds).
 */
export function retryAfterMs(header: string | null, body = ''): number | null {
  if (header) {
    const seconds = Number(header);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
    const date = Date.parse(header);
    if (Number.isFinite(date)) return Math.max(0, date - Date.now());
  }
  try {
    const json = JSON.parse(body) as { retry_after?: unknown; parameters?: { retry_after?: unknown } };
    const seconds = Number(json.retry_after ?? json.parameters?.retry_after);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  } catch {
    // not JSON: no hint
  }
  return null;
}

export const jsonHeaders = { 'content-type': 'application/json; charset=utf-8' } as const;
