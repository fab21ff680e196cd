import { DEVICE_LIMITS, type DeviceSpec } from '../../protocol/payloads.js';
import type { Readings } from './map.js';
import { HOST, HR_PROCESSOR_LOAD, HR_STORAGE, HR_STORAGE_TYPES, IF_TABLE, IF_X_TABLE, IP_AD_ENT_IF_INDEX, SYSTEM, UCD_DSK, UCD_CPU_RAW, UCD_LA_LOAD, UCD_MEMORY } from './mibs.js';
import { classifySnmpError, SessionClosedError, type SnmpSession } from './session.js';
import { asOid } from './values.js';
import { getScalars, walkColumn, walkTable } from './walk.js';

/** Rows read at most from the host tables (CPUs, storage, disks, addresses): far above any real device. */
const MAX_ROWS = 256;
/** Requests per table at most: one per row and two more, for agents that answer GETBULK one row at a time (the poll's deadline bounds the time). */
const MAX_REQUESTS = MAX_ROWS + 2;

/**
 * Reads everything one poll needs from a device. The system group must
 * answer, or the poll fails; a group the device does not have (a switch
 * has no HOST-RESOURCES) is empty. A timeout or a credential refusal in any
 * request fails the poll (the device is not answering); any other error in
 * an optional group leaves that group empty and is passed to `skipped`.
 */
export async function readDevice(session: SnmpSession, spec: DeviceSpec, skipped: (group: string, error: string) => void = () => undefined): Promise<Readings> {
  const limits = { maxRows: MAX_ROWS, maxRequests: MAX_REQUESTS };
  const optional = async <T>(group: string, read: () => Promise<T>, empty: T): Promise<T> => {
    try {
      return await read();
    } catch (error) {
      if (error instanceof SessionClosedError || classifySnmpError(error).reason !== 'snmp-error') throw error;
      skipped(group, classifySnmpError(error).error);
      return empty;
    }
  };
  // One GET for every scalar: the system group, the machine's uptime, UCD memory and raw CPU counters.
  const scalars = await getScalars(session, { ...SYSTEM, ...HOST, ...UCD_MEMORY, ...UCD_CPU_RAW });
  if (scalars.sysUpTime === undefined && scalars.sysDescr === undefined && scalars.sysName === undefined) {
    throw new Error('the device answered without its SNMPv2-MIB system group (sysDescr, sysUpTime, sysName)');
  }
  const { hrSystemUptime, memTotalReal, memAvailReal, memTotalSwap, memAvailSwap, ssCpuRawUser, ssCpuRawNice, ssCpuRawSystem, ssCpuRawIdle, ssCpuRawWait, ...system } = scalars;
  const cpuRaw = { ssCpuRawUser, ssCpuRawNice, ssCpuRawSystem, ssCpuRawIdle, ssCpuRawWait };
  const customOids = Object.fromEntries(spec.custom.slice(0, DEVICE_LIMITS.customOids).map((c) => [c.name, c.oid]));
  const storage = await optional('hrStorage', () => walkTable(session, HR_STORAGE, limits), []);
  // dskTable only stands in for hrStorage fixed disks (docs/agent.md): not read when those are there.
  const hasDisks = storage.some((row) => asOid(row.cells.type) === HR_STORAGE_TYPES.fixedDisk);
  return {
    system,
    host: { ...(hrSystemUptime ? { hrSystemUptime } : {}) },
    ucdMemory: {
      ...(memTotalReal ? { memTotalReal } : {}), ...(memAvailReal ? { memAvailReal } : {}),
      ...(memTotalSwap ? { memTotalSwap } : {}), ...(memAvailSwap ? { memAvailSwap } : {}),
    },
    cpuRaw: Object.fromEntries(Object.entries(cpuRaw).filter(([, vb]) => vb !== undefined)),
    processors: await optional('hrProcessorLoad', () => walkColumn(session, 'load', HR_PROCESSOR_LOAD, limits), []),
    storage,
    laLoad: await optional('laLoad', () => walkColumn(session, 'load', UCD_LA_LOAD, { maxRows: 3, maxRequests: 2 }), []),
    dsk: hasDisks ? [] : await optional('dskTable', () => walkTable(session, UCD_DSK, limits), []),
    ifTable: await optional('ifTable', () => walkTable(session, IF_TABLE, { maxRows: DEVICE_LIMITS.interfaces, maxRequests: DEVICE_LIMITS.interfaces + 2 }), []),
    ifXTable: await optional('ifXTable', () => walkTable(session, IF_X_TABLE, { maxRows: DEVICE_LIMITS.interfaces, maxRequests: DEVICE_LIMITS.interfaces + 2 }), []),
    ipAddr: await optional('ipAddrTable', () => walkColumn(session, 'ifIndex', IP_AD_ENT_IF_INDEX, limits), []),
    custom: spec.custom.length === 0 ? {} : await optional('custom', () => getScalars(session, customOids), {}),
  };
}
