import { isIP } from 'node:net';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import type { FieldError } from '../core/errors.js';
import { describeValue } from '../core/schema-error.js';
import { DNS_RECORD_TYPES, HTTP_METHODS, JSON_OPS, RESULT_KINDS, TARGET_HOST_PATTERN, type ResultKind } from '../protocol/schemas/check.js';
import { isHostId } from '../protocol/host-id.js';
import { checkScriptArgs } from '../protocol/script-args.js';
import { SCRIPT_ID_RE, type ScriptParam } from '../protocol/schemas/script.js';
import { CheckInput, type CheckDefinition } from './definition.js';

/**
 * Turns what a client sent (the API body, one item of an import file) into
 * the fields of a stored check: the schema (checks/definition.ts) with its
 * defaults filled in, then the rules one field cannot say alone (a TCP check
 * needs a port, HTTP options only on an HTTP check, critical ≥ warning…).
 * Every error names its field (`http.acceptStatus[0]`) and the expected form.
 */

/** A check's own fields: a definition without its bookkeeping. */
export type CheckFields = Omit<CheckDefinition, 'createdAt' | 'updatedAt' | 'createdBy'>;

export type Checked = { ok: true; value: CheckFields } | { ok: false; fields: FieldError[] };

/**
 * The parameters of a check script of the library (issue 14), or null when
 * no check script has that id. The script library (scripts/) provides it;
 * without it, a script check's arguments are checked against the schema only.
 */
export type ScriptParamsLookup = (id: string) => readonly ScriptParam[] | null;

export interface ValidateOptions {
  /** The runner when `runners` is left out: the box's own agent, or null when this server runs none. */
  defaultRunner: string | null;
  /** A script check's parameters, to check its arguments as the server does before it signs them. */
  scriptParams?: ScriptParamsLookup;
}

/** Errors reported for one check at most: enough to fix a form, never a flood. */
const MAX_ERRORS = 20;
/** TLS checks aim at HTTPS servers unless told otherwise. */
const TLS_DEFAULT_PORT = 443;

const compiled = TypeCompiler.Compile(CheckInput);
const TARGET_HOST_RE = new RegExp(TARGET_HOST_PATTERN);

/** What a union field expects, in words (TypeBox says only "Expected union value"). */
const UNION_FORMS: Record<string, string> = {
  kind: `one of ${RESULT_KINDS.join(', ')}`,
  'http.method': `one of ${HTTP_METHODS.join(', ')}`,
  'dns.type': `one of ${DNS_RECORD_TYPES.join(', ')}`,
  'http.json.op': `one of ${JSON_OPS.join(', ')}`,
  'http.json.value': 'a string, a number, true, false or null',
  groupId: 'a group id (a positive integer) or null',
  'alerting.latency.warning': 'seconds above 0 and at most 60, or null',
  'alerting.latency.critical': 'seconds above 0 and at most 60, or null',
};

/** What a patterned string field expects, in words (TypeBox quotes the regular expression). */
const PATTERN_FORMS: Record<string, string> = {
  id: 'a check id: 1 to 63 lower case letters, digits, ".", "_" or "-", starting with a letter or digit (web-home, dns.lan)',
  runners: 'a host id: 1 to 63 lower case letters, digits, ".", "_" or "-" (the agent\'s host id)',
  'http.acceptStatus': 'a status code or range: 200, 200-299 or 3xx',
  'http.headers': 'a header name of letters, digits and !#$%&\'*+.^_`|~-',
  'dns.server': 'an IP address with an optional port: 192.168.1.1, 127.0.0.1:5353, [::1]:53',
  'script.id': 'a script id: 1 to 63 lower case letters, digits, ".", "_" or "-", starting with a letter or digit (pg-replication)',
  'script.args': 'a parameter name: a lower case letter, then letters, digits or "_"',
};

/** `/http/acceptStatus/0` → `http.acceptStatus[0]`. */
export function fieldPath(pointer: string): string {
  let out = '';
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(key) ? `[${key}]` : out === '' ? key : `.${key}`;
  }
  return out;
}

/** The field path without array indexes, to look up its form. */
const shapeOf = (field: string): string => field.replace(/\[\d+\]/g, '');

