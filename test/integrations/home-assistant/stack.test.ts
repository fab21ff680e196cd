/**
 * Home Assistant discovery on the real `vigie up` wiring (issue 15, item 1):
 * the embedded Aedes broker, the ingest publishing discovery configs, the
 * box's own agent sampling this machine and running a real HTTP check, and
 * an MQTT client connected with reader credentials, as Home Assistant is.
 *
 * - a real agent's host arrives as one device, retained, with its sensors;
 * - every value template resolves against the real payloads on the broker;
 * - Home Assistant's birth message gets every config sent again;
 * - a host whose disks and interfaces change gets its configs changed and
 *   the stale ones cleared; a removed host has all its configs cleared.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { agentHostId } from '../../../agent/index.js';
import { haNodeId } from '../../../integrations/home-assistant/discovery.js';
import { haKeyId } from '../../../integrations/home-assistant/ids.js';
import type { ApiClient } from '../../helpers/api-client.js';
import { startHttpTarget, type HttpTarget } from '../../helpers/check-targets.js';
import { waitFor } from '../../helpers/env.js';
import { parseExposition, seriesValue } from '../../helpers/prometheus.js';
import { addCredentials, adminClient, startTestStack, type TestStack } from '../../helpers/stack.js';
import { assertTemplatesResolve, type DiscoveryConfig } from './expectations.js';

const FAKE = 'lab.pi_1';
const FAKE_NODE = haNodeId(FAKE);
const HOSTILE_MOUNT = '/mnt/it\'s "x" }} {% raw %}\\';
let up: TestStack;
let admin: ApiClient;
let site: HttpTarget;
let ha: MqttClient;
let local: string;
/** Every message the Home Assistant client got, per topic, in order. */
const seen = new Map<string, { payload: string; retain: boolean }[]>();

const last = (topic: string): string | undefined => seen.get(topic)?.at(-1)?.payload;
/** The configs currently standing for a node (last message non-empty), parsed. */
function configsOf(node: string): Map<string, DiscoveryConfig> {
  const out = new Map<string, DiscoveryConfig>();
  for (const [topic, msgs] of seen) {
    const p = msgs.at(-1)!.payload;
    if (topic.split('/')[2] === node && topic.endsWith('/config') && p !== '') out.set(topic, JSON.parse(p) as DiscoveryConfig);
  }
  return out;
}
const objectsOf = (node: string): string[] => [...configsOf(node).values()].map((c) => c.unique_id.slice(node.length + 1)).sort();

test.before(async () => {
  site = await startHttpTarget();
  up = await startTestStack('up', { set: { 'ha.enabled': 'true', 'alerts.groupSeconds': '1', 'ingest.presenceGrace': '0' } });
  local = agentHostId(up.config.agent);
  admin = await adminClient(up.httpUrl, up.dataDir);
  const none = { warning: null, critical: null, for: 0 };
  const check = await admin.send('POST', '/api/checks', { id: 'web.home', name: 'Web', kind: 'http', target: `${site.url}/`, interval: 10, timeout: 5, trace: false, alerting: { downAfter: 2, latency: none } });
  assert.is(check.status, 201, JSON.stringify(check.body));
  // CPU is always ≥ 0 %: an alert fires on the local host, so its firing count is not just the default.
  const settings = await admin.send('PUT', '/api/alert-settings', { defaults: {}, hosts: { [local]: { cpu: { warning: 0, critical: 100, for: 0 } } } });
  assert.is(settings.status, 200, JSON.stringify(settings.body));
  ha = await mqtt.connectAsync(up.mqttUrl, { ...addCredentials(up.dataDir, { kind: 'service', role: 'reader', name: 'homeassistant' }), reconnectPeriod: 0 });
  ha.on('message', (topic, payload, packet) => {
    const list = seen.get(topic) ?? [];
    list.push({ payload: payload.toString('utf8'), retain: packet.retain });
    seen.set(topic, list);
  });
  await ha.subscribeAsync(['homeassistant/#', 'vigie/#'], { qos: 1 });
});

