import type { HostSummary } from '../../../../ingest/types.js';
import { apiPath, idPath, sendJson } from '../api.js';
import { h, replaceChildren } from '../dom.js';
import { t } from '../i18n/index.js';
import { hostChoice, REDACTED, type CustomOid, type DeviceInput, type DeviceView, type Labelled } from '../model.js';
import { asFieldErrors } from './check-form.js';
import { AUTH_PROTOCOLS, DEVICE_DEFAULTS, LEVELS, OID_TYPES, PRIV_PROTOCOLS } from './device-limits.js';
import { FieldErrors, type FieldError } from './field-errors.js';
import { button, messageLine, onSubmit } from './ui.js';

/**
 * The device form (issue 13), create and edit, for admins and operators:
 * where the device is, its SNMP v2c community or v3 user, the poller (an
 * agent the user sees, never a device), schedule, groups and custom OIDs.
 * Secrets are password inputs; on edit they hold REDACTED, which the server
 * reads as "keep the stored one", so the stored secret never reaches the
 * page. Each field's wrapper carries `data-field`, its path in the request
 * (`snmp.authKey`, `custom.0.oid`), so the server's field errors show next
 * to it.
 */

export interface DeviceFormContext {
  /** Agents the user sees (GET /api/hosts minus devices): the pollers to choose from. */
  pollers: (HostSummary & Labelled)[];
  /** The user's groups (admins: all). */
  groups: { id: number; name: string }[];
  admin: boolean;
}

type Attrs = Parameters<typeof h>[1];

