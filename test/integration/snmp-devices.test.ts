/**
 * Issue 13, "done when": a device added through the API appears as a host
 * with CPU, memory, disks, interfaces and rates that match `snmpget`
 * readings of the same real snmpd, polled over SNMPv3 authPriv by the box's
 * own agent, through the real broker, ingest and API.
 *
 * Values that move between two readings are compared with a bracket: the
 * device's value must lie between what snmpget read just before the poll
 * began and just after its sample arrived. Sizes that do not move are
 * compared exactly.
 *
 * snmpd starts first: net-snmp fills hrProcessorLoad only after a minute of
 * its own uptime. Before that the poller's CPU usage comes from the UCD raw
 * CPU ticks (checked with the interface rates); hrProcessorLoad is checked last.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HostDetail } from '../../ingest/types.js';
import type { MetricsPayload } from '../../protocol/payloads.js';
import { waitFor } from '../helpers/env.js';
import { CUSTOM_OIDS, haveSnmpd, OID, startSnmpd, type Snmpd } from '../helpers/snmpd.js';
import { assertNoSecret, call, DEADLINE_MS, deviceBody, hostOf, INTERVAL, POLLER, secretsOf, startSnmpStack, waitForHost, type SnmpStack } from './snmp-stack.js';

const ID = 'lab-router';
const HR_STORAGE_FIXED_DISK = '1.3.6.1.2.1.25.2.1.4';
const IF_STATES = ['up', 'down', 'testing', 'unknown', 'dormant', 'notPresent', 'lowerLayerDown'];

/** One snmpget of counters and gauges, with the wall-clock interval it was taken in. */
interface Reading { start: number; end: number; values: number[] }

/**
 * Reads `oids` in a loop (one snmpget each turn) until stopped, so any
 * poller sample can later be bracketed by the readings around it.
 */
