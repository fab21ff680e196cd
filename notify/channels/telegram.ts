import type { TelegramChannel } from '../channel-config.js';
import { postHttp, jsonHeaders } from '../http.js';
import { clip, hostOf, labelOf, oneLine, subjectOf, toneOf, WORDS } from '../message-text.js';
import type { AlertNotice, SendContext } from '../types.js';

/**
 * Telegram Bot API sendMessage (https://core.telegram.org/bots/api#sendmessage)
 * with parse_mode HTML: its escaping is the simplest to get right — only
 * `<`, `>` and `&` outside tags must become entities
 * (https://core.telegram.org/bots/api#html-style).
 */

/** sendMessage takes 1–4096 characters after entity parsing; keep a margin for tags. */
const MAX_TEXT = 3900;
const ICON = { critical: '🔴', warning: '🟠', resolved: '✅' } as const;

export const escapeHtml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttr = (text: string): string => escapeHtml(text).replace(/"/g, '&quot;');

export interface TelegramRequest {
  /** `<apiUrl>/bot<token>/sendMessage`: holds the token, never log it. */
  url: string;
  body: { chat_id: string; text: string; parse_mode: 'HTML'; disable_web_page_preview: true };
}

function noticeHtml(n: AlertNotice, ctx: SendContext): string {
  const w = WORDS[ctx.lang];
  const lines = [`${ICON[toneOf(n)]} <b>${escapeHtml(labelOf(n, w))}</b> — ${escapeHtml(oneLine(n.title))}`];
  if (n.detail) lines.push(escapeHtml(clip(n.detail, 500)));
  lines.push(`${escapeHtml(w.host)}${w.colon} ${escapeHtml(hostOf(n))}`);
  if (n.advice && n.kind !== 'resolved') lines.push(`<i>${escapeHtml(w.suggestedAction)}${w.colon}</i> ${escapeHtml(clip(n.advice, 500))}`);
  if (n.context.length && n.kind !== 'resolved') lines.push(`<pre>${escapeHtml(clip(n.context.join('\n'), 1200))}</pre>`);
  if (n.url && /^https?:\/\//.test(n.url)) lines.push(`<a href="${escapeAttr(n.url)}">${escapeHtml(w.open)}</a>`);
  return lines.join('\n');
}

/** The message text: a summary line when there are several notices, then one block each, cut to Telegram's limit. */
export function formatText(notices: readonly AlertNotice[], ctx: SendContext): string {
  const blocks = notices.length > 1 ? [`<b>${escapeHtml(subjectOf(notices, ctx.lang))}</b>`] : [];
  let length = blocks.join('').length;
  let shown = 0;
  for (const n of notices) {
    const block = noticeHtml(n, ctx);
    // Whole blocks only: cutting inside one could split a tag or an entity.
    if (shown > 0 && length + block.length + 2 > MAX_TEXT) break;
    blocks.push(shown === 0 && block.length > MAX_TEXT ? escapeHtml(clip(oneLine(n.title), MAX_TEXT)) : block);
    length += block.length + 2;
    shown += 1;
  }
  if (shown < notices.length) blocks.push(`<i>${escapeHtml(WORDS[ctx.lang].more(notices.length - shown))}</i>`);
  return blocks.join('\n\n');
}

export function format(config: TelegramChannel, notices: readonly AlertNotice[], ctx: SendContext): TelegramRequest {
  return {
    url: `${config.apiUrl.replace(/\/+$/, '')}/bot${config.botToken}/sendMessage`,
    body: { chat_id: config.chatId, text: formatText(notices, ctx), parse_mode: 'HTML', disable_web_page_preview: true },
  };
}

export async function send(config: TelegramChannel, notices: readonly AlertNotice[], ctx: SendContext): Promise<void> {
  const { url, body } = format(config, notices, ctx);
  await postHttp(url, JSON.stringify(body), { ...jsonHeaders }, { field: 'apiUrl', timeoutMs: ctx.timeoutMs, guard: ctx.guard });
}
