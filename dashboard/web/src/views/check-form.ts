import type { HostSummary } from '../../../../ingest/types.js';
import { ApiError, apiPath, idPath, sendJson } from '../api.js';
import { h, replaceChildren } from '../dom.js';
import { formatNumber } from '../format.js';
import { t } from '../i18n/index.js';
import { hostChoice, type CheckInput, type CheckKind, type CheckView, type Labelled } from '../model.js';
import { DEFAULTS, KINDS, METHODS, OPS, RECORD_TYPES } from './check-limits.js';
import { FieldErrors, type FieldError } from './field-errors.js';
import { button, messageLine, onSubmit } from './ui.js';

/**
 * The check form (create and edit), for operators of the check's group and
 * admins: kind-specific fields, schedule, runners picked from the hosts the
 * user sees, group, SLA target and alerting. Each field's wrapper carries
 * `data-field`, its path in the API's CheckInput (`http.acceptStatus`,
 * `alerting.latency.warning`), so the server's field errors are shown next
 * to it. Empty optional fields are left out: the server's defaults apply.
 */

export interface CheckFormContext {
  /** Hosts the user sees (GET /api/hosts): the runners to choose from. */
  hosts: (HostSummary & Labelled)[];
  /** Groups the check may belong to; `admin` may also choose none. */
  groups: { id: number; name: string }[];
  admin: boolean;
}

type Attrs = Parameters<typeof h>[1];

