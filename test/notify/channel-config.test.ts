import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  CHANNEL_TYPES, REDACTED, SECRET_FIELDS, mergeChannelUpdate, parseChannel, redactChannel, type ChannelConfig,
} from '../../notify/channel-config.js';

const SECRET = 'TOP-SECRET-VALUE';

/** One channel of each type with every secret set to SECRET. */
const samples: ChannelConfig[] = [
  { type: 'email', name: 'mail', host: 'smtp.example.com', username: 'vigie', password: SECRET, from: 'a@b.example', to: ['c@d.example'] },
  { type: 'webhook', name: 'hook', url: 'https://example.com/in', secret: SECRET },
  { type: 'ntfy', name: 'ntfy', url: 'https://ntfy.sh/vigie', token: SECRET },
  { type: 'telegram', name: 'tg', botToken: SECRET, chatId: '-100200' },
  { type: 'discord', name: 'dc', webhookUrl: `https://discord.com/api/webhooks/1/${SECRET}` },
  { type: 'slack', name: 'sl', webhookUrl: `https://hooks.slack.com/services/${SECRET}` },
].map((raw, i) => {
  const parsed = parseChannel({ ...raw, id: i + 1 });
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
});

test('every type has its secrets declared in the schema', () => {
  assert.equal(Object.fromEntries(CHANNEL_TYPES.map((t) => [t, SECRET_FIELDS[t].map((f) => f.name)])), {
    email: ['password'], webhook: ['secret'], ntfy: ['token'], telegram: ['botToken'], discord: ['webhookUrl'], slack: ['webhookUrl'],
  });
});

test('defaults come from the schema', () => {
  const email = samples[0]!;
  assert.equal(
    [email.enabled, email.minSeverity, email.groups, email.sendResolved, email.repeatMinutes],
    [true, 'warning', [], true, 0],
  );
  assert.equal(email.type === 'email' && [email.port, email.security, email.tlsRejectUnauthorized], [587, 'starttls', true]);
  assert.equal(samples[3]!.type === 'telegram' && samples[3]!.apiUrl, 'https://api.telegram.org');
});

test('redactChannel never returns a secret, for any type, and leaves the stored object alone', () => {
  for (const channel of samples) {
    const redacted = redactChannel(channel);
    assert.not.ok(JSON.stringify(redacted).includes(SECRET), `${channel.type} leaks its secret`);
    for (const { name } of SECRET_FIELDS[channel.type]) assert.is((redacted as Record<string, unknown>)[name], REDACTED);
    assert.ok(JSON.stringify(channel).includes(SECRET), 'the original is unchanged');
  }
  const noSecret = parseChannel({ id: 9, type: 'webhook', name: 'open', url: 'https://example.com/x' });
  assert.ok(noSecret.ok && !('secret' in redactChannel(noSecret.value)), 'an unset secret stays unset');
});

test('mergeChannelUpdate keeps a stored secret when the browser sends "********" or leaves it out', () => {
  for (const channel of samples) {
    const secrets = SECRET_FIELDS[channel.type].map((f) => f.name);
    const back = { ...redactChannel(channel), name: 'renamed' };
    const merged = mergeChannelUpdate(channel, back);
    assert.ok(merged.ok, merged.ok ? '' : merged.error);
    if (!merged.ok) continue;
    assert.is(merged.value.name, 'renamed');
    for (const name of secrets) assert.is((merged.value as Record<string, unknown>)[name], (channel as Record<string, unknown>)[name]);
    const omitted = mergeChannelUpdate(channel, { enabled: false });
    assert.ok(omitted.ok && omitted.value.enabled === false && JSON.stringify(omitted.value).includes(SECRET));
  }
});

test('mergeChannelUpdate: a new secret replaces, null removes, "********" never becomes a secret', () => {
  const hook = samples[1]!;
  const replaced = mergeChannelUpdate(hook, { secret: 'new-secret' });
  assert.ok(replaced.ok && replaced.value.type === 'webhook' && replaced.value.secret === 'new-secret');
  const removed = mergeChannelUpdate(hook, { secret: null });
  assert.ok(removed.ok && !('secret' in removed.value));
  if (!removed.ok) return;
  const masked = mergeChannelUpdate(removed.value, { secret: REDACTED });
  assert.ok(masked.ok && !('secret' in masked.value), 'the mask is not stored as a secret');
});

test('mergeChannelUpdate: moving a secret to another server requires typing it again', () => {
  const email = samples[0]!;
  const moved = mergeChannelUpdate(email, { host: 'smtp.attacker.example', password: REDACTED });
  assert.equal(moved, { ok: false, error: 'password: type it again, since host changed' });
  const retyped = mergeChannelUpdate(email, { host: 'smtp.other.example', password: 'typed-again' });
  assert.ok(retyped.ok);
  const sameHost = mergeChannelUpdate(email, { host: 'smtp.example.com', port: 465, security: 'tls', password: REDACTED });
  assert.ok(sameHost.ok && sameHost.value.type === 'email' && sameHost.value.password === SECRET);
  const tg = mergeChannelUpdate(samples[3]!, { apiUrl: 'https://evil.example' });
  assert.equal(tg, { ok: false, error: 'botToken: type it again, since apiUrl changed' });
});

test('mergeChannelUpdate refuses a change of type', () => {
  assert.equal(mergeChannelUpdate(samples[1]!, { type: 'slack' }), { ok: false, error: 'type: cannot change from webhook; create a new channel instead' });
});

test('validation errors name the field', () => {
  const err = (raw: unknown) => {
    const r = parseChannel(raw);
    return r.ok ? 'ok' : r.error;
  };
  assert.match(err({ id: 1, type: 'pager', name: 'x' }), /^type: must be one of email, webhook, ntfy, telegram, discord, slack \(got "pager"\)$/);
  assert.match(err({ id: 1, type: 'email', name: 'm', host: 'h', from: 'a@b.c', to: ['not an address'] }), /^to\.0: /);
  assert.match(err({ id: 1, type: 'email', name: 'm', host: 'h', from: 'a@b.c', to: [] }), /^to: /);
  assert.match(err({ id: 1, type: 'email', name: 'm', host: 'h', from: 'a@b.c', to: Array.from({ length: 21 }, (_, i) => `u${i}@x.y`) }), /^to: /);
  assert.match(err({ id: 1, type: 'email', name: 'm', host: 'h', from: 'a@b.c', to: ['x@y.z'], security: 'ssl' }), /^security: /);
  assert.match(err({ id: 1, type: 'email', name: 'm', host: 'h', from: 'a@b.c', to: ['x@y.z'], password: 'p' }), /^username: required/);
  assert.match(err({ id: 1, type: 'webhook', name: 'w', url: 'ftp://x.example/y' }), /^url: /);
  assert.match(err({ id: 1, type: 'ntfy', name: 'n', url: 'https://ntfy.sh/' }), /^url: must end with the topic/);
  assert.match(err({ id: 1, type: 'telegram', name: 't', botToken: 'x', chatId: 'abc' }), /^chatId: /);
  assert.match(err({ id: 1, type: 'slack', name: 's', webhookUrl: 'https://x', minSeverity: 'info' }), /^minSeverity: /);
  assert.match(err({ id: 1, type: 'slack', name: 's', webhookUrl: 'https://x', repeatMinutes: -1 }), /^repeatMinutes: /);
  assert.match(err({ id: 1, type: 'slack', name: 's', webhookUrl: 'https://x', colour: 'red' }), /colour/);
});

test.run();
