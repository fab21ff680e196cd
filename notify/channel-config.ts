import { Type, type Static, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { err, ok, type Result } from '../core/result.js';
import { describeSchemaError, describeValue } from '../core/schema-error.js';

/**
 * Notification channel settings: one TypeBox schema per channel type, the
 * only source of defaults (STYLE §9). A property marked `secret: true` is a
 * secret: this marking is the one place that says so, and redaction and
 * merging read it. `boundTo` names the fields a secret belongs with: change
 * one of them and the secret must be typed again, so nobody can point a
 * stored password at a server of their own (the flaw behind several
 * "edit the URL, keep the credentials" advisories).
 */

/** What the browser gets in place of a set secret, and may send back to keep it. */
export const REDACTED = '********';

const SEVERITIES = ['warning', 'critical'] as const;
// Loose on purpose: nodemailer and the SMTP server check addresses; this only
// catches typos and refuses line breaks or brackets that could forge headers.
const EMAIL = '^[^\\s@<>,;"]+@[^\\s@<>,;"]+$';

const secret = (description: string, boundTo: readonly string[] = []) =>
  Type.String({ minLength: 1, maxLength: 2048, secret: true, boundTo, description });

const httpUrl = (description: string, extra: Record<string, unknown> = {}) =>
  Type.String({ minLength: 8, maxLength: 2048, pattern: '^https?://', ...extra, description });

const common = {
  id: Type.Integer({ minimum: 1, description: 'Assigned by the store' }),
  name: Type.String({ minLength: 1, maxLength: 100, description: 'Shown in the dashboard and the delivery log' }),
  enabled: Type.Boolean({ default: true, description: 'false keeps the settings but sends nothing (the test button still works)' }),
  minSeverity: Type.Union(SEVERITIES.map((s) => Type.Literal(s)), { default: 'warning', description: 'Least severity sent: `critical` skips warnings' }),
  groups: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
    default: [], maxItems: 50, uniqueItems: true,
    description: 'Host groups this channel hears about; empty means every host',
  }),
  sendResolved: Type.Boolean({ default: true, description: 'Also send a message when an alert ends' }),
  language: Type.Union([Type.Literal('en'), Type.Literal('fr')], {
    default: 'en',
    description: 'Language of the messages: `en` or `fr` (titles, details, advice and the fixed words; issue 11)',
  }),
  repeatMinutes: Type.Number({
    default: 0, minimum: 0, maximum: 10_080,
    description: 'Remind every N minutes while an alert keeps firing; 0 never reminds (the default: a reminder is noise unless asked for)',
  }),
};