/** The API's path of a wrong field, in the dotted form the form's wrappers use: `checks[2].http.acceptStatus[0]` → `checks.2.http.acceptStatus.0`. */
export function dottedField(field: string): string {
  return field.replace(/^\/+/, '').replace(/\//g, '.').replace(/\[(\d+)\]/g, '.$1').replace(/^\./, '');
}

/** The server's refusal, with its fields in the form's dotted paths (so they are marked where they are). */
export function asFieldErrors(error: unknown): unknown {
  if (error instanceof ApiError && error.fields.length > 0) {
    return new FieldErrors(error.fields.map((f) => ({ field: dottedField(f.field), message: t('form.refused', { msg: f.message }) })));
  }
  return error;
}

/** What PUT needs to keep a check as it is (pause/resume sends this with `enabled` changed). */
export function inputOf(c: CheckView): CheckInput {
  const input: CheckInput = {
    id: c.id, kind: c.kind, target: c.target, interval: c.interval, timeout: c.timeout, name: c.name, enabled: c.enabled,
    runners: c.runners.map((r) => r.runner), groupId: c.groupId, sla: c.sla, alerting: c.alerting,
  };
  if (c.port !== undefined) input.port = c.port;
  if (c.http) input.http = c.http;
  if (c.dns) input.dns = c.dns;
  if (c.ping) input.ping = c.ping;
  if (c.trace !== undefined) input.trace = c.trace;
  // A script check (issue 14) keeps its script and arguments (the field exists once the catalog has script checks).
  const { script } = c as { script?: unknown };
  if (script !== undefined) Object.assign(input, { script });
  return input;
}

let forms = 0;

export function createCheckForm(existing: CheckView | null, ctx: CheckFormContext, done: (saved: CheckView | null) => void): HTMLElement {
  const n = ++forms;
  const line = messageLine({ 'data-testid': 'check-form-msg' });
  /** A labelled control whose wrapper names its API path. */
  const fld = (path: string, label: string, control: HTMLElement, hint?: string, attrs: Attrs = null): HTMLLabelElement =>
    h('label', { class: 'field', 'data-field': path, 'data-field-name': label, ...attrs },
      h('span', { class: 'field-label' }, label), control, hint ? h('span', { class: 'field-hint muted' }, hint) : null);
  const text = (testid: string, value: string | number | undefined, attrs: Attrs = null): HTMLInputElement =>
    h('input', { type: 'text', class: 'input', autocomplete: 'off', 'data-testid': testid, value: value === undefined ? '' : String(value), ...attrs });
  // No min/max attributes: the browser's bubble would speak its own language; the server names the field.
  const num = (testid: string, value: number | null | undefined, placeholder?: number | string): HTMLInputElement =>
    text(testid, value ?? undefined, { type: 'number', step: 'any', inputmode: 'decimal', ...(placeholder !== undefined ? { placeholder: String(placeholder) } : {}) });
  const select = (testid: string, options: readonly (string | [string, string])[], value: string): HTMLSelectElement => {
    const el = h('select', { class: 'input', 'data-testid': testid },
      ...options.map((o) => (typeof o === 'string' ? h('option', { value: o }, o) : h('option', { value: o[0] }, o[1]))));
    el.value = value;
    return el;
  };
  const checkbox = (testid: string, checked: boolean): HTMLInputElement => h('input', { type: 'checkbox', 'data-testid': testid, checked });
  const boxField = (path: string, label: string, box: HTMLInputElement): HTMLLabelElement =>
    h('label', { class: 'check', 'data-field': path, 'data-field-name': label }, box, label);

  const c = existing;
  const http = c?.http;
  // What is shown
  const id = text('check-id', c?.id, { required: true, maxlength: 63, pattern: '[a-z0-9][a-z0-9._\\-]{0,62}', spellcheck: 'false', disabled: c !== null });
  const name = text('check-name', c?.name, { required: true, maxlength: 100 });
  const kind = select('check-kind', KINDS.map((k) => [k, t(`checks.kind.${k}`)] as [string, string]), c?.kind ?? 'http');
  const target = text('check-target', c?.target, { required: true, maxlength: 2048, spellcheck: 'false' });
  const port = num('check-port', c?.port);
  const interval = num('check-interval', c?.interval, DEFAULTS.interval);
  const timeout = num('check-timeout', c?.timeout, DEFAULTS.timeout);
  const enabled = checkbox('check-enabled', c?.enabled ?? true);

  const method = select('check-http-method', METHODS, http?.method ?? 'GET');
  const accept = text('check-http-accept', (http?.acceptStatus ?? []).join(', '), { placeholder: '200-299' });
  const keyword = text('check-http-keyword', http?.keyword?.text, { maxlength: 512 });
  const keywordMode = select('check-http-keyword-mode', [['present', t('checks.f.keywordPresent')], ['absent', t('checks.f.keywordAbsent')]], http?.keyword?.present === false ? 'absent' : 'present');
  const regex = checkbox('check-http-regex', http?.keyword?.regex === true);
  const jsonPath = text('check-http-json-path', http?.json?.path, { maxlength: 256, placeholder: '$.status' });
  const jsonOp = select('check-http-json-op', OPS, http?.json?.op ?? '==');
  const jsonValue = text('check-http-json-value', http?.json?.value === undefined ? undefined : String(http.json.value), { maxlength: 512 });
  const headers = h('textarea', { class: 'input mono', rows: 3, spellcheck: 'false', 'data-testid': 'check-http-headers', placeholder: 'Accept: application/json' });
  headers.value = Object.entries(http?.headers ?? {}).map(([k, v]) => `${k}: ${v}`).join('\n');
  const body = h('textarea', { class: 'input mono', rows: 2, spellcheck: 'false', 'data-testid': 'check-http-body' });
  body.value = http?.body ?? '';
  const redirects = num('check-http-redirects', http?.maxRedirects, DEFAULTS.redirects);
  const bodyCap = num('check-http-body-cap', http?.maxBodyBytes, DEFAULTS.bodyBytes);
  const verifyTls = checkbox('check-http-verify-tls', http?.verifyTls ?? true);

  const dnsType = select('check-dns-type', RECORD_TYPES, c?.dns?.type ?? 'A');
  const dnsServer = text('check-dns-server', c?.dns?.server, { placeholder: '192.168.1.1', spellcheck: 'false' });
  const dnsExpect = h('textarea', { class: 'input mono', rows: 2, spellcheck: 'false', 'data-testid': 'check-dns-expect' });
  dnsExpect.value = (c?.dns?.expect ?? []).join('\n');
  const pingCount = num('check-ping-count', c?.ping?.count, DEFAULTS.pingCount);

  // Runners: the hosts the user sees, plus any already chosen that the list lacks (kept, not dropped silently).
  const chosen = new Set(c?.runners.map((r) => r.runner) ?? []);
  const runnerIds = [...new Set([...ctx.hosts.map((x) => x.id), ...chosen])];
  const runnerBoxes = runnerIds.map((rid) => {
    const host = ctx.hosts.find((x) => x.id === rid);
    return { id: rid, box: h('input', { type: 'checkbox', value: rid, checked: chosen.has(rid), 'data-testid': 'check-runner', 'data-runner': rid }), label: host ? hostChoice(host) : rid };
  });
  const runners = h('fieldset', { class: 'ck-runners', 'data-field': 'runners', 'data-field-name': t('checks.f.runners') },
    h('legend', null, t('checks.f.runners')),
    ...(runnerBoxes.length ? runnerBoxes.map((r) => h('label', { class: 'check' }, r.box, r.label)) : [h('span', { class: 'muted' }, t('checks.f.noHosts'))]),
    h('span', { class: 'field-hint muted ck-wide' }, t('checks.f.runnersHint')));

  const groupOptions: [string, string][] = [
    ...(ctx.admin ? [['', t('checks.f.noGroup')] as [string, string]] : []),
    ...ctx.groups.map((g) => [String(g.id), g.name] as [string, string]),
  ];
  const group = select('check-group', groupOptions, c?.groupId != null ? String(c.groupId) : (groupOptions[0]?.[0] ?? ''));
  const sla = num('check-sla', c?.sla, DEFAULTS.sla);
  const downAfter = num('check-down-after', c?.alerting.downAfter, DEFAULTS.downAfter);
  const ms = (s: number | null | undefined): number | null => (typeof s === 'number' ? Math.round(s * 1e6) / 1e3 : null);
  const latWarn = num('check-latency-warning', ms(c?.alerting.latency.warning));
  const latCrit = num('check-latency-critical', ms(c?.alerting.latency.critical));
  const latFor = num('check-latency-for', c?.alerting.latency.for, 0);
  const certWarn = num('check-cert-warning', c?.alerting.certDays.warning, DEFAULTS.certWarning);
  const certCrit = num('check-cert-critical', c?.alerting.certDays.critical, DEFAULTS.certCritical);

  const portField = fld('port', t('checks.f.port'), port);
  const httpPart = h('fieldset', { class: 'ck-part', 'data-kind-part': 'http' }, h('legend', null, t('checks.f.httpPart')),
    h('div', { class: 'inline-form form' },
      fld('http.method', t('checks.f.method'), method),
      fld('http.acceptStatus', t('checks.f.accept'), accept, t('checks.f.acceptHint')),
      fld('http.maxRedirects', t('checks.f.redirects'), redirects),
      fld('http.maxBodyBytes', t('checks.f.bodyCap'), bodyCap)),
    h('div', { class: 'inline-form form' },
      fld('http.keyword', t('checks.f.keyword'), keyword, t('checks.f.keywordHint')),
      fld('http.keyword.present', t('checks.f.keywordMode'), keywordMode),
      boxField('http.keyword.regex', t('checks.f.regex'), regex)),
    h('div', { class: 'inline-form form' },
      fld('http.json.path', t('checks.f.jsonPath'), jsonPath, t('checks.f.jsonHint')),
      fld('http.json.op', t('checks.f.jsonOp'), jsonOp),
      fld('http.json.value', t('checks.f.jsonValue'), jsonValue)),
    fld('http.headers', t('checks.f.headers'), headers, t('checks.f.headersHint')),
    fld('http.body', t('checks.f.body'), body),
    boxField('http.verifyTls', t('checks.f.verifyTls'), verifyTls));
  const dnsPart = h('fieldset', { class: 'ck-part', 'data-kind-part': 'dns' }, h('legend', null, t('checks.f.dnsPart')),
    h('div', { class: 'inline-form form' },
      fld('dns.type', t('checks.f.dnsType'), dnsType),
      fld('dns.server', t('checks.f.dnsServer'), dnsServer, t('checks.f.dnsServerHint'))),
    fld('dns.expect', t('checks.f.dnsExpect'), dnsExpect, t('checks.f.dnsExpectHint')));
  const pingPart = h('fieldset', { class: 'ck-part', 'data-kind-part': 'ping' }, h('legend', null, t('checks.f.pingPart')),
    h('div', { class: 'inline-form form' }, fld('ping.count', t('checks.f.pingCount'), pingCount)));
  const targetHint = h('span', { class: 'field-hint muted' });
  const targetField = h('label', { class: 'field', 'data-field': 'target', 'data-field-name': t('checks.f.target') },
    h('span', { class: 'field-label' }, t('checks.f.target')), target, targetHint);

  const sync = (): void => {
    const k = kind.value as CheckKind;
    httpPart.hidden = k !== 'http';
    dnsPart.hidden = k !== 'dns';
    pingPart.hidden = k !== 'ping';
    portField.hidden = k !== 'tcp' && k !== 'tls';
    targetHint.textContent = t(`checks.f.targetHint.${k}`);
    target.placeholder = t(`checks.f.targetPh.${k}`);
  };
  kind.addEventListener('change', sync);
  sync();

  const cancel = button(t('action.cancel'), { 'data-testid': 'check-cancel' }, () => done(null));
  const form = h('form', { class: 'form ck-form', 'data-testid': 'check-form', novalidate: true },
    h('div', { class: 'inline-form form' }, fld('name', t('checks.f.name'), name), fld('id', t('checks.f.id'), id, c ? t('checks.f.idFixed') : t('checks.f.idHint'))),
    h('div', { class: 'inline-form form' }, fld('kind', t('checks.f.kind'), kind), portField),
    targetField,
    httpPart, dnsPart, pingPart,
    h('fieldset', { class: 'ck-part' }, h('legend', null, t('checks.f.schedule')),
      h('div', { class: 'inline-form form' },
        fld('interval', t('checks.f.interval'), interval, t('checks.f.intervalHint', { min: DEFAULTS.intervalMin })),
        fld('timeout', t('checks.f.timeout'), timeout)),
      runners),
    h('fieldset', { class: 'ck-part' }, h('legend', null, t('checks.f.ownership')),
      h('div', { class: 'inline-form form' },
        fld('groupId', t('checks.f.group'), group, ctx.admin ? t('checks.f.groupHintAdmin') : t('checks.f.groupHint')),
        fld('sla', t('checks.f.sla'), sla, t('checks.f.slaHint')))),
    h('fieldset', { class: 'ck-part' }, h('legend', null, t('checks.f.alerting')),
      h('div', { class: 'inline-form form' },
        fld('alerting.downAfter', t('checks.f.downAfter'), downAfter, t('checks.f.downAfterHint')),
        fld('alerting.latency.warning', t('checks.f.latWarn'), latWarn),
        fld('alerting.latency.critical', t('checks.f.latCrit'), latCrit),
        fld('alerting.latency.for', t('checks.f.latFor'), latFor)),
      h('div', { class: 'inline-form form' },
        fld('alerting.certDays.warning', t('checks.f.certWarn'), certWarn),
        fld('alerting.certDays.critical', t('checks.f.certCrit'), certCrit))),
    boxField('enabled', t('checks.f.enabled'), enabled),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'check-save' }, c ? t('action.save') : t('checks.create')),
      cancel),
    line.el);
  form.id = `check-form-${n}`;

  const read = (): CheckInput => {
    const problems: FieldError[] = [];
    const number = (el: HTMLInputElement, path: string, integer = true): number | undefined => {
      const raw = el.value.trim();
      if (raw === '') return undefined;
      const v = Number(raw.replace(',', '.'));
      if (!Number.isFinite(v)) problems.push({ field: path, message: t('form.err.number') });
      else if (integer && !Number.isInteger(v)) problems.push({ field: path, message: t('form.err.integer') });
      return v;
    };
    const lines = (el: HTMLTextAreaElement): string[] => el.value.split('\n').map((s) => s.trim()).filter(Boolean);
    const k = kind.value as CheckKind;
    const out: CheckInput = { id: (c?.id ?? id.value).trim(), name: name.value.trim(), kind: k, target: target.value.trim(), enabled: enabled.checked };
    const put = <K extends keyof CheckInput>(key: K, v: CheckInput[K] | undefined): void => {
      if (v !== undefined) out[key] = v;
    };
    put('interval', number(interval, 'interval'));
    put('timeout', number(timeout, 'timeout'));
    if (k === 'tcp' || k === 'tls') put('port', number(port, 'port'));
    if (k === 'http') {
      const o: NonNullable<CheckInput['http']> = { method: method.value as (typeof METHODS)[number], verifyTls: verifyTls.checked };
      const statuses = accept.value.split(/[\s,;]+/).filter(Boolean);
      if (statuses.length) o.acceptStatus = statuses;
      if (keyword.value.trim()) o.keyword = { text: keyword.value, regex: regex.checked, present: keywordMode.value !== 'absent' };
      if (jsonPath.value.trim()) {
        const op = jsonOp.value as (typeof OPS)[number];
        o.json = { path: jsonPath.value.trim(), op, ...(op === 'exists' ? {} : { value: jsonLiteral(jsonValue.value) }) };
      }
      const hdrs: Record<string, string> = {};
      lines(headers).forEach((l) => {
        const i = l.indexOf(':');
        if (i <= 0) problems.push({ field: 'http.headers', message: t('checks.err.header', { line: l.slice(0, 40) }) });
        else hdrs[l.slice(0, i).trim()] = l.slice(i + 1).trim();
      });
      if (Object.keys(hdrs).length) o.headers = hdrs;
      if (body.value !== '') o.body = body.value;
      const r = number(redirects, 'http.maxRedirects');
      if (r !== undefined) o.maxRedirects = r;
      const b = number(bodyCap, 'http.maxBodyBytes');
      if (b !== undefined) o.maxBodyBytes = b;
      out.http = o;
    }
    if (k === 'dns') {
      out.dns = { type: dnsType.value as (typeof RECORD_TYPES)[number] };
      if (dnsServer.value.trim()) out.dns.server = dnsServer.value.trim();
      const expect = lines(dnsExpect);
      if (expect.length) out.dns.expect = expect;
    }
    if (k === 'ping') {
      const count = number(pingCount, 'ping.count');
      if (count !== undefined) out.ping = { count };
    }
    const picked = runnerBoxes.filter((r) => r.box.checked).map((r) => r.id);
    if (picked.length) out.runners = picked;
    out.groupId = group.value === '' ? null : Number(group.value);
    put('sla', number(sla, 'sla', false));
    const seconds = (el: HTMLInputElement, path: string): number | null => {
      const v = number(el, path, false);
      if (v === undefined) return null;
      if (v <= 0 || v > 60_000) problems.push({ field: path, message: t('form.err.range', { min: '1 ms', max: `${formatNumber(60_000, 0)} ms` }) });
      return v / 1000;
    };
    const latency = { warning: seconds(latWarn, 'alerting.latency.warning'), critical: seconds(latCrit, 'alerting.latency.critical'), for: number(latFor, 'alerting.latency.for') ?? 0 };
    const certDays = { warning: number(certWarn, 'alerting.certDays.warning') ?? DEFAULTS.certWarning, critical: number(certCrit, 'alerting.certDays.critical') ?? DEFAULTS.certCritical };
    out.alerting = { downAfter: number(downAfter, 'alerting.downAfter') ?? DEFAULTS.downAfter, latency, certDays };
    if (problems.length) throw new FieldErrors(problems);
    return out;
  };

  onSubmit(form, line, async () => {
    const input = read();
    try {
      const saved = c
        ? await sendJson<CheckView>('PUT', idPath('checks', c.id), input)
        : await sendJson<CheckView>('POST', apiPath('/checks'), input);
      done(saved);
    } catch (error) {
      throw asFieldErrors(error);
    }
  });
  return h('div', { class: 'panel ck-form-panel', 'data-testid': 'check-form-panel' },
    h('h2', { class: 'panel-title' }, c ? t('checks.editTitle', { name: c.name }) : t('checks.newTitle')), form);
}

/** A JSON-path condition's value as typed: numbers, true/false and null compare as such, anything else as text. */
export function jsonLiteral(raw: string): string | number | boolean | null {
  const s = raw.trim();
  if (/^-?\d+(?:\.\d+)?(?:e[+-]?\d+)?$/i.test(s)) return Number(s);
  if (s === 'true' || s === 'false') return s === 'true';
  if (s === 'null') return null;
  return raw;
}

/** Puts the form in `slot`, or clears it. */
export function showIn(slot: HTMLElement, el: HTMLElement | null): void {
  replaceChildren(slot, el);
  el?.scrollIntoView({ block: 'start' });
  el?.querySelector<HTMLElement>('input:not([disabled]), select')?.focus({ preventScroll: true });
}
