import { createHash } from 'node:crypto';
import { isHostId } from '../../protocol/host-id.js';

/**
 * Identifiers in Home Assistant's discovery topics. HA accepts a node id and
 * an object id made of `[a-zA-Z0-9_-]` only (its MQTT discovery regex
 * `(?P<node_id>[a-zA-Z0-9_-]+)`); our ids and the names agents send (mounts,
 * interfaces) hold more. Every mapping here is injective, so two different
 * hosts, mounts or interfaces can never share a discovery topic or a
 * unique_id, and its output can never leave its topic level.
 */

/** What HA accepts in a node id or an object id. */
export const HA_ID_PATTERN = /^[a-zA-Z0-9_-]+$/;

/**
 * A host id as an HA id: `.` becomes `_` (`pi.lan` → `pi_lan`, readable) and
 * `_`, which host ids also allow, becomes `_U`. Host ids are lower-case, so
 * an upper-case `U` after `_` only ever comes from an escaped `_`: `a.b` →
 * `a_b`, `a_b` → `a_Ub`, `a._b` → `a__Ub`, `a_.b` → `a_U_b` — no two collide.
 */
export function haHostId(host: string): string {
  if (!isHostId(host)) throw new TypeError(`host: "${host}" is not a host id`);
  return host.replace(/[._]/g, (c) => (c === '.' ? '_' : '_U'));
}

const KEY_MAX = 64;

/**
 * A mount path or an interface name as an HA id: `[a-z0-9-]` kept, every
 * other byte of its UTF-8 as `_` and two upper-case hex digits (`/var/lib` →
 * `_2Fvar_2Flib`, `/` → `_2F`, `eth0` → `eth0`). A result longer than 64
 * characters becomes `_H` and 32 hex digits of its SHA-256 instead: `_H`
 * starts no short form (there `_` is followed by a hex digit).
 */
export function haKeyId(name: string): string {
  let out = '';
  for (const byte of Buffer.from(name, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[a-z0-9-]/.test(c) ? c : `_${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (out.length > 0 && out.length <= KEY_MAX) return out;
  return `_H${createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 32)}`;
}