function schemaErrors(raw: unknown): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  try {
    for (const e of compiled.Errors(raw)) {
      const field = fieldPath(e.path) || '(check)';
      // A union reports once per member; the first error of a field is the one to read.
      if ([...seen].some((s) => field === s || field.startsWith(`${s}.`) || field.startsWith(`${s}[`))) continue;
      seen.add(field);
      const shape = shapeOf(field);
      const union = UNION_FORMS[shape];
      const pattern = PATTERN_FORMS[shape] ?? (shape.startsWith('http.headers.') ? PATTERN_FORMS['http.headers'] : undefined);
      const message =
        e.message === 'Unexpected property' ? 'unknown field'
        : union && /union/i.test(e.message) ? `expected ${union}`
        : pattern && /to match/.test(e.message) ? `expected ${pattern}`
        : e.message;
      out.push({ field, message: `${message} (got ${describeValue(e.value)})` });
      if (out.length >= MAX_ERRORS) break;
    }
  } catch {
    // The error walk recurses: a hostile value nested deep enough overflows it.
    out.push({ field: '(check)', message: 'invalid (too deeply nested to describe)' });
  }
  return out.length > 0 ? out : [{ field: '(check)', message: 'invalid check' }];
}

/** Validates one check and fills its defaults; `prefix` names it inside a larger body (`checks[2]`). */
export function validateCheck(raw: unknown, opts: ValidateOptions, prefix = ''): Checked {
  const name = (field: string): string => (prefix ? (field.startsWith('[') ? `${prefix}${field}` : `${prefix}.${field}`) : field);
  const named = (fields: FieldError[]): Checked => ({ ok: false, fields: fields.map((f) => ({ field: name(f.field), message: f.message })) });
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, fields: [{ field: prefix || '(check)', message: `expected an object with id, kind, target and name (got ${describeValue(raw)})` }] };
  }
  // Defaults first: the alerting levels are required in the schema yet have defaults, so
  // `alerting: {latency: {warning: 0.5}}` is complete once they are filled.
  let input: unknown;
  try {
    input = Value.Default(CheckInput, structuredClone(raw));
  } catch {
    return named([{ field: '(check)', message: 'invalid (too deeply nested to read)' }]);
  }
  if (!compiled.Check(input)) return named(schemaErrors(input));
  const wrong = crossFieldErrors(input, opts);
  if (wrong.length > 0) return named(wrong);
  return { ok: true, value: fill(input, opts.defaultRunner!) };
}

function crossFieldErrors(input: CheckInput, opts: ValidateOptions): FieldError[] {
  const out: FieldError[] = [];
  const add = (field: string, message: string): void => void out.push({ field, message });
  const kind: ResultKind = input.kind;
  if (kind === 'script') {
    scriptErrors(input, opts, add);
  } else if (input.script !== undefined) {
    add('script', `only for a script check (this one is ${kind})`);
  }
  if (kind === 'script') {
    // The target is the script: checked with `script` above.
  } else if (kind === 'http') {
    if (!httpUrlOk(input.target)) add('target', `expected an http:// or https:// URL without a user name or password in it (got ${describeValue(input.target)})`);
  } else if (kind === 'dns') {
    if (!TARGET_HOST_RE.test(input.target) || isIP(input.target) !== 0) add('target', `expected the DNS name to resolve, e.g. example.org (got ${describeValue(input.target)})`);
  } else if (!TARGET_HOST_RE.test(input.target)) {
    add('target', `expected a host name or an IP address, without a scheme or a port (got ${describeValue(input.target)})`);
  }
  if (kind === 'tcp' && input.port === undefined) add('port', 'required for a TCP check: the port to connect to (1-65535)');
  if (input.port !== undefined && kind !== 'tcp' && kind !== 'tls') {
    add('port', kind === 'script' ? 'not for a script check: pass what the script needs as an argument (script.args)' : kind === 'http' ? 'not for an HTTP check: put the port in the URL (https://host:8443/)' : kind === 'dns' ? 'not for a DNS check: give the resolver\'s port in dns.server (127.0.0.1:5353)' : 'only for TCP and TLS checks');
  }
  for (const option of ['http', 'dns', 'ping'] as const) {
    if (input[option] !== undefined && kind !== option) add(option, `only for ${option === 'http' ? 'an HTTP' : option === 'dns' ? 'a DNS' : 'a ping'} check (this one is ${kind})`);
  }
  const keyword = input.http?.keyword;
  if (keyword?.regex) {
    try {
      new RegExp(keyword.text);
    } catch (error) {
      add('http.keyword.text', `expected a JavaScript regular expression: ${(error as Error).message}`);
    }
  }
  const json = input.http?.json;
  if (json && json.op !== 'exists' && json.value === undefined) add('http.json.value', `required with op ${json.op}: the value to compare with`);
  const latency = input.alerting?.latency;
  if (latency && latency.warning != null && latency.critical != null && latency.critical < latency.warning) {
    add('alerting.latency.critical', `must be at least alerting.latency.warning (${latency.warning} s)`);
  }
  const cert = input.alerting?.certDays;
  if (cert && cert.critical > cert.warning) add('alerting.certDays.critical', `must be at most alerting.certDays.warning (${cert.warning} days): critical comes closer to expiry`);
  if (input.runners === undefined) {
    if (opts.defaultRunner === null) add('runners', 'required: this server runs no local agent, so name the host ids of the agents that run the check, e.g. ["vps-1"]');
  } else {
    input.runners.forEach((r, i) => {
      if (!isHostId(r)) add(`runners[${i}]`, `expected a host id: lower case letters, digits, '.', '_' or '-' (got ${describeValue(r)})`);
    });
  }
  return out;
}

