/**
 * Payloads of an SNMP device as its poller publishes them (issue 13,
 * protocol/schemas/device.ts), checked against the protocol's own schemas so
 * the alert tests feed the engine nothing the ingest would have refused.
 */
import { validatePayload, type InfoPayload, type MetricsPayload, type NetMetrics, type StatusPayload } from '../../protocol/payloads.js';

function valid<T>(kind: 'info' | 'status' | 'metrics', value: T): T {
  const r = validatePayload(kind, value);
  if (!r.ok) throw new Error(`fixture ${kind} is not a valid payload: ${JSON.stringify(r)}`);
  return value;
}

/** The info of device `router` polled by `box` at 192.0.2.1. */
export function deviceInfo(ts: number, poller = 'box', address = '192.0.2.1'): InfoPayload {
  return valid('info', {
    v: 1, ts, hostname: 'router', os: { platform: 'snmp', distro: 'JUNOS', release: '21.4' }, kernel: '', arch: '',
    cpu: { model: '', cores: 0 }, memTotal: 0, disks: [], addresses: [], bootTime: ts - 86_400_000, agent: '0.1.0',
    source: { kind: 'snmp', poller, address, sysDescr: 'Juniper Networks EX2300', sysObjectID: '1.3.6.1.4.1.2636.1.1.1.2.132' },
  });
}

/** A device's status: `online`/`polled`, or offline with a reason and the poller's error. */
export function deviceStatus(state: 'online' | 'offline', reason: string, error?: string, interval = 60): StatusPayload {
  const s: StatusPayload = { v: 1, state, reason, agent: '0.1.0', interval };
  if (error !== undefined) s.error = error;
  return valid('status', s);
}

/** One interface as a device reports it: up/up at 1 Gbit/s, 10 % busy, unless told otherwise. */
export function iface(name: string, over: Partial<NetMetrics> = {}): NetMetrics {
  return { iface: name, rxRate: 12_500_000, txRate: 1_000_000, index: 1, oper: 'up', admin: 'up', speed: 125_000_000, util: 10, ...over };
}

/** A device's metrics sample: its interfaces only (no `seq`, as a poller sends it). */
export function ifSample(ts: number, net: NetMetrics[] | undefined): MetricsPayload {
  const m: MetricsPayload = { v: 1, ts, uptime: 1000 };
  if (net) m.net = net;
  return valid('metrics', m);
}
