import { apiPath, idPath, sendJson } from '../api.js';
import { h, replaceChildren } from '../dom.js';
import { t, type MessageKey } from '../i18n/index.js';
import { REDACTED, type ChannelConfig, type ChannelOf, type ChannelType } from '../model.js';
import { field, input, messageLine, onSubmit, type MessageLine } from './ui.js';

/**
 * The create / edit form of a notification channel: the fields every channel
 * has, then those of its type (notify/channel-config.ts is the schema; the
 * server checks everything and names the field it refuses). A set secret
 * shows as "********" in a password input; sent back unchanged, the server
 * keeps it.
 */

type Kind = 'text' | 'url' | 'email' | 'number' | 'secret' | 'list' | 'bool' | 'select';
interface Spec<T> { name: Exclude<keyof T, 'id' | 'type' | keyof Common> & string; kind: Kind; required?: boolean; options?: readonly string[]; hint?: MessageKey; placeholder?: string }
type Common = Pick<ChannelConfig, 'name' | 'enabled' | 'minSeverity' | 'groups' | 'sendResolved' | 'repeatMinutes' | 'language'>;

// Typed against each channel type: a field renamed on the server breaks the build here.
export const CHANNEL_FIELDS: { [K in ChannelType]: readonly Spec<ChannelOf<K>>[] } = {
  email: [
    { name: 'host', kind: 'text', required: true, placeholder: 'smtp.example.com', hint: 'chan.hint.internal' },
    { name: 'port', kind: 'number', placeholder: '587' },
    { name: 'security', kind: 'select', options: ['starttls', 'tls', 'none'], hint: 'chan.hint.security' },
    { name: 'username', kind: 'text' },
    { name: 'password', kind: 'secret' },
    { name: 'from', kind: 'email', required: true, placeholder: 'vigie@example.com' },
    { name: 'to', kind: 'list', required: true, hint: 'chan.hint.list', placeholder: 'admin@example.com' },
    { name: 'tlsRejectUnauthorized', kind: 'bool' },
    { name: 'caFile', kind: 'text', hint: 'chan.hint.caFile' },
  ],
  webhook: [
    { name: 'url', kind: 'url', required: true, placeholder: 'https://example.com/hook', hint: 'chan.hint.internal' },
    { name: 'secret', kind: 'secret', hint: 'chan.hint.hmac' },
  ],
  ntfy: [
    { name: 'url', kind: 'url', required: true, placeholder: 'https://ntfy.sh/my-topic', hint: 'chan.hint.internal' },
    { name: 'token', kind: 'secret' },
    { name: 'tags', kind: 'list', hint: 'chan.hint.list' },
  ],
  telegram: [
    { name: 'botToken', kind: 'secret', required: true },
    { name: 'chatId', kind: 'text', required: true, placeholder: '-1001234567890' },
    { name: 'apiUrl', kind: 'url', placeholder: 'https://api.telegram.org', hint: 'chan.hint.internal' },
  ],
  discord: [{ name: 'webhookUrl', kind: 'secret', required: true, placeholder: 'https://discord.com/api/webhooks/…' }],
  slack: [{ name: 'webhookUrl', kind: 'secret', required: true, placeholder: 'https://hooks.slack.com/services/…' }],
};

export const CHANNEL_TYPE_LIST = Object.keys(CHANNEL_FIELDS) as ChannelType[];

interface Control { spec: Spec<Record<string, unknown>>; el: HTMLInputElement | HTMLSelectElement }

function control(spec: Spec<Record<string, unknown>>, value: unknown): HTMLInputElement | HTMLSelectElement {
  const testid = `channel-field-${spec.name}`;
  if (spec.kind === 'select') {
    const select = h('select', { class: 'input', 'data-testid': testid }, ...(spec.options ?? []).map((o) => h('option', { value: o }, o)));
    if (typeof value === 'string') select.value = value;
    return select;
  }
  if (spec.kind === 'bool') return h('input', { type: 'checkbox', checked: value !== false, 'data-testid': testid });
  const type = spec.kind === 'secret' ? 'password' : spec.kind === 'number' ? 'number' : spec.kind === 'email' ? 'email' : spec.kind === 'url' ? 'url' : 'text';
  const text = Array.isArray(value) ? value.join(', ') : value === undefined || value === null ? '' : String(value);
  return input({
    type, value: text, autocomplete: spec.kind === 'secret' ? 'new-password' : 'off', spellcheck: 'false',
    required: spec.required === true && spec.kind !== 'secret', placeholder: spec.placeholder, 'data-testid': testid,
  });
}

/** A field's value for the API; undefined leaves it out (create), null removes it (edit). */
function read(c: Control, editing: boolean): unknown {
  const { spec, el } = c;
  if (spec.kind === 'bool') return (el as HTMLInputElement).checked;
  const raw = el.value.trim();
  if (raw === '') return editing ? null : undefined;
  if (spec.kind === 'number') return Number(raw);
  if (spec.kind === 'list') return [...new Set(raw.split(/[,\n]/).map((s) => s.trim()).filter(Boolean))];
  return spec.kind === 'secret' ? el.value : raw; // a secret exactly as typed; "********" keeps the stored one
}

