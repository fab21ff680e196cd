import type { ChannelConfig, ChannelOf, ChannelType } from '../channel-config.js';
import { localizeNotice } from '../localize.js';
import type { AlertNotice, Lang, SendContext } from '../types.js';
import * as discord from './discord.js';
import * as email from './email.js';
import * as ntfy from './ntfy.js';
import * as slack from './slack.js';
import * as telegram from './telegram.js';
import * as webhook from './webhook.js';

type Send<T extends ChannelType> = (config: ChannelOf<T>, notices: readonly AlertNotice[], ctx: SendContext) => Promise<void>;

/** The only registry of channel types: each module formats and sends its own messages. */
const SENDERS: { [T in ChannelType]: Send<T> } = {
  email: email.send,
  webhook: webhook.send,
  ntfy: ntfy.send,
  telegram: telegram.send,
  discord: discord.send,
  slack: slack.send,
};

/**
 * Sends one message for `notices` to `channel`, in the channel's language;
 * rejects with a DeliveryError (or an unexpected error).
 */
export function sendToChannel(channel: ChannelConfig, notices: readonly AlertNotice[], ctx: SendContext): Promise<void> {
  // Channels stored before issue 11 have no language: they keep the server's (`alerts.lang`).
  const lang = (channel.language as Lang | undefined) ?? ctx.lang;
  return (SENDERS[channel.type] as Send<ChannelType>)(channel, notices.map((n) => localizeNotice(n, lang)), { ...ctx, lang });
}
