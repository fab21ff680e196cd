/**
 * Orders names (mounts, interfaces) by UTF-16 code units. Not
 * `localeCompare`: its first call maps ~3 MiB of ICU collation data into the
 * agent, for names that are ASCII in practice and need a stable order only.
 */
export const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
