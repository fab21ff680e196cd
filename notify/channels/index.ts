import type { ChannelConfig, ChannelOf, ChannelType } from '../channel-config.js';
import type { AlertNotice, SendContext } from '../types.js';
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

/** Sends one message for `notices` to `channel`; rejects with a DeliveryError (or an unexpected error). */
export function sendToChannel(channel: ChannelConfig, notices: readonly AlertNotice[], ctx: SendContext): Promise<void> {
  return (SENDERS[channel.type] as Send<ChannelType>)(channel, notices, ctx);
}
