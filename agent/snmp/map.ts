import {
  DEVICE_LIMITS, PROTOCOL_VERSION, type CustomMetric, type DeviceSpec, type DiskMetrics, type InfoPayload, type MetricsPayload, type NetMetrics,
} from '../../protocol/payloads.js';
import { percent, round } from '../../protocol/units.js';
import type { CounterMemory } from './counters.js';
import type { HOST, HR_STORAGE, IF_TABLE, IF_X_TABLE, SYSTEM, UCD_CPU_RAW, UCD_DSK, UCD_MEMORY } from './mibs.js';
import { HR_STORAGE_TYPES, IF_ADMIN_STATUS, IF_OPER_STATUS } from './mibs.js';
import { asCounter, asInteger, asMac, asNumber, asOid, asText, asUnsigned, type Counter, type Varbind } from './values.js';

/**
 * SNMP readings → Vigie's info and metrics (pure). Standard MIBs only, as
 * LibreNMS and snmp_exporter's if_mib / host-resources modules do, so a
 * device shows its CPU, memory, disks and interfaces with no OID typed by
 * hand. A value of the wrong type or out of range is left out, never
 * guessed (values.ts); a counter without a previous reading gives no rate.
 */

/** The cells of one table row, by column name; a column the device lacks is absent. */
export type Cells<K extends string> = Partial<Record<K, Varbind>>;
export interface TableRow<K extends string> {
  /** The row's index: the OID arcs after the column (`3` for ifIndex 3, `10.0.0.1` in ipAddrTable). */
  index: string;
  cells: Cells<K>;
}

/** What one poll read from a device (agent/snmp/read.ts). */
export interface Readings {
  system: Cells<keyof typeof SYSTEM>;
  host: Cells<keyof typeof HOST>;
  ucdMemory: Cells<keyof typeof UCD_MEMORY>;
  cpuRaw: Cells<keyof typeof UCD_CPU_RAW>;
  processors: Array<TableRow<'load'>>;
  storage: Array<TableRow<keyof typeof HR_STORAGE>>;
  laLoad: Array<TableRow<'load'>>;
  dsk: Array<TableRow<keyof typeof UCD_DSK>>;
  ifTable: Array<TableRow<keyof typeof IF_TABLE>>;
  ifXTable: Array<TableRow<keyof typeof IF_X_TABLE>>;
  ipAddr: Array<TableRow<'ifIndex'>>;
  /** Custom OIDs by their name. */
  custom: Record<string, Varbind | undefined>;
}

export interface MapContext {
  spec: DeviceSpec;
  /** Host id of the polling agent (info.source.poller). */
  poller: string;
  agentVersion: string;
  /** Wall-clock ms when the poll started: the sample's ts. */
  ts: number;
  /** The device's counters; begin() was called for this poll. */
  counters: CounterMemory;
}

const KIB = 1024;
/** ifSpeed's "too fast for 32 bits, read ifHighSpeed" value (RFC 2863). */
const IF_SPEED_MAX = 4_294_967_295;
/** Rates above this many times the link speed are a counter reset read as a wrap, not traffic (util ≤ 1000 % in the contract). */
const MAX_UTIL_FACTOR = 10;
/** Events per second past the contract's bound: a bogus counter. */
const MAX_EVENTS_PER_S = 1e12;

/** protocol/units.ts's percent, with the two decimals payloads carry. */
const percentOf = (part: number, total: number): number => round(percent(part, total));
const safe = (n: number): number | undefined => (Number.isSafeInteger(n) && n >= 0 ? n : undefined);

