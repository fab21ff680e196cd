import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { ServiceEntry, ServiceState } from '../../protocol/payloads.js';
import { byName } from './order.js';

const run = promisify(execFile);

/** One row of `systemctl list-units --type=service --all --plain --no-legend`. */
export interface SystemdUnit {
  name: string;
  load: string;
  active: string;
  sub: string;
}

/**
 * Parses `UNIT LOAD ACTIVE SUB DESCRIPTION` rows. Some systemd versions
 * still prefix a not-found or failed unit with `●` despite --plain.
 */
export function parseListUnits(text: string): SystemdUnit[] {
  const out: SystemdUnit[] = [];
  for (const raw of text.split('\n')) {
    // `\u25CF` is `●`, escaped: one character above U+00FF makes V8 keep the agent bundle's whole source as UTF-16 (2 MiB, not 1).
    const fields = raw.trim().replace(/^[\u25CF*]\s*/, '').split(/\s+/);
    const [name, load, active, sub] = fields;
    if (!name?.endsWith('.service') || !load || !active || !sub) continue;
    out.push({ name, load, active, sub });
  }
  return out;
}

/** Parses `UNIT STATE [PRESET]` rows of `systemctl list-unit-files --type=service --no-legend`. */
export function parseListUnitFiles(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const [name, state] = raw.trim().split(/\s+/);
    if (name?.endsWith('.service') && state) out.set(name, state);
  }
  return out;
}

/** systemd ACTIVE state → the contract's states (systemd.unit(5) "ACTIVE STATE"). */
export function systemdState(active: string): ServiceState {
  switch (active) {
    case 'active':
    case 'reloading':
    case 'refreshing':
      return 'running';
    case 'inactive':
      return 'stopped';
    case 'failed':
      return 'failed';
    case 'activating':
      return 'starting';
    case 'deactivating':
      return 'stopping';
    default:
      return 'unknown';
  }
}

/**
 * Unit-file state → "starts at boot": enabled ones do, disabled and masked
 * ones don't; static, indirect, generated and transient units have no
 * [Install] choice to report, so null.
 */
export function systemdEnabled(fileState: string | undefined): boolean | null {
  if (fileState === undefined) return null;
  if (fileState === 'enabled' || fileState === 'enabled-runtime' || fileState === 'linked' || fileState === 'linked-runtime') return true;
  if (fileState === 'disabled' || fileState === 'masked' || fileState === 'masked-runtime') return false;
  return null;
}

/**
 * Every service systemd knows: the loaded units (with their state) and the
 * unit files not loaded now (stopped). Templates (`foo@.service`) are not
 * services themselves, an instance takes its template's enablement, aliases
 * are left out (their target is listed), and not-found units don't exist.
 */
export function mergeSystemd(units: SystemdUnit[], files: Map<string, string>): ServiceEntry[] {
  const services = new Map<string, ServiceEntry>();
  const enabledOf = (name: string): boolean | null => {
    const own = files.get(name);
    if (own !== undefined) return systemdEnabled(own);
    const template = /^(.+@)[^@]*\.service$/.exec(name)?.[1];
    return template ? systemdEnabled(files.get(`${template}.service`)) : null;
  };
  for (const u of units) {
    if (u.load === 'not-found') continue;
    services.set(u.name, { name: u.name, state: systemdState(u.active), enabled: enabledOf(u.name) });
  }
  for (const [name, state] of files) {
    if (services.has(name) || name.endsWith('@.service') || state === 'alias') continue;
    services.set(name, { name, state: 'stopped', enabled: systemdEnabled(state) });
  }
  return [...services.values()].sort(byName).slice(0, 2000);
}

const SYSTEMCTL_OPTS = { timeout: 15_000, maxBuffer: 8 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C', SYSTEMD_COLORS: '0' } };

/**
 * Why systemd cannot be asked here, or null when it can. sd_booted(3): the
 * system runs systemd when /run/systemd/system exists; containers often
 * ship systemctl without it.
 */
export async function systemdUnavailable(): Promise<string | null> {
  try {
    await access('/run/systemd/system');
  } catch {
    return 'systemd is not the init system here (no /run/systemd/system): services are not published';
  }
  try {
    await run('systemctl', ['--version'], SYSTEMCTL_OPTS);
  } catch (error) {
    return `systemctl cannot be run (${(error as Error).message}): services are not published`;
  }
  return null;
}

/** Lists services through systemctl (two async execFile calls, never a shell). */
export async function listSystemdServices(): Promise<ServiceEntry[]> {
  const [units, files] = await Promise.all([
    run('systemctl', ['list-units', '--type=service', '--all', '--plain', '--no-legend', '--no-pager'], SYSTEMCTL_OPTS),
    run('systemctl', ['list-unit-files', '--type=service', '--no-legend', '--no-pager'], SYSTEMCTL_OPTS),
  ]);
  return mergeSystemd(parseListUnits(units.stdout), parseListUnitFiles(files.stdout));
}
