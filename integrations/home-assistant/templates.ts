/**
 * The value templates the discovery configs carry, built here and nowhere
 * else: Home Assistant renders them with Jinja2 against our own payloads.
 * There are exactly five forms, so a test can resolve every template we emit
 * against real payloads (test/integrations/home-assistant/discovery.test.ts, stack.test.ts):
 *
 * - `{{ value_json.a }}`, `{{ value_json.a.b }}`: a field the schema requires;
 * - `{{ value_json.a | default(None) }}`: an optional top-level field;
 * - `{{ (value_json.g | default({})).f | default(None) }}`: a field of an
 *   optional group (a collector that failed leaves its group out);
 * - `{{ (value_json.arr | default([]) | selectattr('k', 'equalto', 'lit') | map(attribute='f') | first) | default(None) }}`:
 *   one mount or interface of an array;
 * - `{{ (value_json.m | default({}))['lit'] | default(0) }}`: one key of an optional map.
 *
 * Why the defaults: in Jinja an attribute of an undefined value raises, and
 * HA then logs an error for every message. `None` renders as `None`, which
 * HA's MQTT sensor takes as "unknown" (its PAYLOAD_NONE).
 */

/** A field name we put in a template: our schemas' own identifiers, never user data. */
const FIELD = /^[A-Za-z][A-Za-z0-9]*$/;

function field(name: string): string {
  if (!FIELD.test(name)) throw new TypeError(`template field: "${name}" is not an identifier`);
  return name;
}

/**
 * A Jinja string literal holding any text: everything outside a plain set is
 * written `\uXXXX` (`\UXXXXXXXX` past the BMP), which Jinja's lexer decodes
 * (it unescapes literals with Python's unicode-escape), so a quote, a
 * backslash or `}}` in a mount name can never end the literal or the template.
 */
export function jinjaString(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (/[A-Za-z0-9 ./:_-]/.test(ch)) out += ch;
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `'${out}'`;
}

/** `{{ value_json.a.b }}`: a field the payload's schema requires. */
export function requiredPath(...path: string[]): string {
  if (path.length === 0) throw new TypeError('template path: empty');
  return `{{ value_json.${path.map(field).join('.')} }}`;
}

/** `{{ value_json.f | default(None) }}`: an optional top-level field. */
export function optionalField(name: string): string {
  return `{{ value_json.${field(name)} | default(None) }}`;
}

/** `{{ (value_json.g | default({})).f | default(None) }}`: a field of an optional group. */
export function groupField(group: string, name: string): string {
  return `{{ (value_json.${field(group)} | default({})).${field(name)} | default(None) }}`;
}

/** The `name` field of the element of `array` whose `key` equals `value` (a mount, an interface); None when there is none. */
export function arrayField(array: string, key: string, value: string, name: string): string {
  return `{{ (value_json.${field(array)} | default([]) | selectattr('${field(key)}', 'equalto', ${jinjaString(value)}) | map(attribute='${field(name)}') | first) | default(None) }}`;
}

/** `{{ (value_json.m | default({}))['k'] | default(0) }}`: a count kept in a map that leaves out zeros. */
export function mapCount(map: string, key: string): string {
  return `{{ (value_json.${field(map)} | default({}))[${jinjaString(key)}] | default(0) }}`;
}
