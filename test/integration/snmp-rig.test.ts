/**
 * The snmpd rig itself (test/helpers/snmpd.ts), so a failing SNMP suite can
 * be told apart from a broken rig: v2c and both v3 levels answer through
 * the real snmpget, a wrong secret fails the way a device does (silence for
 * v2c, an authentication error for v3), the MIBs the poller reads answer,
 * and stop/start behaves like a device that goes away and reboots.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CUSTOM_OIDS, haveSnmpd, OID, parseOutput, startSnmpd, type Snmpd } from '../helpers/snmpd.js';

test('parseOutput joins continuation lines and strips quotes and leading dots', () => {
  const rows = parseOutput('.1.3.6.1.6.3.10.2.1.1.0 "80 00 1F 88 80 F1 B2 \n00 "\n.1.3.6.1.2.1.1.2.0 .1.3.6.1.4.1.8072.3.2.10\n.1.3.6.1.2.1.1.3.0 119\n');
  assert.equal(rows, [
    { oid: '1.3.6.1.6.3.10.2.1.1.0', value: '80 00 1F 88 80 F1 B2 \n00' },
    { oid: '1.3.6.1.2.1.1.2.0', value: '1.3.6.1.4.1.8072.3.2.10' },
    { oid: '1.3.6.1.2.1.1.3.0', value: '119' },
  ]);
});

if (haveSnmpd()) {
  let snmpd: Snmpd;
  test.before(async () => {
    snmpd = await startSnmpd();
  });
  test.after(async () => {
    await snmpd?.close();
  });

  test('v2c with the community reads the system group, load, memory, disks and interfaces', async () => {
    const [descr, uptime, objectId] = await snmpd.get([OID.sysDescr, OID.sysUpTime, OID.sysObjectID]);
    assert.match(descr!, /Linux/);
    assert.match(uptime!, /^\d+$/);
    assert.match(objectId!, /^1\.3\.6\.1\.4\.1\.8072\./, 'net-snmp\'s enterprise arc');
    assert.match(await snmpd.get(OID.laLoad1), /^\d+\.\d+$/);
    const total = Number(await snmpd.get(OID.memTotalReal));
    assert.ok(total > 0, `memTotalReal ${total}`);
    const disk = await snmpd.walk(OID.dskTable);
    assert.ok(disk.some((r) => r.oid === `${OID.dskTable}.2.1` && r.value === '/'), 'dskPath.1 is /');
    const storage = await snmpd.walk(`${OID.hrStorageTable}.3`);
    assert.ok(storage.some((r) => r.value === '/'), 'hrStorageDescr has /');
    const names = await snmpd.walk(OID.ifName);
    assert.ok(names.some((r) => r.value === 'lo'), `ifName: ${JSON.stringify(names)}`);
    const hc = await snmpd.walk(OID.ifHCInOctets);
    assert.is(hc.length, names.length, 'one ifHCInOctets per interface');
    assert.is(await snmpd.get(CUSTOM_OIDS.tonerLevel.oid), String(CUSTOM_OIDS.tonerLevel.value));
    assert.is(await snmpd.get(CUSTOM_OIDS.pfStates.oid), String(CUSTOM_OIDS.pfStates.value));
  });

  test('v3 authNoPriv and authPriv answer; a wrong passphrase is an authentication failure', async () => {
    assert.match(await snmpd.get(OID.sysUpTime, { as: { v3: 'authOnly' } }), /^\d+$/);
    assert.match(await snmpd.get(OID.sysDescr, { as: { v3: 'private' } }), /Linux/);
    const wrong = { ...snmpd.v3.private, authKey: 'not-the-pass-456' };
    // A refusal is an answer (a REPORT), fast when snmpd is: the timeout only gives a busy box room for the engine discovery before it.
    const refused = { timeout: 5, retries: 1 };
    const err = await snmpd.get(OID.sysUpTime, { as: { v3: wrong }, ...refused }).then(() => undefined, (e: Error) => e);
    assert.ok(err, 'a wrong passphrase must fail');
    assert.match(err!.message, /Authentication failure/);
    const unknown = await snmpd.get(OID.sysUpTime, { as: { v3: { ...snmpd.v3.authOnly, user: 'nobody' } }, ...refused }).then(() => undefined, (e: Error) => e);
    assert.match(String(unknown?.message), /Unknown user name/);
  });

  test('a wrong community gets no answer at all (v2c has no error for it)', async () => {
    const err = await snmpd.get(OID.sysUpTime, { as: { community: 'public' }, timeout: 1, retries: 0 }).then(() => undefined, (e: Error) => e);
    assert.ok(err, 'a wrong community must fail');
    assert.match(err!.message, /Timeout/);
  });

  test('stop silences the device; start brings it back on the same port as a reboot', async () => {
    const port = snmpd.port;
    const engineId = await snmpd.get(OID.snmpEngineID);
    const boots = Number(await snmpd.get(OID.snmpEngineBoots, { as: { v3: 'authOnly' } }));
    await snmpd.stop();
    assert.is(snmpd.pid(), undefined);
    const err = await snmpd.get(OID.sysUpTime, { timeout: 1, retries: 0 }).then(() => undefined, (e: Error) => e);
    assert.match(String(err?.message), /Timeout/);
    await snmpd.start();
    assert.is(snmpd.port, port);
    // Same engine ID, boots + 1, and the same v3 user still authenticates: a rebooted device, not a new one.
    assert.is(await snmpd.get(OID.snmpEngineID), engineId);
    assert.is(Number(await snmpd.get(OID.snmpEngineBoots, { as: { v3: 'private' } })), boots + 1);
    // restart() resets sysUpTime (hundredths of a second): read just after, it is far below the minutes a test takes.
    await snmpd.restart();
    assert.ok(Number(await snmpd.get(OID.sysUpTime)) < 3000, 'sysUpTime restarts near 0');
  });

  test.run();
} else {
  test.run();
}
