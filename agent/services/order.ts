import type { ServiceEntry } from '../../protocol/payloads.js';

/** Code-point order of names: the same list on every locale, so a change check can compare in order. */
export const byName = (a: ServiceEntry, b: ServiceEntry): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