test.after(async () => {
  await ha?.endAsync(true);
  await up?.close();
  await site?.close();
});

test('a real agent\'s host is one device with its sensors, retained, under the discovery prefix', async () => {
  const node = haNodeId(local);
  await waitFor('the local host\'s configs, its check included', () => {
    const o = objectsOf(node);
    return ['cpu', 'mem', 'online', 'alerts', 'load1', 'uptime', 'check_web_home'].every((x) => o.includes(x)) && o.some((x) => x.startsWith('disk_')) && o.some((x) => x.startsWith('net_rx_'));
  }, 40_000);
  const configs = configsOf(node);
  for (const [topic, c] of configs) {
    assert.match(topic, new RegExp(`^homeassistant/(sensor|binary_sensor)/${node}/[a-zA-Z0-9_-]+/config$`));
    assert.equal(c.device.identifiers, [node]);
    assert.is(c.device.name, local);
    assert.is(c.device.manufacturer, 'Vigie');
    assert.ok(c.device.model, 'model from info');
    assert.ok(c.unique_id.startsWith(`${node}_`));
  }
  const cpu = configs.get(`homeassistant/sensor/${node}/cpu/config`)!;
  assert.equal([cpu.state_topic, cpu.unit_of_measurement, cpu.state_class, cpu.availability_topic], [`vigie/${local}/metrics`, '%', 'measurement', `vigie/${local}/status`]);
  const online = configs.get(`homeassistant/binary_sensor/${node}/online/config`)!;
  assert.equal([online.device_class, online.state_topic], ['connectivity', `vigie/${local}/status`]);
  const web = configs.get(`homeassistant/binary_sensor/${node}/check_web_home/config`)!;
  assert.equal([web.device_class, web.state_topic, web.json_attributes_topic], ['problem', `vigie/${local}/checks/web.home`, `vigie/${local}/checks/web.home`]);

  // Retained: a client connecting now gets every one of them from the broker.
  const late = await mqtt.connectAsync(up.mqttUrl, { ...addCredentials(up.dataDir, { kind: 'service', role: 'reader', name: 'late' }), reconnectPeriod: 0 });
  const retained = new Set<string>();
  late.on('message', (topic, payload, packet) => {
    if (packet.retain && payload.length > 0) retained.add(topic);
  });
  await late.subscribeAsync(`homeassistant/+/${node}/+/config`);
  await waitFor('every config retained', () => [...configs.keys()].every((t) => retained.has(t)));
  await late.endAsync(true);
});

test('every value template resolves against the real payloads to the field it stands for', async () => {
  const node = haNodeId(local);
  const summaryTopic = 'vigie/_server/summary';
  await waitFor('a firing alert counted for the local host in the summary', () => {
    const s = last(summaryTopic);
    return s && ((JSON.parse(s) as { firingByHost?: Record<string, number> }).firingByHost?.[local] ?? 0) >= 1;
  }, 20_000);
  await waitFor('a real check result', () => last(`vigie/${local}/checks/web.home`));
  const configs = configsOf(node);
  const payloadOf = (topic: string): Record<string, unknown> | undefined => {
    const p = last(topic);
    return p ? (JSON.parse(p) as Record<string, unknown>) : undefined;
  };
  const n = assertTemplatesResolve(configs, local, node, payloadOf);
  assert.ok(n >= configs.size * 2 - 2, `${n} templates resolved for ${configs.size} configs`);
});

