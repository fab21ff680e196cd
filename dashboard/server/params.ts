import { VigieError } from '../../core/errors.js';
import { normaliseHostId } from '../../protocol/host-id.js';

/**
 * Reading request parameters: every failure is a VigieError whose message
 * names the parameter and the expected form, so a 400 says what to fix.
 */

/** A single query value: absent → undefined; repeated (`?a=1&a=2`) → 400. */
export function queryValue(query: unknown, name: string): string | undefined {
  const value = (query as Record<string, unknown> | undefined)?.[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new VigieError('VIGIE_ERR_BAD_REQUEST', `${name}: expected a single value, got it ${Array.isArray(value) ? 'repeated' : 'as an object'}`);
  return value;
}

/** The `:id` path parameter mapped to a host id, so `/api/hosts/MyPC` finds `mypc`. */
export function hostIdParam(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 255) {
    throw new VigieError('VIGIE_ERR_BAD_HOST_ID', 'id: expected a host name of 1 to 255 characters');
  }
  const id = normaliseHostId(raw);
  if (!id.ok) throw new VigieError('VIGIE_ERR_BAD_HOST_ID', `id: ${id.error}`);
  return id.value;
}

/** A non-negative integer in a query (ms timestamps, step seconds); '' counts as absent. */
export function intParam(query: unknown, name: string, what: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const raw = queryValue(query, name);
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d{1,16}$/.test(raw) || Number(raw) > max) {
    throw new VigieError('VIGIE_ERR_BAD_RANGE', `${name}: expected ${what}, got "${raw.slice(0, 40)}"`);
  }
  return Number(raw);
}