/** Maps one poll's readings to the device's info and metrics payloads (not yet validated: the poller does). */
export function mapReadings(r: Readings, ctx: MapContext): { info: InfoPayload; metrics: MetricsPayload } {
  const uptime = uptimeSeconds(r);
  const mem = mapMemory(r);
  const swap = mapSwap(r);
  const disks = mapDisks(r);
  const cpu = mapCpu(r, ctx.counters);
  const ifaces = interfaceRows(r);
  const net = mapInterfaces(ifaces, ctx.counters);
  const custom = mapCustom(r, ctx);

  const metrics: MetricsPayload = { v: PROTOCOL_VERSION, ts: ctx.ts };
  if (cpu) metrics.cpu = cpu;
  if (mem) metrics.mem = mem;
  if (swap) metrics.swap = swap;
  if (disks.length > 0) metrics.disks = disks;
  if (net.length > 0) metrics.net = net;
  if (uptime !== undefined) metrics.uptime = uptime;
  if (custom.length > 0) metrics.custom = custom;

  const sysDescr = asText(r.system.sysDescr, 512);
  const sysObjectID = asOid(r.system.sysObjectID);
  const sysLocation = asText(r.system.sysLocation, 256);
  const sysContact = asText(r.system.sysContact, 256);
  const info: InfoPayload = {
    v: PROTOCOL_VERSION,
    ts: ctx.ts,
    hostname: asText(r.system.sysName, 255) || ctx.spec.id,
    os: { platform: 'snmp', distro: '', release: '' },
    kernel: (sysDescr ?? '').slice(0, 128),
    arch: '',
    cpu: { model: '', cores: r.processors.length },
    memTotal: mem?.total ?? 0,
    disks: disks.map((d) => ({ mount: d.mount, fs: d.fs, size: d.total })),
    addresses: mapAddresses(r, ifaces),
    bootTime: Math.round(ctx.ts - (uptime ?? 0) * 1000),
    agent: ctx.agentVersion,
    source: {
      kind: 'snmp',
      poller: ctx.poller,
      address: ctx.spec.address,
      ...(sysObjectID ? { sysObjectID: sysObjectID.slice(0, 256) } : {}),
      ...(sysDescr ? { sysDescr } : {}),
      ...(sysLocation ? { sysLocation } : {}),
      ...(sysContact ? { sysContact } : {}),
    },
  };
  return { info, metrics };
}

/** Seconds since the machine booted (hrSystemUptime), else since its SNMP agent started (sysUpTime). */
export function uptimeSeconds(r: Pick<Readings, 'host' | 'system'>): number | undefined {
  const ticks = asUnsigned(r.host.hrSystemUptime) ?? asUnsigned(r.system.sysUpTime);
  return ticks === undefined ? undefined : ticks / 100;
}

/**
 * cpu.usage: the mean of hrProcessorLoad (the device's own 1-minute figure),
 * else the busy share of the UCD raw CPU ticks since the previous poll
 * (which also gives iowait). Loads from UCD laLoad, all three or none:
 * without laLoad (Windows, pfSense's bsnmpd) the group has usage only.
 */
function mapCpu(r: Readings, counters: CounterMemory): MetricsPayload['cpu'] | undefined {
  const loads = r.processors.map((row) => asInteger(row.cells.load)).filter((n): n is number => n !== undefined && n >= 0 && n <= 100);
  const raw = cpuTicks(r, counters);
  const la = new Map(r.laLoad.map((row) => [row.index, asNumber(row.cells.load)]));
  const [load1, load5, load15] = ['1', '2', '3'].map((i) => la.get(i));
  const hasLoads = [load1, load5, load15].every((l) => l !== undefined && l >= 0 && l <= 1e6);
  const cpu = hasLoads ? { load1: load1!, load5: load5!, load15: load15! } : {};
  if (loads.length > 0) return { usage: round(loads.reduce((a, b) => a + b, 0) / loads.length), ...cpu, cores: loads.length };
  return raw ? { usage: raw.usage, ...cpu, iowait: raw.iowait } : undefined;
}

/** Busy and iowait % from ssCpuRaw* tick rates; undefined on the first poll, after a restart, or when no tick passed. */
export function cpuTicks(r: Pick<Readings, 'cpuRaw'>, counters: CounterMemory): { usage: number; iowait: number } | undefined {
  const rate = (name: keyof typeof UCD_CPU_RAW): number | undefined => counters.rate(`cpu.${name}`, asCounter(r.cpuRaw[name]));
  const user = rate('ssCpuRawUser');
  const nice = rate('ssCpuRawNice');
  const system = rate('ssCpuRawSystem');
  const idle = rate('ssCpuRawIdle');
  const wait = rate('ssCpuRawWait') ?? 0;
  if (user === undefined || nice === undefined || system === undefined || idle === undefined) return undefined;
  const total = user + nice + system + idle + wait;
  if (!(total > 0)) return undefined;
  return { usage: percentOf(user + nice + system, total), iowait: percentOf(wait, total) };
}