export interface ChannelFormOptions {
  /** The channel to edit (redacted), or null to create one. */
  channel: ChannelConfig | null;
  /** Group names to route by. */
  groups: string[];
  onSaved(channel: ChannelConfig): void;
  onCancel(): void;
}

export function createChannelForm(opts: ChannelFormOptions): HTMLFormElement {
  const current = (opts.channel ?? {}) as Partial<ChannelConfig> & Record<string, unknown>;
  const editing = opts.channel !== null;
  const line: MessageLine = messageLine({ 'data-testid': 'channel-error' });
  const type = h('select', { class: 'input', disabled: editing, 'data-testid': 'channel-type' }, ...CHANNEL_TYPE_LIST.map((ty) => h('option', { value: ty }, t(`chan.type.${ty}`))));
  type.value = current.type ?? 'email';
  const name = input({ required: true, maxlength: 100, value: current.name ?? '', autocomplete: 'off', 'data-testid': 'channel-name' });
  const enabled = h('input', { type: 'checkbox', checked: current.enabled !== false, 'data-testid': 'channel-enabled' });
  const severity = h('select', { class: 'input', 'data-testid': 'channel-severity' },
    h('option', { value: 'warning' }, t('chan.sev.warning')), h('option', { value: 'critical' }, t('chan.sev.critical')));
  severity.value = current.minSeverity ?? 'warning';
  const chosen = new Set(current.groups ?? []);
  const groupBoxes = [...new Set([...opts.groups, ...chosen])].map((g) => ({ g, box: h('input', { type: 'checkbox', checked: chosen.has(g), 'data-group': g }) }));
  const groups = h('fieldset', { class: 'checks', 'data-testid': 'channel-groups' }, h('legend', null, t('chan.groups')),
    ...(groupBoxes.length ? groupBoxes.map(({ g, box }) => h('label', { class: 'check' }, box, g)) : [h('span', { class: 'muted small' }, t('chan.noGroups'))]));
  const resolved = h('input', { type: 'checkbox', checked: current.sendResolved !== false, 'data-testid': 'channel-resolved' });
  // Messages in the language of who reads this channel, whatever the dashboard's (issue 11).
  const language = h('select', { class: 'input', 'data-testid': 'channel-language' },
    h('option', { value: 'en' }, t('chan.lang.en')), h('option', { value: 'fr' }, t('chan.lang.fr')));
  language.value = current.language ?? 'en';
  const repeat = input({ type: 'number', min: 0, max: 10_080, step: 1, value: current.repeatMinutes ?? 0, 'data-testid': 'channel-repeat' });
  const specific = h('div', { class: 'form wide' });
  let controls: Control[] = [];

  const renderSpecific = (): void => {
    const ty = type.value as ChannelType;
    const specs = CHANNEL_FIELDS[ty] as readonly Spec<Record<string, unknown>>[];
    // Values carry over only for the channel's own type (a new channel switching type starts blank).
    controls = specs.map((spec) => ({ spec, el: control(spec, current.type === ty ? current[spec.name] : undefined) }));
    replaceChildren(specific, ...controls.map((c) => {
      const label = t(`chan.f.${c.spec.name}` as MessageKey) + (c.spec.required ? ' *' : '');
      const hint = c.spec.kind === 'secret' && current[c.spec.name] === REDACTED ? t('chan.hint.secretSet') : c.spec.hint ? t(c.spec.hint) : undefined;
      return c.spec.kind === 'bool' ? h('label', { class: 'check' }, c.el, label) : field(label, c.el, hint);
    }));
  };
  type.addEventListener('change', renderSpecific);
  renderSpecific();

  const form = h('form', { class: 'form wide channel-form', 'data-testid': 'channel-form' },
    field(t('chan.type'), type),
    field(t('chan.name'), name),
    h('label', { class: 'check' }, enabled, t('chan.enabled')),
    field(t('chan.minSeverity'), severity),
    field(t('chan.language'), language),
    groups,
    h('label', { class: 'check' }, resolved, t('chan.sendResolved')),
    field(t('chan.repeat'), repeat, t('chan.hint.repeat')),
    specific,
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'channel-save' }, t('action.save')),
      h('button', { type: 'button', class: 'btn', on: { click: opts.onCancel } }, t('action.cancel'))),
    line.el);

  onSubmit(form, line, async () => {
    const body: Record<string, unknown> = {
      type: type.value,
      name: name.value.trim(),
      enabled: enabled.checked,
      minSeverity: severity.value,
      groups: groupBoxes.filter(({ box }) => box.checked).map(({ g }) => g),
      sendResolved: resolved.checked,
      repeatMinutes: repeat.value.trim() === '' ? 0 : Number(repeat.value),
      language: language.value,
    };
    for (const c of controls) {
      const value = read(c, editing);
      if (value !== undefined) body[c.spec.name] = value;
    }
    const saved = editing
      ? await sendJson<ChannelConfig>('PUT', idPath('channels', opts.channel!.id), body)
      : await sendJson<ChannelConfig>('POST', apiPath('/channels'), body);
    opts.onSaved(saved);
  });
  return form;
}
