/** SNMP readings → info and metrics on fixture values: allocation units, memory, disks fallback, interface names and rates. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createCounterMemory } from '../../../agent/snmp/counters.js';
import { interfaceRows, mapReadings, type Readings } from '../../../agent/snmp/map.js';
import { HR_STORAGE_TYPES } from '../../../agent/snmp/mibs.js';
import { SNMP_TYPES as T, type Varbind } from '../../../agent/snmp/values.js';
import { validatePayload, type DeviceSpec } from '../../../protocol/payloads.js';

const vb = (type: number, value: unknown): Varbind => ({ oid: '1', type, value });
const int = (n: number) => vb(T.Integer, n);
const str = (s: string) => vb(T.OctetString, Buffer.from(s));
const oid = (s: string) => vb(T.OID, s);
const c32 = (n: number) => vb(T.Counter32, n);
const c64 = (n: bigint) => {
  const hex = n.toString(16).padStart(16, '0');
  return vb(T.Counter64, Buffer.from(hex, 'hex'));
};

const spec: DeviceSpec = {
  id: 'sw1', address: '192.0.2.10', port: 161, snmp: { version: '2c', community: 'x' }, interval: 60, timeout: 5, retries: 1,
  custom: [{ name: 'toner', oid: '1.3.6.1.2.1.43.11.1.1.9.1.1', type: 'gauge', unit: '%' }, { name: 'states', oid: '1.3.6.1.4.1.1.0', type: 'counter', unit: '/s' }],
};

function readings(p: { uptime: number; rx: bigint; tx: bigint; rx32: number; errors: number; states: number }): Readings {
  return {
    system: { sysDescr: str('Linux sw1 6.1'), sysObjectID: oid('1.3.6.1.4.1.8072.3.2.10'), sysUpTime: vb(T.TimeTicks, p.uptime), sysName: str('sw1.lan'), sysLocation: str('rack 2'), sysContact: str('ops') },
    host: {},
    ucdMemory: {},
    cpuRaw: {},
    processors: [{ index: '196608', cells: { load: int(10) } }, { index: '196609', cells: { load: int(30) } }],
    storage: [
      { index: '1', cells: { type: oid(HR_STORAGE_TYPES.ram), descr: str('Physical memory'), allocationUnits: int(1024), size: int(2_000_000), used: int(500_000) } },
      { index: '3', cells: { type: oid(HR_STORAGE_TYPES.virtualMemory), descr: str('Virtual memory'), allocationUnits: int(1024), size: int(3_000_000), used: int(600_000) } },
      { index: '10', cells: { type: oid(HR_STORAGE_TYPES.virtualMemory), descr: str('Swap space'), allocationUnits: int(1024), size: int(1_000_000), used: int(100_000) } },
      { index: '31', cells: { type: oid(HR_STORAGE_TYPES.fixedDisk), descr: str('/'), allocationUnits: int(4096), size: int(25_000_000), used: int(5_000_000) } },
      { index: '32', cells: { type: oid(HR_STORAGE_TYPES.fixedDisk), descr: str('/sys/fs/cgroup'), allocationUnits: int(4096), size: int(0), used: int(0) } },
      { index: '33', cells: { type: oid(HR_STORAGE_TYPES.fixedDisk), descr: str('/broken'), allocationUnits: str('x'), size: int(10), used: int(1) } },
    ],
    laLoad: [{ index: '1', cells: { load: str('0.50') } }, { index: '2', cells: { load: str('0.25') } }, { index: '3', cells: { load: str('0.10') } }],
    dsk: [],
    ifTable: [
      { index: '1', cells: { descr: str('lo'), operStatus: int(1), adminStatus: int(1), speed: int(10_000_000), inOctets: c32(p.rx32), outOctets: c32(p.rx32), inErrors: c32(p.errors), outErrors: c32(0), inDiscards: c32(0), outDiscards: c32(0) } },
      { index: '2', cells: { descr: str('GigabitEthernet0/1'), operStatus: int(2), adminStatus: int(1), speed: int(4_294_967_295), physAddress: vb(T.OctetString, Buffer.from([0, 0x11, 0x22, 0x33, 0x44, 0x55])) } },
      { index: '3', cells: { descr: str('GigabitEthernet0/2'), operStatus: int(9), adminStatus: int(1) } },
    ],
    ifXTable: [
      { index: '2', cells: { name: str('Gi0/1'), alias: str('uplink to core'), highSpeed: vb(T.Gauge32, 1000), hcInOctets: c64(p.rx), hcOutOctets: c64(p.tx) } },
      { index: '3', cells: { name: str('Gi0/1'), hcInOctets: c64(p.rx), hcOutOctets: c64(p.tx) } },
    ],
    ipAddr: [{ index: '192.0.2.10', cells: { ifIndex: int(2) } }],
    custom: { toner: int(73), states: c32(p.states) },
  };
}

test('a device maps to valid info and metrics; the first poll has no rates, the second has them', () => {
  const counters = createCounterMemory();
  const ctx = { spec, poller: 'box', agentVersion: '0.1.0', counters };
  counters.begin(0, 100_000);
  const first = mapReadings(readings({ uptime: 100_000, rx: 10n ** 12n, tx: 5n, rx32: 4_294_967_000, errors: 10, states: 100 }), { ...ctx, ts: Date.UTC(2026, 11, 3) });
  counters.end();
  assert.ok(validatePayload('info', first.info).ok, JSON.stringify(validatePayload('info', first.info)));
  assert.ok(validatePayload('metrics', first.metrics).ok, JSON.stringify(validatePayload('metrics', first.metrics)));
  assert.is(first.metrics.net, undefined, 'no rates on the first poll, so no interface entry rather than a 0');
  assert.equal(first.metrics.custom, [{ name: 'toner', value: 73, unit: '%' }], 'the counter has no rate yet');
  // Allocation units: 2,000,000 × 1 KiB of RAM, 25,000,000 × 4 KiB of disk.
  assert.equal(first.metrics.mem, { total: 2_048_000_000, used: 512_000_000, available: 1_536_000_000, usedPercent: 25 });
  assert.equal(first.metrics.swap, { total: 1_024_000_000, used: 102_400_000, usedPercent: 10 }, 'the Swap space row, not RAM + swap');
  assert.equal(first.metrics.disks, [{ mount: '/', fs: '', total: 102_400_000_000, used: 20_480_000_000, free: 81_920_000_000, usedPercent: 20 }], 'empty and broken rows left out');
  assert.equal(first.metrics.cpu, { usage: 20, load1: 0.5, load5: 0.25, load15: 0.1, cores: 2 });
  assert.is(first.metrics.uptime, 1000);
  assert.is(first.info.hostname, 'sw1.lan');
  assert.is(first.info.os.platform, 'snmp');
  assert.equal(first.info.source, { kind: 'snmp', poller: 'box', address: '192.0.2.10', sysObjectID: '1.3.6.1.4.1.8072.3.2.10', sysDescr: 'Linux sw1 6.1', sysLocation: 'rack 2', sysContact: 'ops' });
  assert.is(first.info.bootTime, Date.UTC(2026, 11, 3) - 1_000_000);
  assert.equal(first.info.addresses, [{ iface: 'Gi0/1#2', ip4: '192.0.2.10', mac: '00:11:22:33:44:55' }]);

  counters.begin(60_000, 106_000);
  const second = mapReadings(readings({ uptime: 106_000, rx: 10n ** 12n + 60_000_000n, tx: 605n, rx32: 5_704, errors: 70, states: 400 }), { ...ctx, ts: Date.UTC(2026, 11, 3, 0, 1) });
  counters.end();
  assert.ok(validatePayload('metrics', second.metrics).ok);
  const net = second.metrics.net!;
  assert.equal(net.map((n) => n.iface), ['lo', 'Gi0/1#2', 'Gi0/1#3'], 'ifName first, else ifDescr; a shared name gets #ifIndex');
  assert.equal(net[0], { iface: 'lo', rxRate: 100, txRate: 100, index: 1, oper: 'up', admin: 'up', speed: 1_250_000, util: 0.01, rxErrors: 1, txErrors: 0, rxDiscards: 0, txDiscards: 0 }, '32-bit octets wrapped: (5704 + 2^32 - 4294967000) / 60 s');
  assert.equal(net[1], { iface: 'Gi0/1#2', rxRate: 1_000_000, txRate: 10, index: 2, alias: 'uplink to core', oper: 'down', admin: 'up', speed: 125_000_000, util: 0.8 }, 'ifHC* and ifHighSpeed');
  assert.is(net[2]!.oper, undefined, 'an out-of-range ifOperStatus is left out');
  assert.is(net[2]!.speed, undefined);
  assert.equal(second.metrics.custom, [{ name: 'toner', value: 73, unit: '%' }, { name: 'states', value: 5, unit: '/s' }]);

  // The device reboots: uptime back to 5 s, counters back near zero: no interface rates, no custom counter rate.
  counters.begin(120_000, 500);
  const third = mapReadings(readings({ uptime: 500, rx: 1000n, tx: 10n, rx32: 1000, errors: 0, states: 3 }), { ...ctx, ts: Date.UTC(2026, 11, 3, 0, 2) });
  counters.end();
  assert.is(third.metrics.net, undefined, 'no spike after a reboot');
  assert.equal(third.metrics.custom, [{ name: 'toner', value: 73, unit: '%' }]);
});

test('UCD memory wins over hrStorageRam; dskTable stands in when hrStorage has no fixed disk; no laLoad: no cpu group', () => {
  const r = readings({ uptime: 1, rx: 1n, tx: 1n, rx32: 1, errors: 0, states: 0 });
  r.ucdMemory = { memTotalReal: int(4_000_000), memAvailReal: int(1_000_000) };
  r.storage = r.storage.filter((row) => row.index !== '31');
  r.dsk = [{ index: '1', cells: { path: str('/'), total: int(100), used: int(30), totalHigh: int(1), totalLow: int(0), usedHigh: int(0), usedLow: int(1_073_741_824) } }];
  r.laLoad = [];
  const { metrics } = mapReadings(r, { spec, poller: 'box', agentVersion: '0.1.0', counters: createCounterMemory(), ts: Date.UTC(2026, 11, 3) });
  assert.equal(metrics.mem, { total: 4_096_000_000, used: 3_072_000_000, available: 1_024_000_000, usedPercent: 75 });
  assert.equal(metrics.disks, [{ mount: '/', fs: '', total: 2 ** 32 * 1024, used: 2 ** 30 * 1024, free: (2 ** 32 - 2 ** 30) * 1024, usedPercent: 25 }], 'the High/Low halves, in kB');
  assert.is(metrics.cpu, undefined);
});

test('interfaces: at most 128 by ifIndex; a bad index is ignored; names are unique and at most 64 characters', () => {
  const ifTable = Array.from({ length: 200 }, (_, i) => ({ index: String(200 - i), cells: { descr: str(`${'x'.repeat(70)}`) } }));
  ifTable.push({ index: '0', cells: { descr: str('bad') } }, { index: 'abc', cells: { descr: str('bad') } });
  const rows = interfaceRows({ ifTable, ifXTable: [] });
  assert.is(rows.length, 128);
  assert.is(rows[0]!.index, 1);
  assert.is(rows.at(-1)!.index, 128);
  assert.is(new Set(rows.map((r) => r.name)).size, 128);
  assert.ok(rows.every((r) => r.name.length <= 64));
  assert.is(rows[4]!.name, `${'x'.repeat(62)}#5`);
});

test.run();
