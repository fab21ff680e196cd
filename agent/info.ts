import { arch, cpus, hostname, networkInterfaces, release, totalmem, uptime } from 'node:os';
import { loadSi } from './collectors/si.js';
import { readLinuxHostIdentity, type HostIdentity } from './host-identity.linux.js';
import type { Logger } from '../core/logger.js';
import type { Clock } from '../core/time.js';
import { VIGIE_VERSION } from '../core/version.js';
import { PROTOCOL_VERSION, validatePayload, type InfoPayload } from '../protocol/payloads.js';
import { createDisksCollector } from './collectors/disks.js';
import type { CollectorOptions } from './collectors/types.js';

const cut = (s: string, n: number): string => (s.length > n ? s.slice(0, n) : s);

/**
 * What the host is, for the retained `info` topic. Called on start and on
 * each reconnect, so systeminformation's cost (child processes) is fine
 * here. A part that fails falls back to what `node:os` knows; it rejects
 * only if the result breaks its schema (a bug, not a host condition).
 */
export async function collectInfo(clock: Clock, log: Logger, opts: CollectorOptions = {}): Promise<InfoPayload> {
  const [identity, disks] = await Promise.all([
    process.platform === 'linux' ? readLinuxHostIdentity(opts.root) : readIdentityWithSysteminformation(log),
    createDisksCollector(opts).collect().then((g) => g.disks ?? [], () => []),
  ]);
  const cores = cpus().length;
  const info: InfoPayload = {
    v: PROTOCOL_VERSION,
    ts: Math.round(clock.now()),
    hostname: cut(hostname(), 255),
    os: {
      platform: cut(identity.platform || process.platform, 32),
      distro: cut(identity.distro || process.platform, 128),
      release: cut(identity.release || release(), 128),
    },
    kernel: cut(release(), 128),
    arch: cut(arch(), 32),
    cpu: {
      model: cut(identity.cpuModel || cpus()[0]?.model || 'unknown', 256),
      cores: identity.cores || cores,
      ...(identity.physicalCores ? { physicalCores: identity.physicalCores } : {}),
    },
    memTotal: totalmem(),
    disks: disks.map((d) => ({ mount: d.mount, fs: d.fs, size: d.total })),
    addresses: listAddresses(),
    // Rounded to the second: the same boot must give the same value on every reconnect.
    bootTime: Math.round((clock.now() - uptime() * 1000) / 1000) * 1000,
    agent: VIGIE_VERSION,
  };
  const checked = validatePayload('info', info);
  if (!checked.ok) throw new Error(`info does not match its schema: ${checked.error}`); // a bug here, not bad input
  return info;
}

/** Windows and macOS: systeminformation knows where to look; a part that fails is left to `node:os`. */
async function readIdentityWithSysteminformation(log: Logger): Promise<HostIdentity> {
  const si = await loadSi();
  const [osInfo, cpu] = await Promise.all([
    si.osInfo().catch((error: unknown) => { log.debug({ err: error }, 'info: osInfo failed'); return undefined; }),
    si.cpu().catch((error: unknown) => { log.debug({ err: error }, 'info: cpu failed'); return undefined; }),
  ]);
  const model = cpu ? `${cpu.manufacturer} ${cpu.brand}`.trim() : '';
  return {
    ...(osInfo?.platform ? { platform: osInfo.platform } : {}),
    ...(osInfo?.distro ? { distro: osInfo.distro } : {}),
    ...(osInfo?.release ? { release: osInfo.release } : {}),
    ...(model ? { cpuModel: model } : {}),
    ...(cpu?.cores ? { cores: cpu.cores } : {}),
    ...(cpu?.physicalCores ? { physicalCores: cpu.physicalCores } : {}),
  };
}

/** Non-internal interfaces with their first IPv4, first IPv6 and MAC. */
function listAddresses(): InfoPayload['addresses'] {
  const out: InfoPayload['addresses'] = [];
  for (const [iface, addrs] of Object.entries(networkInterfaces())) {
    const external = (addrs ?? []).filter((a) => !a.internal);
    if (external.length === 0) continue;
    const ip4 = external.find((a) => a.family === 'IPv4')?.address;
    const ip6 = external.find((a) => a.family === 'IPv6')?.address;
    const mac = external[0]?.mac;
    out.push({
      iface: cut(iface, 64),
      ...(ip4 ? { ip4 } : {}),
      ...(ip6 ? { ip6 } : {}),
      ...(mac && mac !== '00:00:00:00:00:00' ? { mac } : {}),
    });
  }
  return out.slice(0, 128);
}
