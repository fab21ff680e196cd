import { topicOf, type NtfyChannel } from '../channel-config.js';
import { postHttp, jsonHeaders } from '../http.js';
import { clip, plainText, subjectOf, toneOf } from '../message-text.js';
import type { AlertNotice, SendContext } from '../types.js';

/**
 * ntfy, published as JSON to the server's root URL with the topic in the
 * body (https://docs.ntfy.sh/publish/#publish-as-json): unlike the header
 * form, JSON carries accented titles without RFC 2047 encoding.
 */

/** ntfy priorities: 5 max, 4 high, 3 default (https://docs.ntfy.sh/publish/#message-priority). */
const PRIORITY = { critical: 5, warning: 4, resolved: 3 } as const;
/** Emoji short codes ntfy shows before the title (https://docs.ntfy.sh/publish/#tags-emojis). */
const TAG = { critical: 'rotating_light', warning: 'warning', resolved: 'white_check_mark' } as const;
/** ntfy turns longer messages into attachments (its default message-size-limit is 4096 bytes). */
const MAX_MESSAGE = 3800;

export interface NtfyMessage {
  topic: string;
  title: string;
  message: string;
  priority: 1 | 2 | 3 | 4 | 5;
  tags: string[];
  click?: string;
}

export interface NtfyRequest {
  /** The server's root, where JSON is published. */
  url: string;
  headers: Record<string, string>;
  message: NtfyMessage;
}

/** The highest priority among the notices, and one tag per tone present. */
export function format(config: NtfyChannel, notices: readonly AlertNotice[], ctx: SendContext): NtfyRequest {
  const tones = notices.map(toneOf);
  const priority = Math.max(...tones.map((t) => PRIORITY[t])) as NtfyMessage['priority'];
  const tags = [...new Set([...tones.map((t) => TAG[t]), ...config.tags])];
  const url = new URL(config.url);
  const topic = topicOf(config.url) ?? '';
  url.pathname = url.pathname.replace(/[^/]+\/?$/, '');
  const click = notices.find((n) => n.url)?.url;
  const message: NtfyMessage = {
    topic,
    title: subjectOf(notices, ctx.lang),
    message: clip(plainText(notices, ctx.lang), MAX_MESSAGE),
    priority,
    tags,
    ...(click ? { click } : {}),
  };
  const headers: Record<string, string> = { ...jsonHeaders };
  if (config.token) headers.authorization = `Bearer ${config.token}`;
  return { url: url.toString(), headers, message };
}

export async function send(config: NtfyChannel, notices: readonly AlertNotice[], ctx: SendContext): Promise<void> {
  const { url, headers, message } = format(config, notices, ctx);
  await postHttp(url, JSON.stringify(message), headers, { field: 'url', timeoutMs: ctx.timeoutMs, guard: ctx.guard });
}