export function createDeviceForm(existing: DeviceView | null, ctx: DeviceFormContext, done: (saved: DeviceView | null) => void): HTMLElement {
  const line = messageLine({ 'data-testid': 'device-form-msg' });
  const fld = (path: string, label: string, control: HTMLElement, hint?: string, attrs: Attrs = null): HTMLLabelElement =>
    h('label', { class: 'field', 'data-field': path, 'data-field-name': label, ...attrs },
      h('span', { class: 'field-label' }, label), control, hint ? h('span', { class: 'field-hint muted' }, hint) : null);
  const text = (testid: string, value: string | number | undefined | null, attrs: Attrs = null): HTMLInputElement =>
    h('input', { type: 'text', class: 'input', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none', 'data-testid': testid, value: value === undefined || value === null ? '' : String(value), ...attrs });
  // No min/max attributes: the browser's bubble would speak its own language; the server names the field.
  const num = (testid: string, value: number | undefined, placeholder: number): HTMLInputElement =>
    text(testid, value, { type: 'number', step: '1', inputmode: 'numeric', placeholder: String(placeholder) });
  const select = (testid: string, options: readonly (string | [string, string])[], value: string): HTMLSelectElement => {
    const el = h('select', { class: 'input', 'data-testid': testid },
      ...options.map((o) => (typeof o === 'string' ? h('option', { value: o }, o) : h('option', { value: o[0] }, o[1]))));
    el.value = value;
    return el;
  };
  /**
   * A secret's input: empty on create; REDACTED on edit when one is stored,
   * selected on focus so typing replaces it as a whole.
   */
  const secret = (testid: string, kept: boolean): HTMLInputElement => {
    const el = h('input', { type: 'password', class: 'input', autocomplete: 'new-password', spellcheck: 'false', 'data-testid': testid, value: kept ? REDACTED : '' });
    el.addEventListener('focus', () => {
      if (el.value === REDACTED) el.select();
    });
    return el;
  };

  const d = existing;
  const v3 = d?.snmp.version === '3' ? d.snmp : null;
  const id = text('device-id', d?.id, { required: true, maxlength: 63, disabled: d !== null });
  const label = text('device-label', d?.label, { maxlength: 64, spellcheck: 'true', autocapitalize: 'sentences' });
  const address = text('device-address', d?.address, { required: true, maxlength: 253, placeholder: '192.168.1.1' });
  const port = num('device-port', d?.port, DEVICE_DEFAULTS.port);
  const version = select('device-version', [['2c', t('devices.f.v2c')], ['3', t('devices.f.v3')]], d?.snmp.version ?? '2c');
  const community = secret('device-community', d?.snmp.version === '2c');
  const user = text('device-user', v3?.user, { maxlength: 64 });
  const level = select('device-level', LEVELS.map((l) => [l, t(`devices.f.level.${l}`)] as [string, string]), v3?.level ?? 'authPriv');
  const authProtocol = select('device-auth-protocol', AUTH_PROTOCOLS.map((p) => [p, p.toUpperCase().replace('SHA', 'SHA-').replace(/-$/, '')] as [string, string]), v3?.authProtocol ?? 'sha256');
  const authKey = secret('device-auth-key', v3 !== null);
  const privProtocol = select('device-priv-protocol', PRIV_PROTOCOLS.map((p) => [p, t(`devices.f.priv.${p}`)] as [string, string]), v3?.privProtocol ?? 'aes');
  const privKey = secret('device-priv-key', v3?.privKey !== undefined);
  const pollerIds = [...new Set([...ctx.pollers.map((p) => p.id), ...(d ? [d.poller] : [])])];
  const poller = select('device-poller', pollerIds.map((pid) => {
    const host = ctx.pollers.find((p) => p.id === pid);
    return [pid, host ? hostChoice(host) : pid] as [string, string];
  }), d?.poller ?? pollerIds[0] ?? '');
  const interval = num('device-interval', d?.interval, DEVICE_DEFAULTS.interval);
  const timeout = num('device-timeout', d?.timeout, DEVICE_DEFAULTS.timeout);
  const retries = num('device-retries', d?.retries, DEVICE_DEFAULTS.retries);
  const chosenGroups = new Set(d?.groups ?? (ctx.admin ? [] : ctx.groups.slice(0, 1).map((g) => g.id)));
  const groupIds = [...new Set([...ctx.groups.map((g) => g.id), ...chosenGroups])];
  const groupBoxes = groupIds.map((gid) => ({
    id: gid,
    box: h('input', { type: 'checkbox', value: gid, checked: chosenGroups.has(gid), 'data-testid': 'device-group', 'data-group': gid }),
    name: ctx.groups.find((g) => g.id === gid)?.name ?? t('checks.groupN', { id: gid }),
  }));
  const groups = h('fieldset', { class: 'checks', 'data-field': 'groups', 'data-field-name': t('devices.f.groups') },
    h('legend', null, t('devices.f.groups')),
    ...(groupBoxes.length ? groupBoxes.map((g) => h('label', { class: 'check' }, g.box, g.name)) : [h('span', { class: 'muted' }, t('groups.empty'))]),
    h('span', { class: 'field-hint muted ck-wide' }, ctx.admin ? t('devices.f.groupsHintAdmin') : t('devices.f.groupsHint')));

  // Custom OIDs: one row each, numbered by their index in the request (`custom.<i>.<field>`).
  const customRows = h('div', { class: 'oid-rows', 'data-testid': 'device-oids' });
  const rows: Array<{ el: HTMLElement; name: HTMLInputElement; oid: HTMLInputElement; type: HTMLSelectElement; unit: HTMLInputElement }> = [];
  const renumber = (): void => {
    rows.forEach((r, i) => {
      for (const [key, wrap] of Object.entries({ name: r.name, oid: r.oid, type: r.type, unit: r.unit })) wrap.closest<HTMLElement>('[data-field]')!.dataset.field = `custom.${i}.${key}`;
    });
  };
  const addRow = (c: CustomOid | null): void => {
    const name = text('oid-name', c?.name, { maxlength: 63, placeholder: 'toner.black' });
    const oid = text('oid-oid', c?.oid, { maxlength: 300, placeholder: '1.3.6.1.2.1.43.11.1.1.9.1.1', class: 'input mono' });
    const type = select('oid-type', OID_TYPES.map((x) => [x, t(`devices.f.oidType.${x}`)] as [string, string]), c?.type ?? 'gauge');
    const unit = text('oid-unit', c?.unit, { maxlength: 16, placeholder: '%' });
    const row = { name, oid, type, unit, el: h('div') };
    const remove = button(t('devices.f.oidRemove'), { class: 'btn small', 'data-testid': 'oid-remove' }, () => {
      rows.splice(rows.indexOf(row), 1);
      row.el.remove();
      renumber();
    });
    row.el = h('div', { class: 'oid-row inline-form form', 'data-testid': 'oid-row' },
      fld('custom.x.name', t('devices.f.oidName'), name),
      fld('custom.x.oid', t('devices.f.oidOid'), oid),
      fld('custom.x.type', t('devices.f.oidTypeLabel'), type),
      fld('custom.x.unit', t('devices.f.oidUnit'), unit),
      h('div', { class: 'oid-remove' }, remove));
    rows.push(row);
    customRows.appendChild(row.el);
    renumber();
  };
  for (const c of d?.custom ?? []) addRow(c);
  const addOid = button(t('devices.f.oidAdd'), { class: 'btn small', 'data-testid': 'oid-add' }, () => {
    if (rows.length >= DEVICE_DEFAULTS.customOids) return;
    addRow(null);
    rows.at(-1)?.name.focus();
  });

  const v2Part = h('div', { class: 'inline-form form', 'data-snmp-part': '2c' },
    fld('snmp.community', t('devices.f.community'), community, d?.snmp.version === '2c' ? t('devices.f.keptHint') : t('devices.f.communityHint')));
  const privFields = [fld('snmp.privProtocol', t('devices.f.privProtocol'), privProtocol), fld('snmp.privKey', t('devices.f.privKey'), privKey, v3?.privKey !== undefined ? t('devices.f.keptHint') : t('devices.f.keyHint'))];
  const v3Part = h('div', { class: 'ck-part-body', 'data-snmp-part': '3' },
    h('div', { class: 'inline-form form' },
      fld('snmp.user', t('devices.f.user'), user),
      fld('snmp.level', t('devices.f.level'), level)),
    h('div', { class: 'inline-form form' },
      fld('snmp.authProtocol', t('devices.f.authProtocol'), authProtocol),
      fld('snmp.authKey', t('devices.f.authKey'), authKey, v3 ? t('devices.f.keptHint') : t('devices.f.keyHint'))),
    h('div', { class: 'inline-form form' }, ...privFields));
  const sync = (): void => {
    const is3 = version.value === '3';
    v2Part.hidden = is3;
    v3Part.hidden = !is3;
    for (const f of privFields) f.hidden = level.value !== 'authPriv';
  };
  version.addEventListener('change', sync);
  level.addEventListener('change', sync);
  sync();

  const cancel = button(t('action.cancel'), { 'data-testid': 'device-cancel' }, () => done(null));
  const form = h('form', { class: 'form ck-form', 'data-testid': 'device-form', novalidate: true, autocomplete: 'off' },
    h('div', { class: 'inline-form form' },
      fld('id', t('devices.f.id'), id, d ? t('checks.f.idFixed') : t('devices.f.idHint')),
      fld('label', t('devices.f.label'), label, t('devices.f.labelHint'))),
    h('div', { class: 'inline-form form' },
      fld('address', t('devices.f.address'), address, t('devices.f.addressHint')),
      fld('port', t('devices.f.port'), port)),
    h('fieldset', { class: 'ck-part' }, h('legend', null, t('devices.f.snmp')),
      h('div', { class: 'inline-form form' }, fld('snmp.version', t('devices.f.version'), version)),
      v2Part, v3Part,
      // Last in the part: an error on `snmp` as a whole is marked here, after the specific fields had their chance.
      h('span', { 'data-field': 'snmp', 'data-field-name': t('devices.f.snmp') })),
    h('fieldset', { class: 'ck-part' }, h('legend', null, t('devices.f.polling')),
      h('div', { class: 'inline-form form' },
        fld('poller', t('devices.f.poller'), poller, pollerIds.length ? t('devices.f.pollerHint') : t('devices.f.noPoller')),
        fld('interval', t('devices.f.interval'), interval, t('devices.f.intervalHint', { min: DEVICE_DEFAULTS.intervalMin, max: DEVICE_DEFAULTS.intervalMax })),
        fld('timeout', t('devices.f.timeout'), timeout),
        fld('retries', t('devices.f.retries'), retries)),
      groups),
    h('fieldset', { class: 'ck-part' }, h('legend', null, t('devices.f.custom')),
      h('p', { class: 'muted small' }, t('devices.f.customHint')),
      customRows,
      h('div', { 'data-field': 'custom', 'data-field-name': t('devices.f.custom') }, addOid)),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'device-save' }, d ? t('action.save') : t('devices.create')),
      cancel),
    line.el);

  const read = (): DeviceInput => {
    const problems: FieldError[] = [];
    const integer = (el: HTMLInputElement, path: string, fallback: number): number => {
      const raw = el.value.trim();
      if (raw === '') return fallback;
      const v = Number(raw);
      if (!Number.isInteger(v)) problems.push({ field: path, message: t('form.err.integer') });
      return v;
    };
    const snmp: DeviceInput['snmp'] = version.value === '3'
      ? {
        version: '3', user: user.value.trim(), level: level.value as (typeof LEVELS)[number],
        authProtocol: authProtocol.value as (typeof AUTH_PROTOCOLS)[number], authKey: authKey.value,
        ...(level.value === 'authPriv' ? { privProtocol: privProtocol.value as (typeof PRIV_PROTOCOLS)[number], privKey: privKey.value } : {}),
      }
      : { version: '2c', community: community.value };
    const out: DeviceInput = {
      id: (d?.id ?? id.value).trim(),
      label: label.value.trim() || null,
      address: address.value.trim(),
      port: integer(port, 'port', DEVICE_DEFAULTS.port),
      // None chosen (no agent listed): the server's own local agent polls it.
      ...(poller.value ? { poller: poller.value } : {}),
      interval: integer(interval, 'interval', DEVICE_DEFAULTS.interval),
      timeout: integer(timeout, 'timeout', DEVICE_DEFAULTS.timeout),
      retries: integer(retries, 'retries', DEVICE_DEFAULTS.retries),
      snmp,
      groups: groupBoxes.filter((g) => g.box.checked).map((g) => g.id),
      custom: rows.map((r) => ({ name: r.name.value.trim(), oid: r.oid.value.trim().replace(/^\./, ''), type: r.type.value as CustomOid['type'], unit: r.unit.value.trim() })),
    };
    if (d) out.enabled = d.enabled;
    if (problems.length) throw new FieldErrors(problems);
    return out;
  };

  onSubmit(form, line, async () => {
    const input = read();
    try {
      const saved = d
        ? await sendJson<DeviceView>('PUT', idPath('devices', d.id), input)
        : await sendJson<DeviceView>('POST', apiPath('/devices'), input);
      done(saved);
    } catch (error) {
      throw asFieldErrors(error);
    }
  });
  return h('div', { class: 'panel ck-form-panel', 'data-testid': 'device-form-panel' },
    h('h2', { class: 'panel-title' }, d ? t('devices.editTitle', { name: d.label || d.id }) : t('devices.newTitle')), form);
}

/** Puts the form in `slot`, or clears it. */
export function showForm(slot: HTMLElement, el: HTMLElement | null): void {
  replaceChildren(slot, el);
  el?.scrollIntoView({ block: 'start' });
  el?.querySelector<HTMLElement>('input:not([disabled]), select')?.focus({ preventScroll: true });
}
