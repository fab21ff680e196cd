/**
 * Every OID the poller reads, in one place (issue 13). Numeric, so no MIB
 * files are needed on the poller. Sources: RFC 3418 (SNMPv2-MIB), RFC 2790
 * (HOST-RESOURCES-MIB), RFC 2863 (IF-MIB), RFC 4293 (IP-MIB ipAddrTable),
 * and net-snmp's UCD-SNMP-MIB (enterprises 2021).
 */

/** SNMPv2-MIB `system` scalars (instance `.0` included). */
export const SYSTEM = {
  sysDescr: '1.3.6.1.2.1.1.1.0',
  sysObjectID: '1.3.6.1.2.1.1.2.0',
  /** TimeTicks (1/100 s) since the SNMP agent (re)started: it going back means a restart. */
  sysUpTime: '1.3.6.1.2.1.1.3.0',
  sysContact: '1.3.6.1.2.1.1.4.0',
  sysName: '1.3.6.1.2.1.1.5.0',
  sysLocation: '1.3.6.1.2.1.1.6.0',
} as const;

/** HOST-RESOURCES-MIB scalars. */
export const HOST = {
  /** TimeTicks since the machine booted (sysUpTime is the agent's). */
  hrSystemUptime: '1.3.6.1.2.1.25.1.1.0',
} as const;

/** hrProcessorLoad: one row per CPU, the % of the last minute it was busy. */
export const HR_PROCESSOR_LOAD = '1.3.6.1.2.1.25.3.3.1.2';

/** hrStorageTable columns (1.3.6.1.2.1.25.2.3.1.x). Sizes are in allocation units. */
export const HR_STORAGE = {
  type: '1.3.6.1.2.1.25.2.3.1.2',
  descr: '1.3.6.1.2.1.25.2.3.1.3',
  allocationUnits: '1.3.6.1.2.1.25.2.3.1.4',
  size: '1.3.6.1.2.1.25.2.3.1.5',
  used: '1.3.6.1.2.1.25.2.3.1.6',
} as const;

/** hrStorageType values (HOST-RESOURCES-TYPES). */
export const HR_STORAGE_TYPES = {
  ram: '1.3.6.1.2.1.25.2.1.2',
  virtualMemory: '1.3.6.1.2.1.25.2.1.3',
  fixedDisk: '1.3.6.1.2.1.25.2.1.4',
} as const;

/** UCD-SNMP-MIB laLoad: rows 1, 2, 3 = 1, 5, 15 minute load averages, as strings ("0.42"). */
export const UCD_LA_LOAD = '1.3.6.1.4.1.2021.10.1.3';

/** UCD-SNMP-MIB memory scalars, in kB. */
export const UCD_MEMORY = {
  memTotalSwap: '1.3.6.1.4.1.2021.4.3.0',
  memAvailSwap: '1.3.6.1.4.1.2021.4.4.0',
  memTotalReal: '1.3.6.1.4.1.2021.4.5.0',
  memAvailReal: '1.3.6.1.4.1.2021.4.6.0',
} as const;

/**
 * UCD-SNMP-MIB systemStats raw CPU counters (Counter32, ticks summed over
 * every CPU): the fallback for cpu.usage when hrProcessorLoad is empty, as
 * it is for net-snmp's first minute after a start.
 */
export const UCD_CPU_RAW = {
  ssCpuRawUser: '1.3.6.1.4.1.2021.11.50.0',
  ssCpuRawNice: '1.3.6.1.4.1.2021.11.51.0',
  ssCpuRawSystem: '1.3.6.1.4.1.2021.11.52.0',
  ssCpuRawIdle: '1.3.6.1.4.1.2021.11.53.0',
  ssCpuRawWait: '1.3.6.1.4.1.2021.11.54.0',
} as const;

/** UCD-SNMP-MIB dskTable columns, sizes in kB; High/Low halves carry disks above 2 TB. */
export const UCD_DSK = {
  path: '1.3.6.1.4.1.2021.9.1.2',
  device: '1.3.6.1.4.1.2021.9.1.3',
  total: '1.3.6.1.4.1.2021.9.1.6',
  avail: '1.3.6.1.4.1.2021.9.1.7',
  used: '1.3.6.1.4.1.2021.9.1.8',
  totalLow: '1.3.6.1.4.1.2021.9.1.11',
  totalHigh: '1.3.6.1.4.1.2021.9.1.12',
  availLow: '1.3.6.1.4.1.2021.9.1.13',
  availHigh: '1.3.6.1.4.1.2021.9.1.14',
  usedLow: '1.3.6.1.4.1.2021.9.1.15',
  usedHigh: '1.3.6.1.4.1.2021.9.1.16',
} as const;

/** IF-MIB ifTable columns (1.3.6.1.2.1.2.2.1.x). Octet, error and discard counters are Counter32. */
export const IF_TABLE = {
  descr: '1.3.6.1.2.1.2.2.1.2',
  /** bits per second; 4294967295 means "see ifHighSpeed". */
  speed: '1.3.6.1.2.1.2.2.1.5',
  physAddress: '1.3.6.1.2.1.2.2.1.6',
  adminStatus: '1.3.6.1.2.1.2.2.1.7',
  operStatus: '1.3.6.1.2.1.2.2.1.8',
  inOctets: '1.3.6.1.2.1.2.2.1.10',
  inDiscards: '1.3.6.1.2.1.2.2.1.13',
  inErrors: '1.3.6.1.2.1.2.2.1.14',
  outOctets: '1.3.6.1.2.1.2.2.1.16',
  outDiscards: '1.3.6.1.2.1.2.2.1.19',
  outErrors: '1.3.6.1.2.1.2.2.1.20',
} as const;

/** IF-MIB ifXTable columns (1.3.6.1.2.1.31.1.1.1.x): names and 64-bit octet counters. */
export const IF_X_TABLE = {
  name: '1.3.6.1.2.1.31.1.1.1.1',
  hcInOctets: '1.3.6.1.2.1.31.1.1.1.6',
  hcOutOctets: '1.3.6.1.2.1.31.1.1.1.10',
  /** Mb/s. */
  highSpeed: '1.3.6.1.2.1.31.1.1.1.15',
  alias: '1.3.6.1.2.1.31.1.1.1.18',
} as const;

/** IP-MIB ipAddrTable (IPv4 addresses): the address is the row index; this column names its ifIndex. */
export const IP_AD_ENT_IF_INDEX = '1.3.6.1.2.1.4.20.1.2';

/** IF-MIB ifOperStatus / ifAdminStatus values, 1-based (RFC 2863). */
export const IF_OPER_STATUS = ['up', 'down', 'testing', 'unknown', 'dormant', 'notPresent', 'lowerLayerDown'] as const;
export const IF_ADMIN_STATUS = ['up', 'down', 'testing'] as const;
