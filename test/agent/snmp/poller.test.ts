/**
 * The agent polls a real snmpd (test/helpers/snmpd.ts) over v2c, v3
 * authNoPriv and v3 authPriv, and publishes each device as a host through a
 * real broker: values checked against snmpget readings of the same agent.
 * Removing a device from the configuration stops everything for it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MetricsPayload } from '../../../protocol/payloads.js';
import { waitFor } from '../../helpers/env.js';
import { CUSTOM_OIDS, haveSnmpd, OID, startSnmpd, type Snmpd } from '../../helpers/snmpd.js';
import { device, startPollerRig, type PollerRig } from './rig.js';

const IF_OPER = ['up', 'down', 'testing', 'unknown', 'dormant', 'notPresent', 'lowerLayerDown'];

if (haveSnmpd()) {
  let snmpd: Snmpd;
  let r: PollerRig;

  test.before(async () => {
    snmpd = await startSnmpd();
    const { host, port } = snmpd;
    r = await startPollerRig('poller1', [
      device('dev-v2c', host, port, { version: '2c', community: snmpd.community }, {
        custom: [
          { name: 'toner', oid: CUSTOM_OIDS.tonerLevel.oid, type: 'gauge', unit: '%' },
          { name: 'states', oid: CUSTOM_OIDS.pfStates.oid, type: 'counter', unit: '/s' },
        ],
      }),
      device('dev-auth', host, port, { version: '3', ...snmpd.v3.authOnly }),
      device('dev-priv', host, port, { version: '3', ...snmpd.v3.private }),
    ]);
  });

  test.after(async () => {
    await r?.close();
    await snmpd?.close();
  });

  test('a v2c device is a host: status, info and metrics match snmpget readings', async () => {
    const seen = r.seen('dev-v2c');
    const hc = `${OID.ifHCInOctets}.1`; // lo: our own SNMP traffic runs over it
    const before = BigInt(await snmpd.get(hc));
    const from = seen.metrics.length;
    const withNet = (m: MetricsPayload): boolean => (m.net?.length ?? 0) > 0;
    const loRate = (m: MetricsPayload | undefined): number => m?.net?.find((n) => n.index === 1)?.rxRate ?? 0;
    // Two samples polled after `before` was read, the last with lo traffic (snmpd caches ifTable a few seconds, so some polls see none).
    await waitFor('two new samples with interface rates', () => {
      const fresh = seen.metrics.slice(from).filter(withNet);
      return fresh.length >= 2 && loRate(fresh.at(-1)) > 0;
    }, 30_000);
    const after = BigInt(await snmpd.get(hc));

    const status = seen.status.at(-1)!;
    assert.equal({ state: status.state, reason: status.reason, interval: status.interval }, { state: 'online', reason: 'polled', interval: 10 });
    assert.is(status.error, undefined);

    const info = seen.info.at(-1)!;
    const [sysName, sysDescr, sysObjectID, sysLocation] = await snmpd.get([OID.sysName, OID.sysDescr, OID.sysObjectID, OID.sysLocation]);
    assert.is(info.hostname, sysName);
    assert.is(info.os.platform, 'snmp');
    assert.equal(info.source, { kind: 'snmp', poller: 'poller1', address: '127.0.0.1', sysObjectID, sysDescr, sysLocation, sysContact: info.source?.sysContact });
    assert.is(seen.info.length, 1, 'info is published once while nothing changes');

    const [m1, m2] = seen.metrics.slice(from).filter(withNet).slice(-2) as [MetricsPayload, MetricsPayload];
    // Memory: UCD memTotalReal exactly; available moves a little between the two reads.
    const [total, avail] = (await snmpd.get([OID.memTotalReal, OID.memAvailReal])).map((v) => Number(v) * 1024) as [number, number];
    assert.is(m2.mem!.total, total);
    assert.ok(Math.abs(m2.mem!.available - avail) < total * 0.05, `available ${m2.mem!.available} vs snmpget ${avail}`);
    // Disks: hrStorage fixed disks, size × allocation units, as snmpget reads them.
    const storage = await snmpd.walk(OID.hrStorageTable);
    const cell = (col: number, index: string): string | undefined => storage.find((v) => v.oid === `${OID.hrStorageTable}.${col}.${index}`)?.value;
    const root = storage.find((v) => v.oid.startsWith(`${OID.hrStorageTable}.3.`) && v.value === '/')!;
    const rootIndex = root.oid.split('.').at(-1)!;
    const rootDisk = m2.disks!.find((d) => d.mount === '/')!;
    assert.ok(rootDisk, JSON.stringify(m2.disks));
    assert.is(rootDisk.total, Number(cell(5, rootIndex)) * Number(cell(4, rootIndex)));
    assert.ok(Math.abs(rootDisk.used - Number(cell(6, rootIndex)) * Number(cell(4, rootIndex))) <= rootDisk.total * 0.01);
    // CPU: loads are UCD laLoad; usage from the raw CPU ticks (hrProcessorLoad is empty in snmpd's first minute).
    // snmpd refreshes those ticks every 5 s, so polls 0.5 s apart often see none pass: wait for one that did.
    const { cpu } = await waitFor('a sample with cpu', () => seen.metrics.find((m) => m.cpu), 20_000);
    const load1 = Number(await snmpd.get(OID.laLoad1));
    assert.ok(Math.abs(cpu!.load1 - load1) < 1.5, `load1 ${cpu!.load1} vs snmpget ${load1}`);
    assert.ok(cpu!.usage >= 0 && cpu!.usage <= 100 && cpu!.iowait! >= 0 && cpu!.iowait! <= 100, JSON.stringify(cpu));
    // Uptime: hrSystemUptime, the machine's.
    const uptime = Number(await snmpd.get('1.3.6.1.2.1.25.1.1.0')) / 100;
    assert.ok(Math.abs(m2.uptime! - uptime) < 60, `uptime ${m2.uptime} vs ${uptime}`);
    // Interfaces: ifName, ifOperStatus and speed as snmpget reads them.
    const names = await snmpd.walk(OID.ifName);
    assert.equal(m2.net!.map((n) => n.iface).sort(), names.map((n) => n.value).sort());
    const opers = await snmpd.walk(OID.ifOperStatus);
    for (const n of m2.net!) {
      assert.is(n.oper, IF_OPER[Number(opers.find((o) => o.oid === `${OID.ifOperStatus}.${n.index}`)!.value) - 1], n.iface);
      assert.ok(n.util === undefined || (n.util >= 0 && n.util <= 1000));
    }
    // lo's 64-bit counter grew by at least what the published rate claims over the time between the two polls.
    const lo = m2.net!.find((n) => n.index === 1)!;
    const claimed = lo.rxRate * ((m2.ts - m1.ts) / 1000);
    assert.ok(claimed <= Number(after - before) * 1.2 + 2000, `rate ${lo.rxRate} B/s over ${(m2.ts - m1.ts) / 1000} s, counter moved ${after - before}`);
    // Custom OIDs: a gauge as read, a constant counter as a rate of 0.
    assert.equal(m2.custom, [{ name: 'toner', value: CUSTOM_OIDS.tonerLevel.value, unit: '%' }, { name: 'states', value: 0, unit: '/s' }]);
  });

  test('v3 authNoPriv and authPriv users are polled too', async () => {
    const sysName = await snmpd.get(OID.sysName);
    for (const id of ['dev-auth', 'dev-priv']) {
      const seen = r.seen(id);
      await waitFor(`${id} info`, () => seen.info.length > 0 && seen.metrics.length > 0, 20_000);
      assert.is(seen.status.at(-1)!.state, 'online', JSON.stringify(seen.status.at(-1)));
      assert.is(seen.info[0]!.hostname, sysName);
      assert.ok(seen.metrics.at(-1)!.mem!.total > 0);
    }
  });

  test('after a reconnect the agent sends each device\'s retained status and info again, unchanged', async () => {
    const seen = r.seen('dev-v2c');
    const [statuses, infos] = [seen.status.length, seen.info.length];
    // Aedes keeps connected clients by id; its typings leave the map out.
    const clients = (r.rig.broker.aedes as unknown as { clients: Record<string, { conn: { destroy(): void } } | undefined> }).clients;
    const client = clients['vigie-agent-poller1'];
    assert.ok(client, 'the agent is connected under its fixed client id');
    client!.conn.destroy(); // the network goes away
    await waitFor('status and info again', () => seen.status.length > statuses && seen.info.length > infos, 20_000);
    assert.equal(seen.status.at(-1)!.state, 'online');
    assert.equal({ ...seen.info.at(-1)!, ts: 0 }, { ...seen.info[infos - 1]!, ts: 0 }, 'the same info, sent again');
  });

  test('a device removed from the configuration is no longer polled nor published; the others go on', async () => {
    const keep = r.seen('dev-v2c');
    const infos = keep.info.length;
    const gone = [r.seen('dev-auth'), r.seen('dev-priv')];
    await r.configure([device('dev-v2c', snmpd.host, snmpd.port, { version: '2c', community: snmpd.community }, {
      custom: [
        { name: 'toner', oid: CUSTOM_OIDS.tonerLevel.oid, type: 'gauge', unit: '%' },
        { name: 'states', oid: CUSTOM_OIDS.pfStates.oid, type: 'counter', unit: '/s' },
      ],
    })]);
    await waitFor('the agent applies it', () => r.agent.stats().devices.devices === 1);
    // A sample of the kept device published after that: whatever the agent sent before it has arrived too (one connection, in order).
    const applied = keep.metrics.length;
    await waitFor('a poll after the change', () => keep.metrics.length > applied, 20_000);
    const counts = gone.map((s) => s.status.length + s.info.length + s.metrics.length);
    const from = keep.metrics.length;
    await waitFor('three more polls of the kept device', () => keep.metrics.length >= from + 3, 20_000);
    assert.equal(gone.map((s) => s.status.length + s.info.length + s.metrics.length), counts, 'nothing published for removed devices');
    assert.is(keep.info.length, infos, 'the unchanged device was not restarted (its info would be published again)');
    // Nothing the agent published was refused by the broker's ACL (which would close its connection).
    assert.equal(r.rig.logged.filter((l) => /refused/i.test(String(l.msg))).map((l) => l.msg), []);
    assert.ok(r.agent.stats().connected);
  });
}

test.run();
