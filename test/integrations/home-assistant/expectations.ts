/**
 * What each discovery config must read from its payload, derived from the
 * payload itself (not from the template), for the template tests.
 */
import * as assert from 'uvu/assert';
import { haKeyId } from '../../../integrations/home-assistant/ids.js';
import { renderTemplate } from './template-eval.js';

export interface DiscoveryConfig {
  unique_id: string;
  name: string;
  state_topic: string;
  value_template: string;
  availability_topic?: string;
  availability_template?: string;
  payload_available?: string;
  payload_not_available?: string;
  device: { identifiers: string[]; name: string; manufacturer: string; model?: string };
  device_class?: string;
  state_class?: string;
  unit_of_measurement?: string;
  [key: string]: unknown;
}

type J = Record<string, unknown>;

/** obj.a.b…, or undefined when any step is missing. */
function get(obj: unknown, ...path: string[]): unknown {
  let v = obj;
  for (const k of path) v = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as J)[k] : undefined;
  return v;
}

/** The field of `payload` that the entity `object` (the unique_id after `<node>_`) shows, for host `host`. */
export function expectedValue(object: string, host: string, payload: J): unknown {
  const byKey = (list: unknown, key: string, id: string): unknown =>
    Array.isArray(list) ? list.find((x: unknown) => haKeyId(String(get(x, key))) === id) : undefined;
  if (object === 'cpu') return get(payload, 'cpu', 'usage') ?? null;
  if (/^load(1|5|15)$/.test(object)) return get(payload, 'cpu', object) ?? null;
  if (object === 'mem' || object === 'swap') return get(payload, object, 'usedPercent') ?? null;
  if (object === 'temperature') return get(payload, 'temperature', 'cpu') ?? null;
  if (object === 'uptime') return payload.uptime ?? null;
  if (object === 'online' || object.startsWith('check_')) return payload.state;
  if (object === 'alerts') return get(payload, 'firingByHost', host) ?? 0;
  let m: RegExpExecArray | null;
  if ((m = /^disk_(.+)$/.exec(object))) return get(byKey(payload.disks, 'mount', m[1]!), 'usedPercent') ?? null;
  if ((m = /^net_(rx|tx)_(.+)$/.exec(object))) return get(byKey(payload.net, 'iface', m[2]!), `${m[1]}Rate`) ?? null;
  throw new Error(`no expectation for entity "${object}"`);
}

/**
 * Resolves every config's value and availability templates against the payload of its topics
 * and asserts each equals the field it stands for. `payloadOf(topic)` gives the real payload.
 * Returns the number of templates resolved.
 */
export function assertTemplatesResolve(configs: Map<string, DiscoveryConfig>, host: string, node: string, payloadOf: (topic: string) => J | undefined): number {
  let resolved = 0;
  for (const [topic, c] of configs) {
    const object = c.unique_id.slice(node.length + 1);
    const state = payloadOf(c.state_topic);
    assert.ok(state, `${topic}: a payload on ${c.state_topic}`);
    const value = renderTemplate(c.value_template, state);
    const expected = expectedValue(object, host, state!);
    assert.is(value, expected, `${topic}: ${c.value_template} → ${String(value)}, the payload says ${String(expected)}`);
    resolved++;
    if (c.availability_topic) {
      const avail = payloadOf(c.availability_topic);
      assert.ok(avail, `${topic}: a payload on ${c.availability_topic}`);
      const a = renderTemplate(c.availability_template!, avail);
      assert.is(a, avail!.state, `${topic}: availability`);
      assert.ok(a === c.payload_available || a === c.payload_not_available, `${topic}: availability renders "${String(a)}", one of its payloads`);
      resolved++;
    }
  }
  return resolved;
}