const SPECIFIC = {
  email: {
    host: Type.String({ minLength: 1, maxLength: 253, description: 'SMTP server name or address' }),
    port: Type.Integer({ minimum: 1, maximum: 65_535, default: 587, description: '587 for STARTTLS (submission), 465 for TLS, 25 for plain relays' }),
    security: Type.Union([Type.Literal('starttls'), Type.Literal('tls'), Type.Literal('none')], {
      default: 'starttls',
      description: '`tls`: TLS from the first byte (port 465); `starttls`: plain then upgraded, and refused if the server does not offer STARTTLS; `none`: no encryption (a local relay only)',
    }),
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'SMTP login; leave out for a relay without authentication' })),
    password: Type.Optional(secret('SMTP password', ['host'])),
    from: Type.String({ pattern: EMAIL, maxLength: 254, description: 'Sender address' }),
    to: Type.Array(Type.String({ pattern: EMAIL, maxLength: 254 }), { minItems: 1, maxItems: 20, uniqueItems: true, description: 'Recipients (1 to 20)' }),
    tlsRejectUnauthorized: Type.Boolean({ default: true, description: 'Refuse a server certificate that does not verify; false only for a test server' }),
    caFile: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: 'PEM file of the CA that signed the server certificate, when it is not a public one' })),
  },
  webhook: {
    url: httpUrl('Where the JSON is POSTed'),
    secret: Type.Optional(secret('Key of the HMAC-SHA256 signature sent in `X-Vigie-Signature`')),
  },
  ntfy: {
    url: httpUrl('Server and topic, e.g. https://ntfy.sh/my-topic'),
    token: Type.Optional(secret('Access token (tk_…), sent as `Authorization: Bearer`', ['url'])),
    tags: Type.Array(Type.String({ minLength: 1, maxLength: 64, pattern: '^[^,\\r\\n]+$' }), {
      default: [], maxItems: 10, description: 'Extra ntfy tags (emoji short codes or words) added to every message',
    }),
  },
  telegram: {
    botToken: secret('Bot token from @BotFather', ['apiUrl']),
    chatId: Type.String({ minLength: 1, maxLength: 64, pattern: '^(-?\\d+|@[A-Za-z0-9_]{5,32})$', description: 'Chat id (a number, negative for groups) or @channelname' }),
    apiUrl: httpUrl('Bot API server; change only for a local Bot API server', { default: 'https://api.telegram.org' }),
  },
  discord: {
    webhookUrl: secret('Webhook URL from the channel settings (Integrations → Webhooks): it is the credential'),
  },
  slack: {
    webhookUrl: secret('Incoming webhook URL (https://hooks.slack.com/services/…): it is the credential'),
  },
} satisfies Record<string, TProperties>;

export type ChannelType = keyof typeof SPECIFIC;
export const CHANNEL_TYPES = Object.keys(SPECIFIC) as ChannelType[];

function channelSchema<T extends ChannelType, P extends TProperties>(type: T, specific: P) {
  return Type.Object(
    { ...common, type: Type.Literal(type, { description: 'Channel type' }), ...specific },
    { additionalProperties: false, description: `A ${type} channel` },
  );
}

export const CHANNEL_SCHEMAS = {
  email: channelSchema('email', SPECIFIC.email),
  webhook: channelSchema('webhook', SPECIFIC.webhook),
  ntfy: channelSchema('ntfy', SPECIFIC.ntfy),
  telegram: channelSchema('telegram', SPECIFIC.telegram),
  discord: channelSchema('discord', SPECIFIC.discord),
  slack: channelSchema('slack', SPECIFIC.slack),
} satisfies { [T in ChannelType]: TObject };

/** Every channel type in one union by `type` (for docs and API schemas). */
export const ChannelConfigSchema = Type.Union(Object.values(CHANNEL_SCHEMAS), { description: 'A notification channel' });

export type EmailChannel = Static<typeof CHANNEL_SCHEMAS.email>;
export type WebhookChannel = Static<typeof CHANNEL_SCHEMAS.webhook>;
export type NtfyChannel = Static<typeof CHANNEL_SCHEMAS.ntfy>;
export type TelegramChannel = Static<typeof CHANNEL_SCHEMAS.telegram>;
export type DiscordChannel = Static<typeof CHANNEL_SCHEMAS.discord>;
export type SlackChannel = Static<typeof CHANNEL_SCHEMAS.slack>;
export type ChannelConfig = EmailChannel | WebhookChannel | NtfyChannel | TelegramChannel | DiscordChannel | SlackChannel;
export type ChannelOf<T extends ChannelType> = Extract<ChannelConfig, { type: T }>;

const CHECKS = Object.fromEntries(
  CHANNEL_TYPES.map((t) => [t, TypeCompiler.Compile(CHANNEL_SCHEMAS[t])]),
) as unknown as { [T in ChannelType]: TypeCheck<TSchema> };

interface SecretField { name: string; boundTo: readonly string[] }

