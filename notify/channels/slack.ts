import type { SlackChannel } from '../channel-config.js';
import { postHttp, jsonHeaders } from '../http.js';
import { clip, hostOf, labelOf, oneLine, subjectOf, toneOf, WORDS } from '../message-text.js';
import type { AlertNotice, SendContext } from '../types.js';

/**
 * Slack incoming webhook (https://api.slack.com/messaging/webhooks): `text`
 * is the notification fallback; each notice is an attachment whose `color`
 * draws the severity bar, holding Block Kit sections in mrkdwn. Slack's
 * escaping: `&`, `<`, `>` become entities, everything else is literal
 * (https://api.slack.com/reference/surfaces/formatting#escaping).
 */

export const COLOUR = { critical: '#d83c3e', warning: '#f0a500', resolved: '#2ea043' } as const;
/** A message holds at most 50 blocks; four per notice stays well under it. */
const MAX_ATTACHMENTS = 12;
/** A section's text is limited to 3000 characters. */
const MAX_SECTION = 2900;

export const escapeSlack = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

interface Block { type: 'section' | 'context'; text?: { type: 'mrkdwn'; text: string }; elements?: Array<{ type: 'mrkdwn'; text: string }> }

export interface SlackBody {
  text: string;
  attachments: Array<{ color: string; fallback: string; blocks: Block[] }>;
}

const section = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text: clip(text, MAX_SECTION) } });

function attachmentOf(n: AlertNotice, ctx: SendContext): SlackBody['attachments'][number] {
  const w = WORDS[ctx.lang];
  const title = oneLine(n.title);
  const link = n.url && /^https?:\/\//.test(n.url) ? ` <${escapeSlack(n.url)}|${escapeSlack(w.open)}>` : '';
  const blocks: Block[] = [section(`*${escapeSlack(labelOf(n, w))}* — ${escapeSlack(title)}\n${escapeSlack(n.detail)}${link}`)];
  if (n.advice && n.kind !== 'resolved') blocks.push(section(`*${escapeSlack(w.suggestedAction)}*${w.colon} ${escapeSlack(n.advice)}`));
  if (n.context.length && n.kind !== 'resolved') blocks.push(section(`\`\`\`${escapeSlack(n.context.join('\n').replace(/`/g, 'ˋ'))}\`\`\``));
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(`${escapeSlack(w.host)}${w.colon} ${escapeSlack(hostOf(n))}`, 300) }] });
  return { color: COLOUR[toneOf(n)], fallback: escapeSlack(clip(title, 300)), blocks };
}

export function format(_config: SlackChannel, notices: readonly AlertNotice[], ctx: SendContext): SlackBody {
  const attachments = notices.slice(0, MAX_ATTACHMENTS).map((n) => attachmentOf(n, ctx));
  const rest = notices.length - attachments.length;
  if (rest > 0) attachments.push({ color: '#888888', fallback: WORDS[ctx.lang].more(rest), blocks: [section(`_${escapeSlack(WORDS[ctx.lang].more(rest))}_`)] });
  return { text: escapeSlack(subjectOf(notices, ctx.lang)), attachments };
}

export async function send(config: SlackChannel, notices: readonly AlertNotice[], ctx: SendContext): Promise<void> {
  await postHttp(config.webhookUrl, JSON.stringify(format(config, notices, ctx)), { ...jsonHeaders }, { field: 'webhookUrl', timeoutMs: ctx.timeoutMs, guard: ctx.guard });
}
