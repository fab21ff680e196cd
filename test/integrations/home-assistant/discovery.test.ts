/**
 * Home Assistant discovery configs (integrations/home-assistant), without a
 * broker: ids that cannot collide or escape a topic level, template literals
 * that survive hostile names, and every value template resolved against a
 * real sample taken by the agent's own collectors on this machine.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createCollectors } from '../../../agent/collectors/index.js';
import { collectInfo } from '../../../agent/info.js';
import { createSampler } from '../../../agent/sample.js';
import { createLogger } from '../../../core/logger.js';
import { systemClock } from '../../../core/time.js';
import { haNodeId, hostDiscovery } from '../../../integrations/home-assistant/discovery.js';
import { HA_ID_PATTERN, haHostId, haKeyId } from '../../../integrations/home-assistant/ids.js';
import { isHostId } from '../../../protocol/host-id.js';

/** The inverse of haHostId: that it exists for every output is what makes the mapping injective. */
function hostFromHaId(id: string): string | null {
  const host = id.replace(/_U|_/g, (m) => (m === '_U' ? '_' : '.'));
  return isHostId(host) && haHostId(host) === id ? host : null;
}
import { ShapeTracker } from '../../../integrations/home-assistant/shape.js';
import { arrayField, jinjaString, mapCount } from '../../../integrations/home-assistant/templates.js';
import { PROTOCOL_VERSION, validatePayload, type MetricsPayload, type StatusPayload, type SummaryPayload } from '../../../protocol/payloads.js';
import { createTopics } from '../../../protocol/topics.js';
import '../../helpers/env.js';
import { assertTemplatesResolve, type DiscoveryConfig } from './expectations.js';
import { decodeLiteral, renderTemplate } from './template-eval.js';

const topics = createTopics('vigie');
const HOSTILE = ['/mnt/it\'s "x" }} {% end %}', 'a\\b', '/média/😀', 'tab\there', '/', '', 'x'.repeat(300), 'eth0.10', 'wg_0', 'Eth0'];

test('host ids map to HA ids without collisions, and read back', () => {
  const hosts = ['a.b', 'a_b', 'a._b', 'a_.b', 'a__b', 'a..b', 'a-b', 'pi.lan', 'x_u', 'x_ub', '0', 'a.b.c_d-e'];
  const mapped = hosts.map(haHostId);
  assert.is(new Set(mapped).size, hosts.length, `distinct: ${mapped.join(' ')}`);
  for (const [i, h] of hosts.entries()) {
    assert.match(mapped[i]!, HA_ID_PATTERN);
    assert.is(hostFromHaId(mapped[i]!), h);
  }
  assert.is(haHostId('pi.lan'), 'pi_lan', 'readable: . becomes _');
  assert.is(hostFromHaId('a_Xb'), null, 'not an output of haHostId');
  assert.throws(() => haHostId('a/b'));
});

test('mounts and interfaces map to HA ids safely, distinct, bounded', () => {
  const names = [...HOSTILE, '/var/lib', '/var_lib', '/var/_2Flib', '_2F', 'eth0', 'x'.repeat(301)];
  const ids = names.map(haKeyId);
  assert.is(new Set(ids).size, names.length, ids.join(' '));
  for (const id of ids) {
    assert.match(id, HA_ID_PATTERN);
    assert.ok(id.length <= 64, id);
  }
  assert.is(haKeyId('/var/lib'), '_2Fvar_2Flib');
  assert.is(haKeyId('eth0'), 'eth0');
  assert.match(haKeyId('x'.repeat(300)), /^_H[0-9a-f]{32}$/);
});