/** The secret fields of each type, read once from the schemas' `secret` marks. */
export const SECRET_FIELDS: { readonly [T in ChannelType]: readonly SecretField[] } = Object.fromEntries(
  CHANNEL_TYPES.map((t) => [
    t,
    Object.entries(CHANNEL_SCHEMAS[t].properties as Record<string, TSchema>)
      .filter(([, schema]) => schema.secret === true)
      .map(([name, schema]) => ({ name, boundTo: (schema.boundTo as string[] | undefined) ?? [] })),
  ]),
) as unknown as { [T in ChannelType]: SecretField[] };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isType = (v: unknown): v is ChannelType => typeof v === 'string' && (CHANNEL_TYPES as string[]).includes(v);

/**
 * Checks a whole channel (defaults filled in, `id` included) and returns it
 * typed, or one line naming the field: `to.0: Expected string to match … (got "bob")`.
 */
export function parseChannel(raw: unknown): Result<ChannelConfig> {
  if (!isRecord(raw)) return err(`(channel): expected an object (got ${describeValue(raw)})`);
  if (!isType(raw.type)) return err(`type: must be one of ${CHANNEL_TYPES.join(', ')} (got ${describeValue(raw.type)})`);
  const value = Value.Default(CHANNEL_SCHEMAS[raw.type], structuredClone(raw)) as Record<string, unknown>;
  const check = CHECKS[raw.type];
  if (!check.Check(value)) return err(describeSchemaError(check, value, ''));
  for (const field of ['url', 'apiUrl', 'webhookUrl']) {
    const url = value[field];
    // The pattern only checks the scheme; a URL that does not parse would fail at every send.
    if (typeof url === 'string' && !URL.canParse(url)) return err(`${field}: not a valid URL`);
  }
  if (value.type === 'ntfy' && topicOf(value.url as string) === null) return err('url: must end with the topic, e.g. https://ntfy.sh/my-topic');
  if (value.type === 'email' && value.password !== undefined && value.username === undefined) return err('username: required when a password is set');
  return ok(value as unknown as ChannelConfig);
}

/** The topic of an ntfy URL (its last path segment), or null. */
export function topicOf(url: string): string | null {
  const segments = new URL(url).pathname.split('/').filter(Boolean);
  const topic = segments.at(-1);
  return topic && /^[-_A-Za-z0-9]{1,64}$/.test(topic) ? topic : null;
}

/** A copy of `channel` fit for the browser: every set secret replaced by `"********"`. */
export function redactChannel<C extends ChannelConfig>(channel: C): C {
  const copy: Record<string, unknown> = { ...channel };
  for (const { name } of SECRET_FIELDS[channel.type]) {
    if (copy[name] !== undefined) copy[name] = REDACTED;
  }
  return copy as C;
}

/**
 * Applies an update from the browser to a stored channel and checks the
 * result. A field left out keeps its value; `null` removes an optional one.
 * A secret sent as `"********"` (or left out) keeps the stored secret,
 * unless a field it is bound to changed: then it must be typed again.
 * The type of a channel cannot change.
 */
export function mergeChannelUpdate(stored: ChannelConfig, update: unknown): Result<ChannelConfig> {
  if (!isRecord(update)) return err(`(channel): expected an object (got ${describeValue(update)})`);
  if (update.type !== undefined && update.type !== stored.type) return err(`type: cannot change from ${stored.type}; create a new channel instead`);
  const merged: Record<string, unknown> = { ...stored };
  for (const [key, value] of Object.entries(update)) {
    if (key === 'id') continue;
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  for (const { name, boundTo } of SECRET_FIELDS[stored.type]) {
    const sent = update[name];
    if (sent !== undefined && sent !== REDACTED) continue; // a new value, or null to remove it
    const storedValue = (stored as Record<string, unknown>)[name];
    const moved = boundTo.find((f) => f in update && update[f] !== (stored as Record<string, unknown>)[f]);
    if (storedValue !== undefined && moved) return err(`${name}: type it again, since ${moved} changed`);
    if (storedValue === undefined) delete merged[name];
    else merged[name] = storedValue;
  }
  return parseChannel(merged);
}