/** One hrStorage row in bytes: size and used are counted in allocation units. */
export function storageBytes(cells: Cells<keyof typeof HR_STORAGE>): { total: number; used: number } | undefined {
  const units = asUnsigned(cells.allocationUnits);
  const size = asUnsigned(cells.size);
  const used = asUnsigned(cells.used);
  if (!units || size === undefined || used === undefined) return undefined;
  const total = safe(size * units);
  const usedBytes = safe(Math.min(used, size) * units);
  return total === undefined || usedBytes === undefined ? undefined : { total, used: usedBytes };
}

const storageOfType = (r: Readings, type: string): Array<TableRow<keyof typeof HR_STORAGE>> => r.storage.filter((row) => asOid(row.cells.type) === type);

/** UCD memTotalReal/memAvailReal when present (available excludes caches, as on agents); else hrStorageRam. */
function mapMemory(r: Readings): MetricsPayload['mem'] | undefined {
  const totalKb = asUnsigned(r.ucdMemory.memTotalReal);
  const availKb = asUnsigned(r.ucdMemory.memAvailReal);
  if (totalKb && availKb !== undefined) {
    const total = totalKb * KIB;
    const available = Math.min(availKb * KIB, total);
    return { total, used: total - available, available, usedPercent: percentOf(total - available, total) };
  }
  for (const row of storageOfType(r, HR_STORAGE_TYPES.ram)) {
    const bytes = storageBytes(row.cells);
    if (bytes && bytes.total > 0) return { total: bytes.total, used: bytes.used, available: bytes.total - bytes.used, usedPercent: percentOf(bytes.used, bytes.total) };
  }
  return undefined;
}

/**
 * hrStorageVirtualMemory: net-snmp lists "Virtual memory" (RAM + swap) and
 * "Swap space", Windows a "Virtual Memory" row; the one named swap or page
 * file is preferred. UCD memTotalSwap/memAvailSwap otherwise.
 */
function mapSwap(r: Readings): MetricsPayload['swap'] | undefined {
  const rows = storageOfType(r, HR_STORAGE_TYPES.virtualMemory);
  const row = rows.find((x) => /swap|page/i.test(asText(x.cells.descr) ?? '')) ?? rows[0];
  const bytes = row ? storageBytes(row.cells) : undefined;
  if (bytes) return { total: bytes.total, used: bytes.used, usedPercent: percentOf(bytes.used, bytes.total) };
  const totalKb = asUnsigned(r.ucdMemory.memTotalSwap);
  const availKb = asUnsigned(r.ucdMemory.memAvailSwap);
  if (totalKb === undefined || availKb === undefined) return undefined;
  const total = totalKb * KIB;
  const used = Math.max(0, total - availKb * KIB);
  return { total, used, usedPercent: percentOf(used, total) };
}

/** hrStorageFixedDisk rows of a non-zero size; UCD dskTable when there are none. */
function mapDisks(r: Readings): DiskMetrics[] {
  const disks: DiskMetrics[] = [];
  const seen = new Set<string>();
  const add = (mount: string, total: number, used: number): void => {
    if (disks.length >= 128 || total <= 0 || seen.has(mount)) return;
    seen.add(mount);
    const u = Math.min(used, total);
    disks.push({ mount, fs: '', total, used: u, free: total - u, usedPercent: percentOf(u, total) });
  };
  for (const row of storageOfType(r, HR_STORAGE_TYPES.fixedDisk)) {
    const bytes = storageBytes(row.cells);
    if (bytes) add(asText(row.cells.descr, 512) || `storage ${row.index}`, bytes.total, bytes.used);
  }
  if (disks.length > 0) return disks;
  for (const row of r.dsk) {
    const kb = (high: Varbind | undefined, low: Varbind | undefined, plain: Varbind | undefined): number | undefined => {
      const h = asUnsigned(high);
      const l = asUnsigned(low);
      return h !== undefined && l !== undefined ? h * 2 ** 32 + l : asUnsigned(plain);
    };
    const total = kb(row.cells.totalHigh, row.cells.totalLow, row.cells.total);
    const used = kb(row.cells.usedHigh, row.cells.usedLow, row.cells.used);
    const path = asText(row.cells.path, 512);
    if (total !== undefined && used !== undefined && path) {
      const t = safe(total * KIB);
      const u = safe(used * KIB);
      if (t !== undefined && u !== undefined) add(path, t, u);
    }
  }
  return disks;
}

