import type * as Si from 'systeminformation';

/**
 * systeminformation, loaded on first use: the Linux hot path never needs it
 * and it costs ~11 MiB of RSS (measured), which matters on a 1 GB Pi.
 */
export const loadSi = (): Promise<typeof Si> => import('systeminformation').then((m) => (m.default ?? m) as typeof Si);
