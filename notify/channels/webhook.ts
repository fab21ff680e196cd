import { createHmac } from 'node:crypto';
import type { WebhookChannel } from '../channel-config.js';
import { postHttp, jsonHeaders } from '../http.js';
import { countsOf, subjectOf } from '../message-text.js';
import type { AlertNotice, SendContext } from '../types.js';

/** Version 1 of the JSON body every webhook receives. */
export interface WebhookBody {
  v: 1;
  /** When this request was built (ms); equal to `X-Vigie-Timestamp`, and covered by the signature. */
  sentAt: number;
  summary: { title: string; count: number; critical: number; warning: number; resolved: number };
  notices: AlertNotice[];
}

export interface WebhookRequest {
  body: string;
  headers: Record<string, string>;
}

/** `sha256=<hex>`: HMAC-SHA256 of the exact bytes of the body. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** The request a webhook receives: the body, and the signature headers when a secret is set. */
export function format(config: WebhookChannel, notices: readonly AlertNotice[], ctx: SendContext): WebhookRequest {
  const sentAt = ctx.clock.now();
  const payload: WebhookBody = {
    v: 1,
    sentAt,
    summary: { title: subjectOf(notices, ctx.lang), count: notices.length, ...countsOf(notices) },
    notices: [...notices],
  };
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = { ...jsonHeaders, 'x-vigie-timestamp': String(sentAt) };
  if (config.secret) headers['x-vigie-signature'] = signBody(body, config.secret);
  return { body, headers };
}

export async function send(config: WebhookChannel, notices: readonly AlertNotice[], ctx: SendContext): Promise<void> {
  const { body, headers } = format(config, notices, ctx);
  await postHttp(config.url, body, headers, { field: 'url', timeoutMs: ctx.timeoutMs, guard: ctx.guard });
}
