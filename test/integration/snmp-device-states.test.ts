/**
 * Issue 13, "done when", on the full stack and a real snmpd:
 * - a wrong v2c community gives an offline device with reason snmp-timeout
 *   and a wrong v3 passphrase reason snmp-auth: a clear state, not silence;
 * - fixing the secret through the API brings it online; an edit that sends
 *   the secret back as "********" keeps the stored one;
 * - stopping snmpd makes the device offline, starting it brings it back;
 * - an operator outside the device's groups cannot see it (404, absent from
 *   lists) while one inside can;
 * - no secret in any API answer, in anything a `vigie/#` reader receives,
 *   nor in clear in any file of the data directory; secret.key is 0600.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HostDetail } from '../../ingest/types.js';
import { ApiClient } from '../helpers/api-client.js';
import { connectClient } from '../helpers/mqtt.js';
import { haveSnmpd, startSnmpd, type Snmpd } from '../helpers/snmpd.js';
import { addCredentials, addUser } from '../helpers/stack.js';
import { assertNoSecret, call, deviceBody, hostOf, secretsOf, startSnmpStack, waitForHost, type SnmpStack } from './snmp-stack.js';

const WRONG_COMMUNITY = 'not-the-community';
const WRONG_PASS = 'wrong-pass-000';

const offlineWith = (reason: string) => (h: HostDetail): boolean => h.presence === 'offline' && h.status?.state === 'offline' && h.status.reason === reason;
const polledOnline = (h: HostDetail): boolean => h.presence === 'online' && h.status?.state === 'online' && h.status.reason === 'polled';

if (haveSnmpd()) {
  let snmpd: Snmpd;
  let s: SnmpStack;
  let reader: MqttClient;
  const mqttPayloads: string[] = [];
  const as: Record<string, ApiClient> = {};
  let groupA = 0;

  test.before(async () => {
    snmpd = await startSnmpd();
    s = await startSnmpStack();
    // A service allowed to read vigie/#: a device's secrets must never reach it.
    reader = await connectClient(s.up.mqttUrl, addCredentials(s.up.dataDir, { kind: 'service', role: 'reader', name: 'snmp-watcher' }));
    reader.on('message', (topic, payload) => mqttPayloads.push(`${topic} ${payload.toString('utf8')}`));
    await reader.subscribeAsync('vigie/#');
    const opIn = await addUser(s.up.dataDir, 'op-in', 'operator');
    const opOut = await addUser(s.up.dataDir, 'op-out', 'operator');
    groupA = (await s.admin.send<{ id: number }>('POST', '/api/groups', { name: 'network' })).data.id;
    const groupB = (await s.admin.send<{ id: number }>('POST', '/api/groups', { name: 'servers' })).data.id;
    await s.admin.send('PATCH', `/api/groups/${groupA}`, { members: [opIn.id] }).then((a) => a.data);
    await s.admin.send('PATCH', `/api/groups/${groupB}`, { members: [opOut.id] }).then((a) => a.data);
    for (const u of [opIn, opOut]) as[u.name] = await ApiClient.signIn(s.up.httpUrl, u.name, u.password);
  });

  test.after(async () => {
    await reader?.endAsync(true);
    await s?.close();
    await snmpd?.close();
  });

  test('a wrong community is offline with reason snmp-timeout, a wrong v3 passphrase snmp-auth; the right community is online', async () => {
    for (const body of [
      deviceBody(snmpd, 'switch-ok', { version: '2c', community: snmpd.community }, { groups: [groupA] }),
      deviceBody(snmpd, 'switch-community', { version: '2c', community: WRONG_COMMUNITY }),
      deviceBody(snmpd, 'nas-pass', { version: '3', ...snmpd.v3.authOnly, authKey: WRONG_PASS }),
    ]) {
      const created = await call(s, s.admin, 'POST', '/api/devices', body);
      assert.is(created.status, 201, JSON.stringify(created.body));
    }
    // Polled together: each deadline runs while the others' polls go on.
    const [ok, timeout, auth] = await Promise.all([
      waitForHost(s, 'switch-ok', 'online, polled', polledOnline),
      waitForHost(s, 'switch-community', 'offline, snmp-timeout', offlineWith('snmp-timeout')),
      waitForHost(s, 'nas-pass', 'offline, snmp-auth', offlineWith('snmp-auth')),
    ]);
    assert.ok(ok.latest, 'the good device has metrics');
    // Offline with words: the poller's error text, not just a colour.
    for (const h of [timeout, auth]) {
      assert.is(h.state, 'offline');
      assert.type(h.status!.error, 'string');
      assert.ok(h.status!.error!.length > 0, `${h.id} error text`);
    }
    const ids = (await call<Array<{ id: string }>>(s, s.admin, 'GET', '/api/hosts')).data.map((h) => h.id);
    for (const id of ['switch-ok', 'switch-community', 'nas-pass']) assert.ok(ids.includes(id), `${id} listed as a host`);
  });

  test('the right passphrase through PUT brings the device online; an edit sending "********" keeps the stored community', async () => {
    const fixed = await call(s, s.admin, 'PUT', '/api/devices/nas-pass', deviceBody(snmpd, 'nas-pass', { version: '3', ...snmpd.v3.authOnly }));
    assert.is(fixed.status, 200, JSON.stringify(fixed.body));
    const since = Date.now();
    const relabel = await call(s, s.admin, 'PUT', '/api/devices/switch-ok', deviceBody(snmpd, 'switch-ok', { version: '2c', community: '********' }, { label: 'Core switch', groups: [groupA] }));
    assert.is(relabel.status, 200, JSON.stringify(relabel.body));
    await waitForHost(s, 'nas-pass', 'online after the fix', polledOnline);
    // A poll after the edit still answered: the poller got the stored community, not "********" (which would time out).
    await waitForHost(s, 'switch-ok', 'polled after the edit', (h) => polledOnline(h) && (h.latest?.ts ?? 0) > since);
  });

  test('stopping snmpd makes the device offline (snmp-timeout); starting it brings it back online', async () => {
    await snmpd.stop();
    const down = await waitForHost(s, 'switch-ok', 'offline once snmpd stopped', offlineWith('snmp-timeout'));
    assert.is(down.state, 'offline');
    await snmpd.start();
    await Promise.all([
      waitForHost(s, 'switch-ok', 'online once snmpd is back', polledOnline),
      // v3 too: same engine ID, engineBoots + 1 — the poller must resynchronise, not stay out of the time window.
      waitForHost(s, 'nas-pass', 'v3 online once snmpd is back', polledOnline),
    ]);
  });

  test('an operator in the device\'s group sees it; one outside gets 404 and does not find it in any list', async () => {
    const inside = as['op-in']!;
    const outside = as['op-out']!;
    assert.is((await call(s, inside, 'GET', '/api/devices/switch-ok')).status, 200);
    assert.ok((await hostOf(s, 'switch-ok', inside)) !== null, 'its host page');
    assert.ok((await call<{ devices: Array<{ id: string }> }>(s, inside, 'GET', '/api/devices')).data.devices.some((d) => d.id === 'switch-ok'));
    assert.ok((await call<Array<{ id: string }>>(s, inside, 'GET', '/api/hosts')).data.some((h) => h.id === 'switch-ok'));
    // A device without groups is the admins' only, even for an operator of another group.
    assert.is((await call(s, inside, 'GET', '/api/devices/switch-community')).status, 404);

    for (const path of ['/api/devices/switch-ok', '/api/hosts/switch-ok']) assert.is((await call(s, outside, 'GET', path)).status, 404, `${path} for an outsider`);
    assert.is((await call(s, outside, 'PUT', '/api/devices/switch-ok', deviceBody(snmpd, 'switch-ok', { version: '2c', community: 'x' }))).status, 404, 'nor can he change it');
    assert.is((await call(s, outside, 'DELETE', '/api/devices/switch-ok')).status, 404, 'nor delete it');
    const devices = (await call<{ devices: Array<{ id: string }> }>(s, outside, 'GET', '/api/devices')).data.devices.map((d) => d.id);
    const hosts = (await call<Array<{ id: string }>>(s, outside, 'GET', '/api/hosts')).data.map((h) => h.id);
    for (const id of ['switch-ok', 'switch-community', 'nas-pass']) {
      assert.not.ok(devices.includes(id), `${id} in an outsider's device list`);
      assert.not.ok(hosts.includes(id), `${id} in an outsider's host list`);
    }
    // The device is still polled: the outsider's 404 is not a deleted device.
    assert.ok(polledOnline((await hostOf(s, 'switch-ok'))!));
  });

  test('no secret in any API answer, in anything a vigie/# reader got, nor in clear in any database file; secret.key is 0600', async () => {
    await call(s, s.admin, 'GET', '/api/devices');
    for (const id of ['switch-ok', 'switch-community', 'nas-pass']) {
      await call(s, s.admin, 'GET', `/api/devices/${id}`);
      await call(s, s.admin, 'GET', `/api/hosts/${id}`);
    }
    await call(s, s.admin, 'GET', '/api/events');
    const secrets = [...secretsOf(snmpd), WRONG_COMMUNITY, WRONG_PASS];
    assertNoSecret(s.transcript, secrets, 'the API');
    assert.ok(mqttPayloads.some((p) => p.startsWith('vigie/switch-ok/status')), 'the reader did get the devices\' topics');
    assertNoSecret(mqttPayloads, secrets, 'a vigie/# reader');
    // Every database of the box (devices.db, checks.db, events.db with its audit entries…) and their WAL files.
    const files = readdirSync(s.up.dataDir).filter((f) => statSync(join(s.up.dataDir, f)).isFile());
    assert.ok(files.includes('devices.db'), `devices.db in ${files.join(', ')}`);
    for (const f of files) assertNoSecret([readFileSync(join(s.up.dataDir, f)).toString('latin1')], secrets, f);
    assert.is((statSync(join(s.up.dataDir, 'secret.key')).mode & 0o777).toString(8), '600');
  });

  test.run();
} else {
  test.run();
}
