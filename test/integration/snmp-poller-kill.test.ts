/**
 * A device has no Last Will of its own: when its poller dies, the server must
 * say so. Full `vigie up` stack, a real snmpd, and a real `vigie agent`
 * process enrolled as a remote poller:
 * - kill -9 of the poller: its Last Will fires, the device turns offline with
 *   reason `poller-offline` (retained: a client that is not ours, subscribing
 *   afterwards, reads it) and its offline alert says so;
 * - the poller started again: the device is polled and online again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodePayload } from '../../protocol/payloads.js';
import { enrollHost } from '../helpers/enroll.js';
import { waitFor } from '../helpers/env.js';
import { connectClient } from '../helpers/mqtt.js';
import { haveSnmpd, startSnmpd, type Snmpd } from '../helpers/snmpd.js';
import { addCredentials } from '../helpers/stack.js';
import { call, deviceBody, DEADLINE_MS, startSnmpStack, waitForHost, type SnmpStack } from './snmp-stack.js';

const main = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

if (haveSnmpd()) {
  let snmpd: Snmpd;
  let s: SnmpStack;
  const children: ChildProcess[] = [];
  const clients: MqttClient[] = [];

  test.before(async () => {
    snmpd = await startSnmpd();
    s = await startSnmpStack();
  });

  test.after(async () => {
    for (const c of children) c.kill('SIGKILL');
    for (const c of clients) c.end(true);
    await s?.close();
    await snmpd?.close();
  });

  test('kill -9 of the poller: its device goes offline, poller-offline, retained and alerted; the poller back: online again', async () => {
    const e = await enrollHost(s.admin, 'lab-poller');
    const startPoller = (): ChildProcess => {
      const child = spawn(process.execPath, [main, 'agent', '--broker', s.up.mqttUrl, '--host', 'lab-poller', '--interval', '5', '--log-level', 'warn'], {
        stdio: 'ignore',
        env: { ...process.env, VIGIE_CONFIG: '', VIGIE_AGENT_USERNAME: e.username, VIGIE_AGENT_PASSWORD: e.password },
      });
      children.push(child);
      return child;
    };
    const first = startPoller();
    await waitForHost(s, 'lab-poller', 'online', (h) => h.presence === 'online');
    const created = await call(s, s.admin, 'POST', '/api/devices', deviceBody(snmpd, 'lab-sw', { version: '2c', community: snmpd.community }, { poller: 'lab-poller' }));
    assert.is(created.status, 201, JSON.stringify(created.body));
    await waitForHost(s, 'lab-sw', 'polled by the remote agent', (h) => h.status?.reason === 'polled' && h.latest !== null);

    first.kill('SIGKILL');
    const off = await waitForHost(s, 'lab-sw', 'offline for its poller', (h) => h.presence === 'offline' && h.status?.reason === 'poller-offline');
    assert.is(off.status!.error, 'poller lab-poller is offline');
    const alert = await waitFor('the device\'s offline alert', () => s.up.stack.alerting!.service.firing().find((a) => a.host === 'lab-sw' && a.rule === 'offline'), DEADLINE_MS);
    assert.is(alert.offlineReason, 'poller-offline');

    // A reader that is not Vigie's (Home Assistant, mosquitto_sub) connecting now gets the retained state.
    const reader = await connectClient(s.up.mqttUrl, { ...addCredentials(s.up.dataDir, { kind: 'service', role: 'reader', name: 'home-assistant' }), clientId: 'ha-reader' });
    clients.push(reader);
    const retained = new Promise<string>((resolve) => reader.on('message', (topic, payload, packet) => {
      if (topic === 'vigie/lab-sw/status' && packet.retain) resolve(payload.toString());
    }));
    await reader.subscribeAsync('vigie/lab-sw/status', { qos: 1 });
    const decoded = decodePayload('status', await retained);
    assert.ok(decoded.ok && decoded.value.state === 'offline' && decoded.value.reason === 'poller-offline', JSON.stringify(decoded));

    startPoller();
    await waitForHost(s, 'lab-sw', 'polled again once its poller is back', (h) => h.presence === 'online' && h.status?.reason === 'polled');
    await waitFor('the offline alert resolved', () => !s.up.stack.alerting!.service.firing().some((a) => a.host === 'lab-sw' && a.rule === 'offline') || null, DEADLINE_MS);
  });
}

test.run();