function startRecorder(snmpd: Snmpd, oids: string[]): { readings: Reading[]; stop(): Promise<void> } {
  const readings: Reading[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const start = Date.now();
      try {
        const values = (await snmpd.get(oids, { timeout: 2, retries: 1 })).map(Number);
        readings.push({ start, end: Date.now(), values });
      } catch {
        // A missed reading only widens a bracket.
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return { readings, stop: async () => { running = false; await loop; } };
}

/** The value of column `i` read last before `at` (ended before it) and first after `after` (started after it). */
function bracket(readings: Reading[], i: number, at: number, after: number): { before: number; afterValue: number } | undefined {
  const before = [...readings].reverse().find((r) => r.end <= at);
  const next = readings.find((r) => r.start >= after);
  return before && next ? { before: before.values[i]!, afterValue: next.values[i]! } : undefined;
}

if (haveSnmpd()) {
  let snmpd: Snmpd;
  let s: SnmpStack;
  let recorder: ReturnType<typeof startRecorder>;
  /** Every sample of the device seen through the API, with when it was first seen. */
  const samples: Array<{ seenAt: number; m: MetricsPayload; h: HostDetail }> = [];
  let loIndex = '';

  const RECORDED = ['ifHCInOctets', 'ifHCOutOctets', 'memAvailReal', 'laLoad1', 'ssCpuRawUser', 'ssCpuRawNice', 'ssCpuRawSystem', 'ssCpuRawIdle', 'ssCpuRawWait'] as const;
  const col = (name: (typeof RECORDED)[number]): number => RECORDED.indexOf(name);
  /** UCD-SNMP-MIB ssCpuRaw* (ticks summed over the CPUs). */
  const SS_CPU_RAW = { ssCpuRawUser: 50, ssCpuRawNice: 51, ssCpuRawSystem: 52, ssCpuRawIdle: 53, ssCpuRawWait: 54 };

  /**
   * Watches the device's host through the API every 200 ms for the whole
   * suite, so each sample's "seen at" is within a fraction of a second of
   * its arrival (brackets stay narrow even while a test is busy elsewhere).
   */
  let watching = false;
  let watcher: Promise<void> = Promise.resolve();
  function startWatcher(): void {
    watching = true;
    watcher = (async () => {
      while (watching) {
        const h = await hostOf(s, ID).catch(() => null);
        const m = h?.latest;
        if (h && m && !samples.some((x) => x.m.ts === m.ts)) samples.push({ seenAt: Date.now(), m, h });
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
  }

  test.before(async () => {
    snmpd = await startSnmpd();
    const names = await snmpd.walk(OID.ifName);
    loIndex = names.find((r) => r.value === 'lo')!.oid.split('.').pop()!;
    recorder = startRecorder(snmpd, [
      `${OID.ifHCInOctets}.${loIndex}`, `${OID.ifHCOutOctets}.${loIndex}`, OID.memAvailReal, OID.laLoad1,
      ...Object.values(SS_CPU_RAW).map((n) => `1.3.6.1.4.1.2021.11.${n}.0`),
    ]);
    s = await startSnmpStack();
  });

  test.after(async () => {
    watching = false;
    await watcher;
    await recorder?.stop();
    await s?.close();
    await snmpd?.close();
  });

  /** The first sample newer than `afterTs` that satisfies `ok`, once a reading after it exists (its bracket's upper side). */
  async function nextSample(what: string, ok: (m: MetricsPayload, h: HostDetail) => boolean, afterTs = 0, timeoutMs = DEADLINE_MS): Promise<{ m: MetricsPayload; h: HostDetail; seenAt: number }> {
    const found = await waitFor(what, () => samples.find((x) => x.m.ts > afterTs && ok(x.m, x.h)), timeoutMs, 100);
    await waitFor('an snmpget reading after the sample', () => recorder.readings.some((r) => r.start >= found.seenAt), 20_000, 100);
    return found;
  }

  /** The recorded readings taken from `from` to `to` (ms), of one column. */
  const readingsBetween = (column: number, from: number, to: number): number[] =>
    recorder.readings.filter((r) => r.end >= from && r.start <= to).map((r) => r.values[column]!);

  test('an SNMPv3 authPriv device added through the API becomes a host polled by the box\'s agent; its secrets come back as ********', async () => {
    const created = await call<Record<string, unknown>>(s, s.admin, 'POST', '/api/devices', deviceBody(snmpd, ID, { version: '3', ...snmpd.v3.private }, {
      label: 'Lab router',
      custom: [
        { name: 'toner.black', oid: CUSTOM_OIDS.tonerLevel.oid, type: 'gauge', unit: '%' },
        { name: 'states', oid: CUSTOM_OIDS.pfStates.oid, type: 'counter', unit: '/s' },
      ],
    }));
    assert.is(created.status, 201, JSON.stringify(created.body));
    const snmp = created.data.snmp as Record<string, unknown>;
    assert.equal([snmp.version, snmp.user, snmp.level, snmp.authKey, snmp.privKey], ['3', 'private', 'authPriv', '********', '********']);
    assert.is(created.data.poller, POLLER);
    startWatcher();

    const h = await waitForHost(s, ID, 'online, polled, with its info', (x) => x.presence === 'online' && x.status?.reason === 'polled' && x.info !== null);
    const [sysName, sysDescr, sysObjectID] = await snmpd.get([OID.sysName, OID.sysDescr, OID.sysObjectID]);
    assert.is(h.info!.hostname, sysName);
    assert.is(h.info!.os.platform, 'snmp');
    assert.equal(
      { kind: h.info!.source?.kind, poller: h.info!.source?.poller, address: h.info!.source?.address, sysDescr: h.info!.source?.sysDescr, sysObjectID: h.info!.source?.sysObjectID },
      { kind: 'snmp', poller: POLLER, address: snmpd.host, sysDescr, sysObjectID },
    );
    // It is listed beside the agents, with its label.
    const hosts = (await call<Array<{ id: string }>>(s, s.admin, 'GET', '/api/hosts')).data.map((x) => x.id);
    assert.ok(hosts.includes(ID) && hosts.includes(POLLER), `hosts: ${hosts.join(', ')}`);
  });

  test('memory, disks, uptime and custom OIDs match snmpget: sizes exactly, moving values within the readings around the poll', async () => {
    const { m, seenAt } = await nextSample('a sample with memory and disks', (x) => x.mem !== undefined && (x.disks?.length ?? 0) > 0 && (x.custom?.length ?? 0) > 0);
    const total = Number(await snmpd.get(OID.memTotalReal));
    assert.is(m.mem!.total, total * 1024, 'memTotalReal in bytes');
    // memAvailReal moves: the device's value lies between the readings around this poll (net-snmp caches it a few seconds).
    const avail = readingsBetween(col('memAvailReal'), m.ts - 15_000, seenAt + 1_000).map((kb) => kb * 1024);
    assert.ok(avail.length > 0, 'readings around the poll');
    const slack = 0.005 * m.mem!.total; // in case the agent does not cache it and the poll caught a peak between two readings
    assert.ok(m.mem!.available >= Math.min(...avail) - slack && m.mem!.available <= Math.max(...avail) + slack, `available ${m.mem!.available} outside [${Math.min(...avail)}, ${Math.max(...avail)}]`);

    // Disks: hrStorage fixed disks, total = units × size exactly; used moves a little (this box writes files).
    const storage = await snmpd.walk(OID.hrStorageTable);
    const cell = (column: number, index: string): string | undefined => storage.find((r) => r.oid === `${OID.hrStorageTable}.${column}.${index}`)?.value;
    const fixed = storage.filter((r) => r.oid.startsWith(`${OID.hrStorageTable}.2.`) && r.value === HR_STORAGE_FIXED_DISK)
      .map((r) => r.oid.split('.').pop()!)
      .map((index) => ({ mount: cell(3, index)!, units: Number(cell(4, index)), size: Number(cell(5, index)), used: Number(cell(6, index)) }))
      .filter((d) => d.size > 0);
    assert.equal(m.disks!.map((d) => d.mount).sort(), fixed.map((d) => d.mount).sort(), 'one disk per fixed-disk hrStorage row');
    for (const d of fixed) {
      const got = m.disks!.find((x) => x.mount === d.mount)!;
      assert.is(got.total, d.units * d.size, `${d.mount} total`);
      assert.ok(Math.abs(got.used - d.units * d.used) <= 0.01 * got.total, `${d.mount} used ${got.used} vs ${d.units * d.used}`);
    }

    // Uptime: the machine's (hrSystemUptime), as of the poll.
    const ticks = Number(await snmpd.get('1.3.6.1.2.1.25.1.1.0'));
    const expected = ticks / 100 - (Date.now() - m.ts) / 1000;
    assert.ok(Math.abs(m.uptime! - expected) <= 5, `uptime ${m.uptime} vs ${expected}`);

    // Custom OIDs: a gauge as read; a constant counter has a rate of 0 once there are two readings.
    assert.equal(m.custom!.find((c) => c.name === 'toner.black'), { name: 'toner.black', value: CUSTOM_OIDS.tonerLevel.value, unit: '%' });
  });

  test('interfaces: one per ifName, states as IF-MIB says, rates within the counter deltas snmpget read around two polls', async () => {
    const first = await nextSample('a sample with interface rates', (x) => (x.net?.length ?? 0) > 0);
    // The next poll, with the previous one's counters as base.
    const second = await nextSample('the next sample with interface rates', (x) => (x.net?.length ?? 0) > 0, first.m.ts);
    const m = second.m;
    // Two consecutive polls (the poller's rate is over the time since its previous poll), interval ±10 %.
    assert.ok(m.ts - first.m.ts < 1.5 * INTERVAL * 1000, `polls ${m.ts - first.m.ts} ms apart: one was missed`);
    const names = (await snmpd.walk(OID.ifName)).map((r) => ({ index: Number(r.oid.split('.').pop()), name: r.value }));
    assert.equal(m.net!.map((n) => n.iface).sort(), names.map((n) => n.name).sort(), 'every interface, named by ifName');
    const oper = await snmpd.walk(OID.ifOperStatus);
    const admin = await snmpd.walk('1.3.6.1.2.1.2.2.1.7');
    for (const n of m.net!) {
      const index = names.find((x) => x.name === n.iface)!.index;
      assert.is(n.index, index, `${n.iface} ifIndex`);
      assert.is(n.oper, IF_STATES[Number(oper.find((r) => r.oid.endsWith(`.${index}`))!.value) - 1], `${n.iface} oper`);
      assert.is(n.admin, IF_STATES[Number(admin.find((r) => r.oid.endsWith(`.${index}`))!.value) - 1], `${n.iface} admin`);
      assert.ok(n.rxRate >= 0 && n.txRate >= 0, `${n.iface} rates`);
    }

    // lo carries this very test's traffic (MQTT, HTTP, SNMP): its rate × the time between the two polls lies
    // between the counter deltas snmpget saw — at least what grew between the end of the first poll and the
    // start of the second, at most what grew from before the first began to after the second was seen.
    const prev = samples.find((x) => x.m.ts === first.m.ts)!;
    const lo = m.net!.find((n) => n.iface === 'lo')!;
    const seconds = (m.ts - first.m.ts) / 1000;
    for (const [rate, column] of [[lo.rxRate, col('ifHCInOctets')], [lo.txRate, col('ifHCOutOctets')]] as const) {
      const p1 = bracket(recorder.readings, column, first.m.ts, prev.seenAt);
      const p2 = bracket(recorder.readings, column, m.ts, second.seenAt);
      assert.ok(p1 && p2, 'readings around both polls');
      const most = p2!.afterValue - p1!.before;
      const least = p2!.before - p1!.afterValue;
      const bytes = rate * seconds;
      // 3 % for the poller measuring its interval on its own clock (monotonic, vs the samples' wall-clock ts).
      assert.ok(bytes <= most * 1.03 + 1, `lo ${bytes.toFixed(0)} bytes over ${seconds} s > at most ${most}`);
      assert.ok(bytes >= least * 0.97 - 1, `lo ${bytes.toFixed(0)} bytes over ${seconds} s < at least ${least}`);
      assert.ok(most > 0, 'lo carried traffic');
    }
    // The constant custom counter: a rate, and it is 0.
    assert.equal(m.custom!.find((c) => c.name === 'states'), { name: 'states', value: 0, unit: '/s' });

    // CPU over the same two polls. In snmpd's first minute hrProcessorLoad is empty, so usage comes from the
    // UCD raw ticks: busy (user + nice + system) over all ticks between the polls, bounded by the readings.
    assert.ok(m.cpu, 'a CPU group from the second poll on');
    if (m.cpu!.cores === undefined) {
      const delta = (names: Array<keyof typeof SS_CPU_RAW>): { least: number; most: number } => {
        const sum = (at: number, after: number, side: 'before' | 'afterValue'): number =>
          names.reduce((acc, n) => acc + bracket(recorder.readings, col(n), at, after)![side], 0);
        return {
          least: sum(m.ts, second.seenAt, 'before') - sum(first.m.ts, prev.seenAt, 'afterValue'),
          most: sum(m.ts, second.seenAt, 'afterValue') - sum(first.m.ts, prev.seenAt, 'before'),
        };
      };
      const busy = delta(['ssCpuRawUser', 'ssCpuRawNice', 'ssCpuRawSystem']);
      const all = delta(['ssCpuRawUser', 'ssCpuRawNice', 'ssCpuRawSystem', 'ssCpuRawIdle', 'ssCpuRawWait']);
      const low = (100 * Math.max(0, busy.least)) / all.most;
      const high = (100 * busy.most) / Math.max(1, all.least);
      assert.ok(m.cpu!.usage >= low - 1 && m.cpu!.usage <= high + 1, `usage ${m.cpu!.usage} outside [${low.toFixed(1)}, ${high.toFixed(1)}] (raw ticks)`);
    }
  });

  test('the device\'s series are stored: per-interface rates, utilisation or link state, and custom values', async () => {
    const series = await waitFor('series stored', async () => {
      const list = (await call<Array<{ metric: string; key: string }>>(s, s.admin, 'GET', `/api/hosts/${ID}/series`)).data;
      return list.some((x) => x.metric === 'net.rxRate' && x.key === 'lo') && list.some((x) => x.metric === 'custom.value' && x.key === 'toner.black') ? list : null;
    }, DEADLINE_MS, 500);
    assert.ok(series.some((x) => x.metric === 'net.up' && x.key === 'lo'), `net.up for lo: ${JSON.stringify(series)}`);
    assert.ok(series.some((x) => x.metric === 'disk.usedPercent'), 'disk series');
  });

  test('after a minute, CPU usage is hrProcessorLoad (mean over the processors) and load is laLoad, as snmpget reads them', async () => {
    // hrProcessorFrwID exists from the start: it gives the processor rows whose load appears after a minute.
    const processors = (await snmpd.walk('1.3.6.1.2.1.25.3.3.1.1')).map((r) => r.oid.split('.').pop()!);
    assert.ok(processors.length > 0, 'hrProcessorTable rows');
    const loads: Reading[] = [];
    const since = Date.now();
    let running = true;
    const loop = (async () => {
      while (running) {
        const start = Date.now();
        const values = await snmpd.get(processors.map((i) => `${OID.hrProcessorLoad}.${i}`), { timeout: 2, retries: 1 }).then((v) => v.map(Number), () => null);
        if (values) loads.push({ start, end: Date.now(), values });
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    try {
      // snmpd started before the stack: its first minute is nearly over; allow two more polls after it.
      const { m, seenAt } = await nextSample('a sample with CPU from hrProcessorLoad', (x) => x.cpu?.cores !== undefined, since, 100_000);
      await waitFor('an hrProcessorLoad reading after the sample', () => loads.some((r) => r.start >= seenAt), 20_000, 100);
      assert.is(m.cpu!.cores, processors.length, 'one core per hrProcessorLoad row');
      // net-snmp recomputes it every 5 s: the poller's mean is one snmpget saw around the poll.
      const means = loads.filter((r) => r.end >= m.ts - 6_000 && r.start <= seenAt + 6_000).map((r) => r.values.reduce((a, b) => a + b, 0) / r.values.length);
      assert.ok(means.length > 0, 'hrProcessorLoad readings around the poll');
      assert.ok(m.cpu!.usage >= Math.min(...means) - 0.01 && m.cpu!.usage <= Math.max(...means) + 0.01, `usage ${m.cpu!.usage} outside [${Math.min(...means)}, ${Math.max(...means)}]`);
      const la = readingsBetween(col('laLoad1'), m.ts - 15_000, seenAt + 1_000);
      const load1 = m.cpu!.load1;
      assert.ok(load1 !== undefined && load1 >= Math.min(...la) && load1 <= Math.max(...la), `load1 ${load1} outside [${Math.min(...la)}, ${Math.max(...la)}]`);
    } finally {
      running = false;
      await loop;
    }
  });

  test('no API answer showed a secret; the device\'s view keeps them as ********', async () => {
    const view = await call<{ snmp: Record<string, unknown> }>(s, s.admin, 'GET', `/api/devices/${ID}`);
    assert.is(view.data.snmp.privKey, '********');
    await call(s, s.admin, 'GET', '/api/devices');
    await call(s, s.admin, 'GET', `/api/hosts/${ID}`);
    await call(s, s.admin, 'GET', '/api/events');
    assertNoSecret(s.transcript, secretsOf(snmpd), 'the API');
  });

  test.run();
} else {
  test.run();
}
