import { createHash } from 'node:crypto';
import { LoginThrottle, type LoginThrottlePolicy, type LoginVerdict } from '../accounts/login-throttle.js';
import type { Clock } from '../core/time.js';

/** Fingerprints of credentials that once worked, kept at most (oldest forgotten first). */
const MAX_KNOWN = 10_000;

/**
 * The dashboard's login back-off (accounts/login-throttle.ts), applied to
 * MQTT CONNECTs: per username (existing or not) and per address, failures
 * first slow further attempts, then lock; while slowed or locked, even the
 * right password is refused without being checked (issue 10, item 5).
 *
 * One refinement for machines rather than people: a password that worked
 * before on this broker and was then revoked or rotated is "stale", not a
 * guess. An agent left with old credentials retries for ever; counting those
 * retries would lock its own name (so the new credentials could not get in
 * right after a rotation) and, behind a NAT, the address shared by every
 * other agent. Stale attempts are refused without being counted; anyone
 * without the old secret cannot produce one.
 */
export class MqttLoginGuard {
  private readonly throttle: LoginThrottle;
  /** username + password fingerprints that authenticated on this broker. */
  private readonly known = new Map<string, true>();

  constructor(policy: LoginThrottlePolicy, clock?: Clock) {
    this.throttle = new LoginThrottle(policy, clock);
  }

  /** May this CONNECT's credentials be checked at all? */
  check(username: string, address: string): LoginVerdict {
    return this.throttle.check(username, address);
  }

  /** The credentials were right. */
  success(username: string, password: string): void {
    this.throttle.success(username);
    const key = fingerprint(username, password);
    this.known.delete(key);
    this.known.set(key, true);
    if (this.known.size > MAX_KNOWN) this.known.delete(this.known.keys().next().value as string);
  }

  /**
   * The credentials were wrong. Returns `stale` for a password that once
   * worked here (not counted), otherwise the failure count and any lock.
   */
  failure(username: string, password: string, address: string): { stale: true } | { stale: false; failures: number; lockedUntil: number | null } {
    if (this.known.has(fingerprint(username, password))) return { stale: true };
    return { stale: false, ...this.throttle.failure(username, address) };
  }
}

function fingerprint(username: string, password: string): string {
  return createHash('sha256').update(username).update('\u0000').update(password).digest('base64');
}