/**
 * A script check names its script twice: `target` (what lists and alerts
 * show, like a URL for HTTP) and `script.id`; they must agree. Its arguments
 * are checked against the script's parameters (protocol/script-args.ts, the
 * same check the agent makes), when the library is known.
 */
function scriptErrors(input: CheckInput, opts: ValidateOptions, add: (field: string, message: string) => void): void {
  if (!SCRIPT_ID_RE.test(input.target)) add('target', `expected the id of a check script of the library, e.g. pg-replication (got ${describeValue(input.target)})`);
  const ref = input.script;
  if (ref === undefined) return add('script', `required for a script check: {id: "${SCRIPT_ID_RE.test(input.target) ? input.target : 'pg-replication'}", args: {…}} (the script and its arguments)`);
  if (ref.id !== input.target) add('script.id', `expected the same script id as target (${describeValue(input.target)}), got ${describeValue(ref.id)}`);
  if (!opts.scriptParams) return;
  const params = opts.scriptParams(ref.id);
  if (params === null) return add('script.id', `no check script ${ref.id} in the library: create it (kind check) first, or check the id`);
  const checked = checkScriptArgs(params, ref.args ?? {}, 'script.args');
  if (!checked.ok) add(checked.field, checked.message.startsWith(`${checked.field}: `) ? checked.message.slice(checked.field.length + 2) : checked.message);
}

function httpUrlOk(target: string): boolean {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '' && url.hostname !== '';
}

/** The stored form: every default explicit, so what a runner runs is what the API shows. */
function fill(input: CheckInput, defaultRunner: string): CheckFields {
  const { runners, groupId, enabled, sla, alerting, interval, timeout, ...rest } = input;
  const spec = { ...rest, interval: interval!, timeout: timeout! };
  if (spec.kind === 'tls' && spec.port === undefined) spec.port = TLS_DEFAULT_PORT;
  if (spec.kind === 'http') spec.http = Value.Default(CheckInput.properties.http, spec.http ?? {}) as NonNullable<CheckInput['http']>;
  if (spec.kind === 'dns') spec.dns = spec.dns ?? { type: 'A' };
  if (spec.kind === 'ping') spec.ping = Value.Default(CheckInput.properties.ping, spec.ping ?? {}) as NonNullable<CheckInput['ping']>;
  if (spec.kind === 'script') {
    spec.script = { id: spec.script!.id, args: spec.script!.args ?? {} };
    delete spec.trace; // a network path means nothing for a script
  }
  return {
    ...spec,
    name: input.name,
    enabled: enabled ?? true,
    runners: runners ?? [defaultRunner],
    groupId: groupId ?? null,
    sla: sla!,
    alerting: alerting!,
  } as CheckFields;
}
