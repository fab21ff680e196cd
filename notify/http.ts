import { VIGIE_VERSION } from '../core/version.js';
import { DeliveryError } from './delivery-error.js';

export interface HttpResponse {
  status: number;
}

/** Most an error message quotes of a response body. */
const BODY_EXCERPT = 200;
/** Most read of an error body: enough for a reason or a `retry_after`, never a flood. */
const MAX_ERROR_BODY = 8192;

/**
 * POSTs `body` with Node's fetch and a timeout. A 2xx resolves; anything
 * else rejects with a DeliveryError saying whether a retry may help:
 * network errors, timeouts, 408, 429 (with its Retry-After) and 5xx are
 * retryable, other statuses are not. Redirects are refused rather than
 * followed, so a body (and its signature) only goes where it was configured.
 */
export async function postHttp(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<HttpResponse> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'user-agent': `Vigie/${VIGIE_VERSION}`, ...headers },
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new DeliveryError(networkMessage(error, timeoutMs), true);
  }
  const { status } = response;
  if (status >= 200 && status < 300) {
    await response.body?.cancel().catch(() => undefined); // nobody reads a success body: do not buffer it
    return { status };
  }
  const text = await readSome(response, MAX_ERROR_BODY);
  const excerpt = text.replace(/\s+/g, ' ').trim().slice(0, BODY_EXCERPT);
  const message = `HTTP ${status}${excerpt ? `: ${excerpt}` : ''}`;
  if (status >= 300 && status < 400) throw new DeliveryError(`${message} (redirect refused: configure the final URL)`, false);
  if (status === 429) throw new DeliveryError(message, true, retryAfterMs(response.headers.get('retry-after'), text));
  throw new DeliveryError(message, status >= 500 || status === 408);
}

/** The first `max` bytes of a body as text; the rest is dropped unread. */
async function readSome(response: Response, max: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } catch {
    // a body cut short still says something
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}

/** "fetch failed" says nothing: name the cause (ECONNREFUSED, certificate…) and never the URL. */
function networkMessage(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const cause = e.cause?.code ?? e.cause?.message ?? e.message ?? String(error);
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
