import { Type, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { fieldPath } from '../checks/validate.js';
import type { FieldError } from '../core/errors.js';
import { describeValue } from '../core/schema-error.js';
import { REDACTED } from '../notify/channel-config.js';
import { SNMP_AUTH_PROTOCOLS, SNMP_PRIV_PROTOCOLS, SnmpV2c, SnmpV3, type SnmpCredentials } from '../protocol/schemas/device.js';
import { DeviceInput, SECRET_FIELDS, type DeviceDefinition, type DeviceFields, type SecretField } from './definition.js';

/**
 * Turns what a client sent (the API body, the CLI's options) into a device's
 * fields: the schema (devices/definition.ts) with its defaults filled in,
 * then the rules one field cannot say alone (authPriv needs a privacy key,
 * custom names are unique…). Every error names its field (`snmp.authKey`)
 * and the expected form, and never repeats a secret's value.
 *
 * On a replacement, a secret sent as "********" (or left out) keeps the
 * stored one, unless the address or the SNMP version or user changed: a
 * secret is never redirected to another device without being typed again
 * (as notification channels do with `boundTo`, notify/channel-config.ts).
 */

/** A validated device: its fields, and the host's label and groups when the client gave them. */
export interface DeviceChecked {
  fields: DeviceFields;
  /** undefined: left out (a replacement keeps the current one). */
  label: string | null | undefined;
  groups: number[] | undefined;
}

export type DeviceValidation = { ok: true; value: DeviceChecked } | { ok: false; fields: FieldError[] };

export interface DeviceValidateOptions {
  /** The poller when `poller` is left out: the box's own agent, or null when this server runs none. */
  defaultPoller: string | null;
  /** The device being replaced (PUT): its secrets may be kept. */
  current?: DeviceDefinition | null;
}

const MAX_ERRORS = 20;
const SECRETS: readonly string[] = ['community', 'authKey', 'privKey'];

// The credentials are checked apart, by version: a union would only say "Expected union value".
const Shell = Type.Composite([Type.Omit(DeviceInput, ['snmp']), Type.Object({ snmp: Type.Unknown() })], { additionalProperties: false });
const shell = TypeCompiler.Compile(Shell);
const v2c = TypeCompiler.Compile(SnmpV2c);
const v3 = TypeCompiler.Compile(SnmpV3);

/** What a union field expects, in words. */
const UNION_FORMS: Record<string, string> = {
  label: `a label of at most 64 characters, or null`,
  'snmp.level': 'authNoPriv or authPriv',
  'snmp.authProtocol': `one of ${SNMP_AUTH_PROTOCOLS.join(', ')}`,
  'snmp.privProtocol': `one of ${SNMP_PRIV_PROTOCOLS.join(', ')}`,
  'custom.type': 'gauge or counter',
};

/** What a patterned field expects, in words (TypeBox quotes the regular expression). */
const PATTERN_FORMS: Record<string, string> = {
  id: 'a host id: 1 to 63 lower case letters, digits, ".", "_" or "-", starting with a letter or digit (core-switch, nas.lan)',
  poller: 'the host id of an agent (lower case letters, digits, ".", "_" or "-")',
  address: 'a host name or an IP address, without a scheme or a port (192.168.1.1, switch.lan)',
  'custom.name': 'a series name: lower case letters, digits, ".", "_" or "-" (toner.black)',
  'custom.oid': 'a numeric OID without a leading dot (1.3.6.1.2.1.1.3.0)',
};

const shapeOf = (field: string): string => field.replace(/\[\d+\]/g, '');
const isSecretField = (field: string): boolean => field.startsWith('snmp.') && SECRETS.includes(field.slice(5));

function schemaErrors(check: TypeCheck<TSchema>, raw: unknown, prefix: string): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  try {
    for (const e of check.Errors(raw)) {
      const inner = fieldPath(e.path);
      const field = prefix ? (inner ? `${prefix}.${inner}` : prefix) : inner || '(device)';
      if ([...seen].some((s) => field === s || field.startsWith(`${s}.`) || field.startsWith(`${s}[`))) continue;
      seen.add(field);
      const shape = shapeOf(field);
      const union = UNION_FORMS[shape];
      const pattern = PATTERN_FORMS[shape];
      const message =
        e.message === 'Unexpected property' ? 'unknown field'
        : union && /union/i.test(e.message) ? `expected ${union}`
        : pattern && /to match/.test(e.message) ? `expected ${pattern}`
        : e.message;
      // A secret is never echoed, not even in an error: its length says enough.
      const got = !isSecretField(field) ? describeValue(e.value) : typeof e.value === 'string' ? `${e.value.length} characters` : `a ${e.value === null ? 'null' : typeof e.value}`;
      out.push({ field, message: `${message} (got ${got})` });
      if (out.length >= MAX_ERRORS) break;
    }
  } catch {
    // The error walk recurses: a hostile value nested deep enough overflows it.
    out.push({ field: prefix || '(device)', message: 'invalid (too deeply nested to describe)' });
  }
  return out.length > 0 ? out : [{ field: prefix || '(device)', message: 'invalid' }];
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The secrets a set of credentials needs, given its version and level. */
function neededSecrets(snmp: Record<string, unknown>): SecretField[] {
  if (snmp.version === '2c') return ['community'];
  if (snmp.version === '3') return snmp.level === 'authPriv' ? ['authKey', 'privKey'] : ['authKey'];
  return [];
}

/**
 * Puts the stored secrets in place of "********" or a left-out secret, when
 * allowed; the errors say which secret must be typed again and why.
 */
function keepSecrets(body: Record<string, unknown>, current: DeviceDefinition | null | undefined): FieldError[] {
  const out: FieldError[] = [];
  if (body.snmp === undefined && current) {
    // Credentials left out of a replacement: the stored ones, whole, unless the address moved.
    if (body.address !== undefined && body.address !== current.address) return [{ field: 'snmp', message: `type the credentials again, since address changed (${current.address} → ${describeValue(body.address)})` }];
    body.snmp = structuredClone(current.snmp);
    return out;
  }
  if (!isRecord(body.snmp)) return out;
  const snmp = body.snmp;
  const stored = current?.snmp as Record<string, unknown> | undefined;
  for (const name of SECRETS) {
    const sent = snmp[name];
    const needed = neededSecrets(snmp).includes(name as SecretField);
    if (sent !== REDACTED && !(sent === undefined && needed && current)) continue;
    const field = `snmp.${name}`;
    if (!current) {
      out.push({ field, message: `expected the secret itself ("${REDACTED}" stands for a stored secret, and a new device has none)` });
      continue;
    }
    const kept = stored?.[name];
    const moved =
      stored?.version !== snmp.version ? 'snmp.version'
      : body.address !== undefined && body.address !== current.address ? 'address'
      : snmp.version === '3' && snmp.user !== stored?.user ? 'snmp.user'
      : null;
    if (typeof kept !== 'string') out.push({ field, message: `required: this device has no stored ${name} to keep` });
    else if (moved) out.push({ field, message: `type it again, since ${moved} changed` });
    else snmp[name] = kept;
  }
  return out;
}

function crossFieldErrors(snmp: SnmpCredentials, body: DeviceInput): FieldError[] {
  const out: FieldError[] = [];
  if (snmp.version === '3') {
    if (snmp.level === 'authPriv') {
      if (snmp.privProtocol === undefined) out.push({ field: 'snmp.privProtocol', message: `required with level authPriv: one of ${SNMP_PRIV_PROTOCOLS.join(', ')}` });
      if (snmp.privKey === undefined) out.push({ field: 'snmp.privKey', message: 'required with level authPriv: the privacy passphrase (8 characters or more)' });
    } else {
      if (snmp.privProtocol !== undefined) out.push({ field: 'snmp.privProtocol', message: 'only with level authPriv (this user is authNoPriv)' });
      if (snmp.privKey !== undefined) out.push({ field: 'snmp.privKey', message: 'only with level authPriv (this user is authNoPriv)' });
    }
  }
  const names = new Set<string>();
  (body.custom ?? []).forEach((c, i) => {
    if (names.has(c.name)) out.push({ field: `custom[${i}].name`, message: `already used by another custom OID of this device (${c.name})` });
    names.add(c.name);
  });
  if (body.poller !== undefined && body.poller === body.id) out.push({ field: 'poller', message: 'a device cannot poll itself: name the agent that reaches it' });
  return out;
}

/** Validates one device and fills its defaults. */
export function validateDevice(raw: unknown, opts: DeviceValidateOptions): DeviceValidation {
  if (!isRecord(raw)) return { ok: false, fields: [{ field: '(device)', message: `expected an object with id, address and snmp (got ${describeValue(raw)})` }] };
  let body: Record<string, unknown>;
  try {
    body = structuredClone(raw);
  } catch {
    return { ok: false, fields: [{ field: '(device)', message: 'invalid (too deeply nested to read)' }] };
  }
  const hadEnabled = body.enabled !== undefined;
  const kept = keepSecrets(body, opts.current);
  if (kept.length > 0) return { ok: false, fields: kept };
  if (!shell.Check(body)) return { ok: false, fields: schemaErrors(shell, body, '') };
  const snmpRaw = body.snmp;
  if (!isRecord(snmpRaw)) return { ok: false, fields: [{ field: 'snmp', message: `expected {version: "2c", community} or {version: "3", user, level, authProtocol, authKey…} (got ${describeValue(snmpRaw)})` }] };
  const check = snmpRaw.version === '2c' ? v2c : snmpRaw.version === '3' ? v3 : null;
  if (!check) return { ok: false, fields: [{ field: 'snmp.version', message: `expected "2c" or "3" (got ${describeValue(snmpRaw.version)})` }] };
  if (!check.Check(snmpRaw)) return { ok: false, fields: schemaErrors(check, snmpRaw, 'snmp') };
  const input = Value.Default(DeviceInput, body) as DeviceInput;
  const wrong = crossFieldErrors(input.snmp, input);
  if (input.poller === undefined && opts.defaultPoller === null && !opts.current) {
    wrong.push({ field: 'poller', message: 'required: this server runs no local agent, so name the host id of the agent that polls the device' });
  }
  if (wrong.length > 0) return { ok: false, fields: wrong };
  const poller = input.poller ?? opts.current?.poller ?? opts.defaultPoller!;
  const fields: DeviceFields = {
    id: input.id,
    address: input.address,
    port: input.port!,
    snmp: input.snmp,
    interval: input.interval!,
    timeout: input.timeout!,
    retries: input.retries!,
    custom: input.custom ?? [],
    poller,
    // A replacement that does not say keeps the device paused or polled as it was.
    enabled: hadEnabled ? input.enabled! : (opts.current?.enabled ?? true),
  };
  return { ok: true, value: { fields, label: input.label === undefined ? undefined : input.label === null || input.label.trim() === '' ? null : input.label, groups: input.groups } };
}

/** The secret fields of a version (the view and the store use it). */
export const secretFieldsOf = (version: SnmpCredentials['version']): readonly SecretField[] => SECRET_FIELDS[version];