test('Home Assistant\'s birth message gets every config sent again', async () => {
  const node = haNodeId(local);
  const topics = [...configsOf(node).keys()];
  const before = new Map(topics.map((t) => [t, seen.get(t)!.length]));
  await ha.publishAsync('homeassistant/status', 'online', { qos: 1 });
  await waitFor('every config resent', () => topics.every((t) => seen.get(t)!.length > before.get(t)!), 15_000);
  // What the admin sees of it on /metrics: the configs held, and the resend counted.
  const token = (await admin.send<{ secret: string }>('POST', '/api/tokens', { name: 'prometheus', scope: 'read' })).data.secret;
  const series = parseExposition(await (await fetch(`${up.httpUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text());
  assert.ok(seriesValue(series, 'vigie_ha_discovery_configs', {}) >= topics.length);
  assert.ok(seriesValue(series, 'vigie_ha_discovery_published_total', {}) >= 2 * topics.length, 'sent at start and again on the birth message');
});

test('disks and interfaces that come and go: configs follow, stale ones are cleared; hostile names stay in their level', async () => {
  const agent = await mqtt.connectAsync(up.mqttUrl, { clientId: `vigie-agent-${FAKE}`, ...addCredentials(up.dataDir, { kind: 'agent', host: FAKE }), reconnectPeriod: 0 });
  const disk = (mount: string) => ({ mount, fs: 'ext4', total: 1000, used: 500, free: 500, usedPercent: 50 });
  const sample = (mounts: string[], ifaces: string[]) =>
    JSON.stringify({ v: 1, ts: Date.now(), cpu: { usage: 5 }, mem: { total: 10, used: 5, available: 5, usedPercent: 50 }, disks: mounts.map(disk), net: ifaces.map((iface) => ({ iface, rxRate: 1, txRate: 2 })) });
  await agent.publishAsync(`vigie/${FAKE}/status`, JSON.stringify({ v: 1, state: 'online', reason: 'connected', agent: 'test', interval: 1 }), { qos: 1, retain: true });
  await agent.publishAsync(`vigie/${FAKE}/metrics`, sample(['/', '/var/lib', HOSTILE_MOUNT], ['eth0', 'wg_0']), { qos: 1 });
  const varLib = `homeassistant/sensor/${FAKE_NODE}/disk_${haKeyId('/var/lib')}/config`;
  const hostile = `homeassistant/sensor/${FAKE_NODE}/disk_${haKeyId(HOSTILE_MOUNT)}/config`;
  await waitFor('the fake host\'s disk and interface configs', () => last(varLib) && last(hostile) && last(`homeassistant/sensor/${FAKE_NODE}/net_tx_${haKeyId('wg_0')}/config`), 15_000);
  const h = JSON.parse(last(hostile)!) as DiscoveryConfig;
  assert.is(h.name, `Disk ${HOSTILE_MOUNT}`, 'the name as sent, inside valid JSON');
  assert.equal(h.device.identifiers, ['vigie_lab_pi_U1'], '"." and "_" mapped without a collision');
  const root = `homeassistant/sensor/${FAKE_NODE}/disk_${haKeyId('/')}/config`;
  const rootCount = seen.get(root)!.length;

  await agent.publishAsync(`vigie/${FAKE}/metrics`, sample(['/'], ['eth0']), { qos: 1 });
  await waitFor('/var/lib, the hostile mount and wg_0 cleared', () => last(varLib) === '' && last(hostile) === '' && last(`homeassistant/sensor/${FAKE_NODE}/net_rx_${haKeyId('wg_0')}/config`) === '');
  assert.ok(seen.get(varLib)!.at(-1)!.payload === '');
  assert.is(seen.get(root)!.length, rootCount, 'an unchanged config is not sent again');
  assert.ok(objectsOf(FAKE_NODE).includes(`disk_${haKeyId('/')}`) && objectsOf(FAKE_NODE).includes('net_rx_eth0'));
  await agent.endAsync(true);
});

test('a host removed through the API has every config cleared; others keep theirs', async () => {
  const topics = [...configsOf(FAKE_NODE).keys()];
  assert.ok(topics.length >= 5, topics.join(' '));
  const localBefore = configsOf(haNodeId(local)).size;
  const removed = await admin.send('DELETE', `/api/hosts/${FAKE}`);
  assert.is(removed.status, 200, JSON.stringify(removed.body));
  await waitFor('every config of the removed host cleared', () => topics.every((t) => last(t) === ''));
  assert.is(configsOf(FAKE_NODE).size, 0);
  assert.is(configsOf(haNodeId(local)).size, localBefore);
});

test.run();
