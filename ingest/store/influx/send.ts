import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import type { InfluxTarget } from './target.js';

const gzip = promisify(gzipCb);

/** What one write request came to; the writer decides from it whether to retry. */
export type SendOutcome =
  | { kind: 'ok' }
  /** Network error, timeout, 5xx or 429: the same batch is sent again later. */
  | { kind: 'retry'; error: string; retryAfterMs?: number }
  /** Any other 4xx: the data (or the credentials) are wrong; sending it again cannot help. */
  | { kind: 'reject'; status: number; error: string };

/** Longest Retry-After honoured: a bogus header must not park the writer for days. */
const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

async function bodyText(res: Response): Promise<string> {
  try {
    return (await res.text()).slice(0, 300).trim();
  } catch {
    return '';
  }
}

/**
 * POSTs one batch of line protocol, gzip'ed, to the target's write endpoint
 * (the same request shape for v1 and v2; only URL and credentials differ).
 * Never throws: every failure becomes an outcome.
 */
export async function sendLines(target: InfluxTarget, lines: readonly string[], timeoutMs: number, cancel: AbortSignal): Promise<SendOutcome> {
  let res: Response;
  try {
    const body = await gzip(Buffer.from(lines.join('\n'), 'utf8'));
    res = await fetch(target.writeUrl, {
      method: 'POST',
      body,
      headers: { ...target.headers, 'content-type': 'text/plain; charset=utf-8', 'content-encoding': 'gzip' },
      signal: AbortSignal.any([cancel, AbortSignal.timeout(timeoutMs)]),
    });
  } catch (error) {
    const e = error as Error & { cause?: { code?: string; message?: string } };
    const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
    return { kind: 'retry', error: `write to ${target.describe} failed: ${why}` };
  }
  if (res.status >= 200 && res.status < 300) {
    await res.arrayBuffer().catch(() => undefined); // let the connection be reused
    return { kind: 'ok' };
  }
  const text = await bodyText(res);
  const error = `InfluxDB answered ${res.status}${text ? `: ${text}` : ''}`;
  if (res.status === 429 || res.status >= 500) {
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
    return retryAfterMs === undefined ? { kind: 'retry', error } : { kind: 'retry', error, retryAfterMs };
  }
  return { kind: 'reject', status: res.status, error };
}
