import { networkInterfaces } from 'node:os';

/** This machine's non-internal IPv4 addresses: what other machines use to reach it. */
export function lanAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a): a is NonNullable<typeof a> => !!a && a.family === 'IPv4' && !a.internal)
    .map((a) => a.address);
}
