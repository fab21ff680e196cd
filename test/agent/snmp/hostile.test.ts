/**
 * Devices that misbehave must not crash or hang the poller: one that answers
 * every request with garbage bytes, and one (net-snmp's own SNMP agent,
 * real UDP) with a 2,000-row ifTable whose ifSpeed is a string and which
 * answers GETBULK a few varbinds at a time. The poller reads at most 128
 * interfaces, leaves the wrongly typed value out, and goes
 * on polling both.
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import snmp from 'net-snmp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor } from '../../helpers/env.js';
import { freeUdpPort } from '../../helpers/snmpd.js';
import { device, startPollerRig, type PollerRig } from './rig.js';

const ROWS = 2000;
let garbage: Socket;
let agent: { close(cb?: () => void): void };
let r: PollerRig;

test.before(async () => {
  garbage = createSocket('udp4');
  garbage.on('message', (_msg, from) => {
    // A BER sequence header with nonsense inside, then plain noise: both must be shrugged off.
    garbage.send(Buffer.concat([Buffer.from([0x30, 0x82, 0x00, 0x10]), randomBytes(16)]), from.port, from.address);
    garbage.send(randomBytes(64), from.port, from.address);
  });
  await new Promise<void>((resolve) => garbage.bind(0, '127.0.0.1', resolve));

  const port = await freeUdpPort();
  const a = snmp.createAgent({ port, address: '127.0.0.1' }, () => undefined);
  agent = a as typeof agent;
  a.getAuthorizer().addCommunity('big');
  const mib = a.getMib();
  const scalar = (name: string, oid: string, type: number, value: unknown) => {
    mib.registerProvider({ name, type: snmp.MibProviderType.Scalar, oid, scalarType: type, maxAccess: snmp.MaxAccess['read-only'] });
    mib.setScalarValue(name, value);
  };
  scalar('sysDescr', '1.3.6.1.2.1.1.1', snmp.ObjectType.OctetString, 'big switch');
  scalar('sysUpTime', '1.3.6.1.2.1.1.3', snmp.ObjectType.TimeTicks, 123_456);
  scalar('sysName', '1.3.6.1.2.1.1.5', snmp.ObjectType.OctetString, 'big');
  const column = (number: number, name: string, type: number) => ({ number, name, type, maxAccess: snmp.MaxAccess['read-only'] });
  mib.registerProvider({
    name: 'ifTable', type: snmp.MibProviderType.Table, oid: '1.3.6.1.2.1.2.2.1', maxAccess: snmp.MaxAccess['not-accessible'],
    tableColumns: [
      column(1, 'ifIndex', snmp.ObjectType.Integer),
      column(2, 'ifDescr', snmp.ObjectType.OctetString),
      column(5, 'ifSpeed', snmp.ObjectType.OctetString), // wrong type: Gauge32 in IF-MIB
      column(8, 'ifOperStatus', snmp.ObjectType.Integer),
      column(10, 'ifInOctets', snmp.ObjectType.Counter),
      column(16, 'ifOutOctets', snmp.ObjectType.Counter),
    ],
    tableIndex: [{ columnName: 'ifIndex' }],
  });
  for (let i = 1; i <= ROWS; i++) mib.addTableRow('ifTable', [i, `port${i}`, 'fast', 1, 1000 * i, 2000 * i]);

  r = await startPollerRig('poller3', [
    device('garbage', '127.0.0.1', (garbage.address()).port, { version: '2c', community: 'x' }, { timeout: 1 }),
    device('big', '127.0.0.1', port, { version: '2c', community: 'big' }, { timeout: 5 }),
  ]);
});

test.after(async () => {
  await r?.close();
  agent?.close();
  garbage?.close();
});

test('garbage answers: offline snmp-timeout, and the poller goes on', async () => {
  const status = await waitFor('a status', () => r.seen('garbage').status.at(-1), 15_000);
  assert.equal({ state: status.state, reason: status.reason }, { state: 'offline', reason: 'snmp-timeout' });
  const polls = r.agent.stats().devices.failures;
  await waitFor('more polls', () => r.agent.stats().devices.failures >= polls + 2, 15_000);
});

test('a 2,000-row ifTable: the first 128 interfaces by ifIndex; a string ifSpeed is left out', async () => {
  const seen = r.seen('big');
  const m = await waitFor('interfaces with rates', () => seen.metrics.find((x) => (x.net?.length ?? 0) > 0), 20_000);
  assert.is(seen.status.at(-1)!.state, 'online');
  // That agent answers GETBULK a few varbinds at a time, so the walk's request bound may end before every
  // column of all 128 rows is read: what is there must still be the first interfaces by ifIndex, never more.
  assert.ok(m.net!.length > 0 && m.net!.length <= 128, String(m.net!.length));
  assert.ok(m.net!.every((n, i) => n.index! <= 128 && (i === 0 || n.index! > m.net![i - 1]!.index!)));
  assert.is(m.net![0]!.iface, 'port1');
  assert.ok(m.net!.every((n) => n.speed === undefined && n.util === undefined && n.oper === 'up'));
  assert.ok(m.net!.every((n) => n.rxRate === 0 && n.txRate === 0), 'constant counters: a rate of 0');
  assert.is(seen.info[0]!.hostname, 'big');
  assert.ok(r.agent.stats().connected);
});

test.run();
