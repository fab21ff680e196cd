import { round } from '../../protocol/units.js';
import { need, readText } from './procfs.js';

/** /proc/uptime: `seconds-since-boot idle-seconds`. */
export function parseUptime(text: string): number {
  return round(need(Number(text.trim().split(/\s+/)[0]), 'proc/uptime seconds'), 0);
}

export const readLinuxUptime = async (root: string | undefined): Promise<number> => parseUptime(await readText(root, 'proc/uptime'));
