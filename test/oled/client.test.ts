/**
 * The OLED client on a real Aedes broker: it reads the retained summary and
 * alerts and the box's metrics, ignores bad payloads, clears alerts on an
 * empty retained message, jumps to the alert page for a new critical alert,
 * and starts without any display, saying why the display is off.
 */
import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Value } from '@sinclair/typebox/value';
import type { BrokerHandle } from '../../broker/index.js';
import { OledConfig } from '../../oled/config.js';
import { startOled, type OledHandle } from '../../oled/client.js';
import { createMemoryDisplay } from '../../oled/display.js';
import { fromSnapshot } from '../../oled/simulator.js';
import { createTopics } from '../../protocol/topics.js';
import { waitFor } from '../helpers/env.js';
import { connectClient, startTestBroker } from '../helpers/mqtt.js';
import { captureLog } from './log-capture.js';

const topics = createTopics('vigie');
let broker: BrokerHandle;
let pub: MqttClient;
let url: string;
const handles: OledHandle[] = [];

const config = (over: Record<string, unknown> = {}): OledConfig => Value.Default(OledConfig, { broker: url, rotate: 60, ...over }) as OledConfig;
const publish = (topic: string, payload: unknown, retain = true): Promise<unknown> =>
  pub.publishAsync(topic, payload === '' ? '' : JSON.stringify(payload), { qos: 1, retain });

const alert = (host: string, rule: string, severity: 'warning' | 'critical', maintenance = false) => ({
  v: 1, ts: Date.now(), host, rule, severity, state: 'firing', value: 97.5, threshold: 90, unit: 'percent',
  since: Date.now() - 60_000, firedAt: Date.now() - 60_000, title: `${rule} on ${host}`, advice: 'look', acknowledged: false, silencedUntil: null, maintenance,
});

test.before(async () => {
  broker = await startTestBroker();
  url = `mqtt://127.0.0.1:${broker.port}`;
  pub = await connectClient(url);
});

test.after(async () => {
  for (const h of handles) await h.close();
  await pub.end();
  await broker.close();
});

test('no display configured: it starts, says why the display is off, and still renders frames', async () => {
  const { log, lines } = captureLog();
  const oled = startOled(config(), { prefix: 'vigie', host: 'box', log });
  handles.push(oled);
  assert.ok(lines.some((l) => /^display off: no display configured \(oled\.enabled is false\)/.test(l.msg)), JSON.stringify(lines));
  assert.equal(oled.display(), { kind: 'memory', on: false, reason: 'no display configured (oled.enabled is false); the dashboard shows the simulated screen' });
  const frame = oled.frame();
  assert.equal([frame.width, frame.height], [128, 64]);
  assert.ok(fromSnapshot(frame).buffer.some((b) => b !== 0), 'page (a) is drawn');
  await oled.close();
  await oled.close();
});

test('a display configured on a bus that is not there: a warning saying why, and the part keeps running', async () => {
  const { log, warnings } = captureLog();
  const oled = startOled(config({ enabled: true, bus: 99, retry: 1 }), { prefix: 'vigie', host: 'box', log });
  handles.push(oled);
  await waitFor('the warning', () => warnings().find((m) => m.startsWith('display off:')));
  // i2c-bus is optional: whichever is missing here, the message says what to do.
  assert.match(warnings()[0]!, /^display off: (\/dev\/i2c-99 does not exist: enable I2C|the optional module i2c-bus is not installed)/);
  assert.is(oled.display().on, false);
  await waitFor('connected anyway', () => oled.connected());
  await oled.close();
});

test('summary, metrics and alerts reach the state; bad payloads are ignored; a new critical alert jumps to page (c)', async () => {
  const display = createMemoryDisplay();
  const { log, warnings } = captureLog();
  const oled = startOled(config({ height: 32 }), { prefix: 'vigie', host: 'box', display, log, tickMs: 50 });
  handles.push(oled);
  await waitFor('subscribed', () => oled.connected());
  await publish(topics.serverSummary(), {
    v: 1, ts: Date.now(), state: 'online', hosts: { total: 3, online: 2, offline: 1 }, version: '0.1.0', addresses: ['192.168.1.20'],
    alerts: { firing: 1, critical: 0, warning: 1, acknowledged: 0, maintenance: 0 },
  });
  await publish(topics.host('box', 'metrics'), { v: 1, ts: Date.now(), cpu: { usage: 42, load1: 0.1, load5: 0.1, load15: 0.1 }, mem: { total: 1e9, used: 5e8, available: 5e8, usedPercent: 50 } }, false);
  await publish(topics.host('other', 'metrics'), { v: 1, ts: Date.now(), cpu: { usage: 99, load1: 0, load5: 0, load15: 0 } }, false);
  await publish(topics.alert('web', 'cpu'), alert('web', 'cpu', 'warning'));
  await waitFor('the state', () => oled.state().summary && oled.state().metrics && oled.state().alerts.length === 1);
  const s = oled.state();
  assert.equal([s.summary!.online, s.summary!.offline, s.summary!.firing, s.summary!.addresses], [2, 1, 1, ['192.168.1.20']]);
  assert.equal([s.metrics!.cpu, s.metrics!.mem], [42, 50], 'the box\'s metrics, not another host\'s');
  assert.is(oled.page(), 'box', 'a warning does not jump');
  assert.is(oled.frame().height, 32);
  await waitFor('frames reach the display', () => display.shown > 2);

  await publish(topics.alert('web', 'cpu'), { v: 1, nonsense: true });
  await publish(topics.serverSummary(), 'not json at all');
  await waitFor('invalid payloads logged', () => warnings().filter((m) => m === 'invalid payload ignored').length === 2);
  assert.is(oled.state().alerts.length, 1, 'the last valid alert stays');
  assert.is(oled.state().summary!.online, 2);

  await publish(topics.alert('db', 'disk:/var'), alert('db', 'disk:/var', 'critical', true));
  await waitFor('the maintenance alert', () => oled.state().alerts.length === 2);
  assert.is(oled.page(), 'box', 'a critical alert in maintenance does not jump');
  await publish(topics.alert('db', 'mem'), alert('db', 'mem', 'critical'));
  await waitFor('jumped to the alert page', () => oled.page() === 'alert');
  assert.is(oled.state().alerts.length, 3);

  await publish(topics.alert('db', 'mem'), '');
  await waitFor('cleared by the empty retained message', () => oled.state().alerts.length === 2);
  assert.not.ok(oled.state().alerts.some((a) => a.rule === 'mem'));
});

test.run();
