import { readdir } from 'node:fs/promises';
import { round } from '../../protocol/units.js';
import { readText, underRoot } from './procfs.js';

/** hwmon chips that measure the CPU package, best first (kernel Documentation/hwmon). */
const CPU_HWMON = ['coretemp', 'k10temp', 'zenpower', 'cpu_thermal', 'cpu-thermal', 'soc_thermal', 'apple_cpu'];
/** thermal zone types that are the CPU, best first; acpitz is the board's guess, the last resort. */
const CPU_ZONES = ['x86_pkg_temp', 'cpu-thermal', 'cpu_thermal', 'soc_thermal', 'soc-thermal', 'acpitz'];

const readOrUndefined = (root: string | undefined, rel: string): Promise<string | undefined> =>
  readText(root, rel).then((t) => t.trim(), () => undefined);
const listOrEmpty = (root: string | undefined, rel: string): Promise<string[]> =>
  readdir(underRoot(root, rel)).then((names) => names.sort(), () => []);

/** millidegrees (sysfs) → °C, or null for a value no CPU reports. */
export function milliCelsius(text: string | undefined): number | null {
  const v = Number(text);
  if (text === undefined || text === '' || !Number.isFinite(v)) return null;
  const c = v / 1000;
  return c > -100 && c < 250 ? round(c, 1) : null;
}

/**
 * The CPU temperature in °C from sysfs: a CPU hwmon chip's temp1_input
 * (package / Tctl), else a CPU thermal zone; null when the host exposes
 * neither (VMs and containers usually don't).
 */
export async function readLinuxCpuTemperature(root: string | undefined): Promise<number | null> {
  const chips: Array<{ rank: number; dir: string }> = [];
  for (const name of await listOrEmpty(root, 'sys/class/hwmon')) {
    const rank = CPU_HWMON.indexOf((await readOrUndefined(root, `sys/class/hwmon/${name}/name`)) ?? '');
    if (rank >= 0) chips.push({ rank, dir: `sys/class/hwmon/${name}` });
  }
  for (const chip of chips.sort((a, b) => a.rank - b.rank)) {
    const c = milliCelsius(await readOrUndefined(root, `${chip.dir}/temp1_input`));
    if (c !== null) return c;
  }
  const zones: Array<{ rank: number; dir: string }> = [];
  for (const name of await listOrEmpty(root, 'sys/class/thermal')) {
    if (!name.startsWith('thermal_zone')) continue;
    const rank = CPU_ZONES.indexOf((await readOrUndefined(root, `sys/class/thermal/${name}/type`)) ?? '');
    if (rank >= 0) zones.push({ rank, dir: `sys/class/thermal/${name}` });
  }
  for (const zone of zones.sort((a, b) => a.rank - b.rank)) {
    const c = milliCelsius(await readOrUndefined(root, `${zone.dir}/temp`));
    if (c !== null) return c;
  }
  return null;
}