test('a hostile name cannot leave its Jinja literal, and reads back unchanged', () => {
  for (const name of HOSTILE) {
    const lit = jinjaString(name);
    assert.match(lit, /^'[A-Za-z0-9 ./:_\\-]*'$/, 'only plain characters and escapes');
    assert.not.match(lit.slice(1, -1), /['{}%]/);
    assert.is(decodeLiteral(lit), name);
    const t = arrayField('disks', 'mount', name, 'usedPercent');
    assert.is(renderTemplate(t, { disks: [{ mount: name, usedPercent: 42 }, { mount: `${name}x`, usedPercent: 1 }] }), 42);
    assert.is(renderTemplate(t, { disks: [] }), null);
    assert.is(renderTemplate(t, {}), null, 'a sample without disks: None, not an error');
  }
  assert.is(renderTemplate(mapCount('firingByHost', 'a.b'), { firingByHost: { 'a.b': 3 } }), 3);
  assert.is(renderTemplate(mapCount('firingByHost', 'a.b'), {}), 0);
});

test('the evaluator knows only our forms, and keeps Jinja\'s strictness', () => {
  for (const t of ['{{ value_json.cpu.usage | float }}', '{% if value_json %}1{% endif %}', '{{ value_json["cpu"] }}', '{{ value_json.cpu.usage }} ', "{{ (value_json.disks | default([]) | selectattr('mount', 'equalto', 'a'b') | map(attribute='usedPercent') | first) | default(None) }}"]) {
    assert.throws(() => renderTemplate(t, { cpu: { usage: 1 } }), /not supported/, t);
  }
  assert.throws(() => renderTemplate('{{ value_json.cpu.usage }}', {}), /undefined/, 'an attribute of undefined raises, as in Jinja');
  assert.is(renderTemplate('{{ (value_json.cpu | default({})).usage | default(None) }}', {}), null);
  assert.is(renderTemplate('{{ (value_json.temperature | default({})).cpu | default(None) }}', { temperature: { cpu: null } }), null);
});

test('every template of a host resolves against a real sample of this machine to the payload\'s field', async () => {
  const log = createLogger('test');
  const sampler = createSampler(createCollectors(), { clock: systemClock, timeoutMs: 10_000, onFailure: () => undefined });
  await sampler.take(); // rates need a previous sample
  await new Promise((r) => setTimeout(r, 200));
  const { sample } = await sampler.take();
  assert.ok(validatePayload('metrics', sample).ok);
  const info = await collectInfo(systemClock, log);
  assert.ok(validatePayload('info', info).ok);
  const host = 'lab.pi_1';
  const status: StatusPayload = { v: PROTOCOL_VERSION, state: 'online', reason: 'connected', agent: info.agent, interval: 5, ts: Date.now() };
  const summary: SummaryPayload = {
    v: PROTOCOL_VERSION, ts: Date.now(), state: 'online', hosts: { total: 1, online: 1, offline: 0 }, version: 'test', addresses: [],
    firingByHost: { [host]: 2 },
  };
  assert.ok(validatePayload('status', status).ok && validatePayload('summary', summary).ok);
  const check = { v: PROTOCOL_VERSION, ts: Date.now(), kind: 'tcp', state: 'down', latency: null, message: 'connection refused' };
  assert.ok(validatePayload('checkResult', check).ok);

  const shapes = new ShapeTracker();
  assert.ok(shapes.observe(host, sample));
  const configs = hostDiscovery({ haPrefix: 'homeassistant', topics, host, info, shape: shapes.get(host), checks: ['web.home'] });
  const node = haNodeId(host);
  assert.is(node, 'vigie_lab_pi_U1');
  const parsed = new Map([...configs].map(([t, p]) => [t, JSON.parse(p) as DiscoveryConfig]));
  const payloads: Record<string, unknown> = {
    [topics.host(host, 'metrics')]: sample, [topics.host(host, 'status')]: status, [topics.serverSummary()]: summary,
    [topics.checkResult(host, 'web.home')]: check,
  };
  const n = assertTemplatesResolve(parsed, host, node, (t) => payloads[t] as Record<string, unknown> | undefined);
  const objects = [...parsed.values()].map((c) => c.unique_id.slice(node.length + 1));
  assert.ok(objects.includes('cpu') && objects.includes('mem') && objects.includes('online') && objects.includes('alerts') && objects.includes('check_web_home'), objects.join(' '));
  assert.is(objects.filter((o) => o.startsWith('disk_')).length, new Set((sample.disks ?? []).map((d) => d.mount)).size);
  assert.is(objects.filter((o) => o.startsWith('net_rx_')).length, new Set((sample.net ?? []).map((d) => d.iface)).size);
  assert.ok(n > objects.length, `${n} templates resolved`);
  for (const [topic, c] of parsed) {
    assert.match(topic, new RegExp(`^homeassistant/(sensor|binary_sensor)/${node}/[a-zA-Z0-9_-]+/config$`));
    assert.equal(c.device.identifiers, [node]);
    assert.is(c.device.manufacturer, 'Vigie');
  }
  assert.is(new Set([...parsed.values()].map((c) => c.unique_id)).size, parsed.size, 'unique ids are unique');
});

test('units and classes: percentages, rates in B/s, °C, uptime in seconds, connectivity and problem sensors', () => {
  const m: MetricsPayload = {
    v: 1, ts: 1, cpu: { usage: 1, load1: 0.1, load5: 0.2, load15: 0.3 }, mem: { total: 2, used: 1, available: 1, usedPercent: 50 },
    disks: [{ mount: '/', fs: 'ext4', total: 1, used: 1, free: 0, usedPercent: 100 }], net: [{ iface: 'eth0', rxRate: 1, txRate: 2 }],
    temperature: { cpu: 40 }, uptime: 100,
  };
  const shapes = new ShapeTracker();
  shapes.observe('h', m);
  const c = new Map([...hostDiscovery({ haPrefix: 'ha', topics, host: 'h', info: null, shape: shapes.get('h'), checks: ['c'] })].map(([t, p]) => [t.split('/')[3], JSON.parse(p) as DiscoveryConfig]));
  assert.equal([c.get('cpu')?.unit_of_measurement, c.get('cpu')?.state_class, c.get('cpu')?.suggested_display_precision], ['%', 'measurement', 1]);
  assert.equal([c.get('net_rx_eth0')?.device_class, c.get('net_rx_eth0')?.unit_of_measurement], ['data_rate', 'B/s']);
  assert.equal([c.get('temperature')?.device_class, c.get('temperature')?.unit_of_measurement], ['temperature', '°C']);
  assert.equal([c.get('uptime')?.device_class, c.get('uptime')?.unit_of_measurement], ['duration', 's']);
  assert.is(c.get('online')?.device_class, 'connectivity');
  assert.is(c.get('online')?.availability_topic, undefined, 'online must be able to say off');
  assert.equal([c.get('check_c')?.device_class, c.get('check_c')?.payload_on], ['problem', 'down']);
  assert.is(c.get('load5')?.suggested_display_precision, 2);
  assert.is(c.get('swap'), undefined, 'no swap in the samples: no swap entity');
});

test('the shape: a group missing from one sample stays; disks and interfaces follow the latest list', () => {
  const shapes = new ShapeTracker();
  const base: MetricsPayload = { v: 1, ts: 1, cpu: { usage: 1 }, disks: [{ mount: '/', fs: 'ext4', total: 1, used: 1, free: 0, usedPercent: 1 }, { mount: '/var', fs: 'ext4', total: 1, used: 1, free: 0, usedPercent: 1 }] };
  assert.ok(shapes.observe('h', base));
  assert.not.ok(shapes.observe('h', { ...base, disks: [...base.disks!].reverse() }), 'order is not a change');
  assert.not.ok(shapes.observe('h', { v: 1, ts: 2 }), 'a sample whose collectors failed changes nothing');
  assert.ok(shapes.get('h').groups.has('cpu'));
  assert.ok(shapes.observe('h', { ...base, ts: 3, disks: [base.disks![0]!] }));
  assert.equal(shapes.get('h').mounts, ['/']);
  // An agent's buffer replayed after an outage: its older samples do not bring the old mounts back.
  assert.not.ok(shapes.observe('h', { ...base, ts: 2 }), 'a late sample changes nothing');
  assert.equal(shapes.get('h').mounts, ['/']);
  assert.ok(shapes.observe('h', { ...base, ts: 4 }), 'a newer one does');
  assert.not.ok(shapes.get('h').groups.has('load'), 'no load average: no load entities (SNMP devices)');
});

test.run();
