/** Notifications: what the alert service and the dashboard import. */
export type { AlertNotice, DeliveryResult, Lang, Severity } from './types.js';
export {
  CHANNEL_TYPES, ChannelConfigSchema, CHANNEL_SCHEMAS, REDACTED, SECRET_FIELDS,
  mergeChannelUpdate, parseChannel, redactChannel,
  type ChannelConfig, type ChannelType,
} from './channel-config.js';
export { ChannelStore, NOTIFY_FILE, type Delivery } from './channel-store.js';
export { createNotifier, type Notifier, type NotifierOptions, type NotifierStats } from './notifier.js';
export { Outbox, type OutboxEntry, type OutboxState } from './outbox.js';
export { NotifyConfig } from './config.js';