/** One interface with both IF-MIB tables joined on ifIndex, and its unique name. */
export interface InterfaceRow {
  index: number;
  name: string;
  table: Cells<keyof typeof IF_TABLE>;
  x: Cells<keyof typeof IF_X_TABLE>;
}

/**
 * The device's interfaces, the first DEVICE_LIMITS.interfaces by ifIndex,
 * named ifName (else ifDescr, else `if<index>`), cut to 64 characters; names
 * several interfaces share get `#<ifIndex>` so each series key is one port.
 */
export function interfaceRows(r: Pick<Readings, 'ifTable' | 'ifXTable'>): InterfaceRow[] {
  const byIndex = new Map<number, { table: Cells<keyof typeof IF_TABLE>; x: Cells<keyof typeof IF_X_TABLE> }>();
  const entry = (index: string) => {
    const n = Number(index);
    if (!/^[1-9][0-9]{0,9}$/.test(index) || n > 2_147_483_647) return undefined;
    let e = byIndex.get(n);
    if (!e) byIndex.set(n, (e = { table: {}, x: {} }));
    return e;
  };
  for (const row of r.ifTable) Object.assign(entry(row.index)?.table ?? {}, row.cells);
  for (const row of r.ifXTable) Object.assign(entry(row.index)?.x ?? {}, row.cells);
  const rows = [...byIndex.entries()].sort((a, b) => a[0] - b[0]).slice(0, DEVICE_LIMITS.interfaces);
  const base = rows.map(([index, e]) => (asText(e.x.name, 64) || asText(e.table.descr, 64) || `if${index}`));
  const count = new Map<string, number>();
  for (const b of base) count.set(b, (count.get(b) ?? 0) + 1);
  const used = new Set<string>();
  const out: InterfaceRow[] = [];
  rows.forEach(([index, e], i) => {
    let name = base[i]!;
    if (count.get(name)! > 1 || used.has(name)) {
      const suffix = `#${index}`;
      name = name.slice(0, 64 - suffix.length) + suffix;
    }
    if (used.has(name)) return; // `eth#3` named so by the device itself; the duplicate is left out rather than merged
    used.add(name);
    out.push({ index, name, table: e.table, x: e.x });
  });
  return out;
}

/** Link speed in bytes per second: ifHighSpeed (Mb/s), else ifSpeed (b/s) below its 32-bit ceiling; undefined when 0 or unknown. */
export function interfaceSpeed(row: Pick<InterfaceRow, 'table' | 'x'>): number | undefined {
  const high = asUnsigned(row.x.highSpeed);
  if (high) return (high * 1e6) / 8;
  const speed = asUnsigned(row.table.speed);
  return speed && speed < IF_SPEED_MAX ? speed / 8 : undefined;
}

/** The octet counters of an interface: 64-bit ifHC* when the device has them, else 32-bit ifIn/OutOctets. */
function octets(row: InterfaceRow): { rx?: Counter; tx?: Counter } {
  const hcIn = asCounter(row.x.hcInOctets);
  const hcOut = asCounter(row.x.hcOutOctets);
  if (hcIn?.bits === 64 && hcOut?.bits === 64) return { rx: hcIn, tx: hcOut };
  const rx = asCounter(row.table.inOctets);
  const tx = asCounter(row.table.outOctets);
  return { ...(rx ? { rx } : {}), ...(tx ? { tx } : {}) };
}

