import { err, ok, type Result } from '../core/result.js';

/**
 * Host ids are owned here. A host id is the hostname lower-cased, limited to
 * `[a-z0-9][a-z0-9._-]{0,62}`: it is one MQTT topic level, so `+`, `#`, `/`
 * (and anything else outside the set) can never reach a topic.
 */
export const HOST_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;
export const HOST_ID_MAX_LENGTH = 63;

/** True when `id` is already a canonical host id. */
export function isHostId(id: string): boolean {
  return HOST_ID_PATTERN.test(id);
}

/**
 * Maps a hostname to its host id: lower-cased, every character outside
 * `[a-z0-9._-]` becomes `-`, leading characters that cannot start an id are
 * dropped, and the result is cut to 63 characters. `MyPC` and `mypc` are one
 * host. Fails when nothing usable is left.
 */
export function normaliseHostId(raw: string): Result<string> {
  if (typeof raw !== 'string') return err('host id: expected a string');
  const mapped = raw
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // é → e before mapping, so accented names stay readable
    .toLowerCase()
    .replace(/[^a-z0-9._-]/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, HOST_ID_MAX_LENGTH);
  if (!isHostId(mapped)) {
    return err(`host id: "${raw.slice(0, 80)}" has no usable characters (expected letters, digits, ".", "_" or "-")`);
  }
  return ok(mapped);
}
