import type { DiscordChannel } from '../channel-config.js';
import { postHttp, jsonHeaders } from '../http.js';
import { clip, hostOf, labelOf, oneLine, subjectOf, toneOf, WORDS } from '../message-text.js';
import type { AlertNotice, SendContext } from '../types.js';

/**
 * Discord "Execute Webhook" (https://discord.com/developers/docs/resources/webhook#execute-webhook):
 * one embed per notice, coloured by severity. Limits from the embed docs:
 * 10 embeds, title 256, description 4096, field value 1024, 6000 characters
 * in all. `allowed_mentions: { parse: [] }` keeps a host name such as
 * "@everyone" from pinging anyone.
 */

export const COLOUR = { critical: 0xd83c3e, warning: 0xf0a500, resolved: 0x2ea043 } as const;
const MAX_EMBEDS = 10;
/** Embeds' characters in all, below Discord's 6000 to leave room for the content line. */
const MAX_TOTAL = 5500;

const embedSize = (e: DiscordEmbed): number =>
  e.title.length + e.description.length + e.fields.reduce((sum, f) => sum + f.name.length + f.value.length, 0);

/** Markdown Discord would interpret in a host name or title: inline marks anywhere, headings and lists at a line start. */
export const escapeMarkdown = (text: string): string =>
  text.replace(/([\\*_~`|<>[\]])/g, '\\$1').replace(/^(\s*)([#>-])/gm, '$1\\$2');
/** Context goes in a code block: only a run of backticks could close it. */
const codeBlock = (lines: string[]): string => `\`\`\`\n${lines.join('\n').replace(/`/g, 'ˋ')}\n\`\`\``;

export interface DiscordEmbed {
  title: string;
  description: string;
  color: number;
  url?: string;
  timestamp: string;
  fields: Array<{ name: string; value: string; inline?: boolean }>;
}

export interface DiscordBody {
  username: string;
  content: string;
  embeds: DiscordEmbed[];
  allowed_mentions: { parse: [] };
}

function embedOf(n: AlertNotice, ctx: SendContext): DiscordEmbed {
  const w = WORDS[ctx.lang];
  const fields: DiscordEmbed['fields'] = [{ name: w.host, value: clip(escapeMarkdown(hostOf(n)), 1024), inline: true }];
  if (n.advice && n.kind !== 'resolved') fields.push({ name: w.suggestedAction, value: clip(escapeMarkdown(n.advice), 1024) });
  if (n.context.length && n.kind !== 'resolved') fields.push({ name: w.details, value: codeBlock(n.context.map((l) => clip(l, 200)).slice(0, 8)) });
  return {
    title: clip(`${labelOf(n, w)} — ${oneLine(n.title)}`, 256),
    description: clip(escapeMarkdown(n.detail), 1500),
    color: COLOUR[toneOf(n)],
    ...(n.url && /^https?:\/\//.test(n.url) ? { url: n.url } : {}),
    timestamp: new Date(n.resolvedAt ?? n.firedAt ?? n.since).toISOString(),
    fields,
  };
}

export function format(_config: DiscordChannel, notices: readonly AlertNotice[], ctx: SendContext): DiscordBody {
  const embeds: DiscordEmbed[] = [];
  let total = 0;
  for (const n of notices) {
    const embed = embedOf(n, ctx);
    if (embeds.length === MAX_EMBEDS || total + embedSize(embed) > MAX_TOTAL) break;
    embeds.push(embed);
    total += embedSize(embed);
  }
  const rest = notices.length - embeds.length;
  const content = `**${escapeMarkdown(subjectOf(notices, ctx.lang))}**${rest > 0 ? `\n${WORDS[ctx.lang].more(rest)}` : ''}`;
  return { username: 'Vigie', content: clip(content, 2000), embeds, allowed_mentions: { parse: [] } };
}

export async function send(config: DiscordChannel, notices: readonly AlertNotice[], ctx: SendContext): Promise<void> {
  await postHttp(config.webhookUrl, JSON.stringify(format(config, notices, ctx)), { ...jsonHeaders }, { field: 'webhookUrl', timeoutMs: ctx.timeoutMs, guard: ctx.guard });
}