/** net[]: interfaces with rx and tx rates this poll (the first poll, or one after a restart, has none: no entry rather than a 0). */
function mapInterfaces(rows: InterfaceRow[], counters: CounterMemory): NetMetrics[] {
  const net: NetMetrics[] = [];
  for (const row of rows) {
    const speed = interfaceSpeed(row);
    const max = speed ? speed * MAX_UTIL_FACTOR : 1e13;
    const { rx, tx } = octets(row);
    const key = `if.${row.index}`;
    const rxRate = counters.rate(`${key}.rx`, rx, max);
    const txRate = counters.rate(`${key}.tx`, tx, max);
    const errs = (['inErrors', 'outErrors', 'inDiscards', 'outDiscards'] as const).map((c) => counters.rate(`${key}.${c}`, asCounter(row.table[c]), MAX_EVENTS_PER_S));
    if (rxRate === undefined || txRate === undefined) continue;
    const n: NetMetrics = { iface: row.name, rxRate: round(rxRate, 3), txRate: round(txRate, 3), index: row.index };
    const alias = asText(row.x.alias, 64);
    if (alias) n.alias = alias;
    const oper = IF_OPER_STATUS[(asInteger(row.table.operStatus) ?? 0) - 1];
    const admin = IF_ADMIN_STATUS[(asInteger(row.table.adminStatus) ?? 0) - 1];
    if (oper) n.oper = oper;
    if (admin) n.admin = admin;
    if (speed !== undefined && speed <= 1e13) {
      n.speed = speed;
      n.util = Math.min(1000, round((Math.max(rxRate, txRate) / speed) * 100));
    }
    const [rxErrors, txErrors, rxDiscards, txDiscards] = errs;
    if (rxErrors !== undefined) n.rxErrors = round(rxErrors, 3);
    if (txErrors !== undefined) n.txErrors = round(txErrors, 3);
    if (rxDiscards !== undefined) n.rxDiscards = round(rxDiscards, 3);
    if (txDiscards !== undefined) n.txDiscards = round(txDiscards, 3);
    net.push(n);
  }
  return net;
}

/** info.addresses: the MAC of each interface (ifPhysAddress) and its IPv4 addresses (ipAddrTable). */
function mapAddresses(r: Readings, rows: InterfaceRow[]): InfoPayload['addresses'] {
  const out: InfoPayload['addresses'] = [];
  const nameOf = new Map(rows.map((row) => [row.index, row.name]));
  const ip4 = new Map<number, string>();
  for (const row of r.ipAddr) {
    const ifIndex = asInteger(row.cells.ifIndex);
    if (ifIndex !== undefined && /^(?:\d{1,3}\.){3}\d{1,3}$/.test(row.index) && !ip4.has(ifIndex)) ip4.set(ifIndex, row.index);
  }
  for (const row of rows) {
    const mac = asMac(row.table.physAddress);
    const ip = ip4.get(row.index);
    if (!mac && !ip) continue;
    out.push({ iface: nameOf.get(row.index)!, ...(ip ? { ip4: ip } : {}), ...(mac ? { mac } : {}) });
  }
  return out.slice(0, 128);
}

/** Custom OIDs: a gauge as read; a counter as a rate per second (any integer type; Counter32 wraps). */
function mapCustom(r: Readings, ctx: MapContext): CustomMetric[] {
  const out: CustomMetric[] = [];
  for (const c of ctx.spec.custom.slice(0, DEVICE_LIMITS.customOids)) {
    const vb = r.custom[c.name];
    let value: number | undefined;
    if (c.type === 'gauge') value = asNumber(vb);
    else {
      const n = asInteger(vb);
      const counter = asCounter(vb) ?? (n !== undefined && n >= 0 ? { value: BigInt(n), bits: 64 as const } : undefined);
      value = ctx.counters.rate(`custom.${c.name}`, counter, 1e15);
    }
    if (value === undefined || !Number.isFinite(value) || Math.abs(value) > 1e15) continue;
    out.push({ name: c.name, value: round(value, 3), unit: c.unit });
  }
  return out;
}
