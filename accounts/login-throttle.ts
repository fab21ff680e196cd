import { MINUTE_MS, SECOND_MS, systemClock, type Clock } from '../core/time.js';

export interface LoginThrottlePolicy {
  /** Consecutive failures on an account before each further attempt must wait (1 s, 2 s, 4 s…). */
  slowAfter: number;
  /** Consecutive failures on an account that lock it. */
  lockAfter: number;
  /** How long a lock lasts. */
  lockMs: number;
  /** Failures from one address within `addressWindowMs` that block it. */
  addressFailures: number;
  addressWindowMs: number;
}

export const DEFAULT_LOGIN_POLICY: LoginThrottlePolicy = {
  slowAfter: 3,
  lockAfter: 10,
  lockMs: 15 * MINUTE_MS,
  addressFailures: 30,
  addressWindowMs: 15 * MINUTE_MS,
};

export type LoginVerdict =
  | { allowed: true }
  | { allowed: false; reason: 'slowed' | 'locked' | 'address'; retryAfterMs: number };

interface AccountRecord { failures: number; lastFailureAt: number; lockedUntil: number }
interface AddressRecord { failures: number; windowStart: number }

/** Keys kept at most; the oldest go first, so a flood of made-up names cannot grow memory. */
const MAX_KEYS = 10_000;
/** The wait between attempts stops doubling here. */
const MAX_DELAY_MS = 5 * MINUTE_MS;

/**
 * Slows, then locks, password guessing: per account name (existing or not,
 * so answers reveal nothing about which names exist) and per address.
 * Written by hand rather than with a rate-limiter package because it needs
 * the progressive delay, the clock injected by tests and the lock events,
 * in ~80 lines. Locks of real accounts are also stored in accounts.db by the
 * caller, so a restart does not lift them.
 */
export class LoginThrottle {
  private readonly accounts = new Map<string, AccountRecord>();
  private readonly addresses = new Map<string, AddressRecord>();

  constructor(
    readonly policy: LoginThrottlePolicy = DEFAULT_LOGIN_POLICY,
    private readonly clock: Clock = systemClock,
  ) {}

  /** May this attempt be checked at all? */
  check(name: string, address: string): LoginVerdict {
    const now = this.clock.now();
    const addr = this.addresses.get(address);
    if (addr && now - addr.windowStart < this.policy.addressWindowMs && addr.failures >= this.policy.addressFailures) {
      return { allowed: false, reason: 'address', retryAfterMs: addr.windowStart + this.policy.addressWindowMs - now };
    }
    const account = this.accounts.get(accountKey(name));
    if (!account) return { allowed: true };
    if (account.lockedUntil > now) return { allowed: false, reason: 'locked', retryAfterMs: account.lockedUntil - now };
    const wait = this.delayAfter(account.failures);
    if (wait > 0 && now < account.lastFailureAt + wait) return { allowed: false, reason: 'slowed', retryAfterMs: account.lastFailureAt + wait - now };
    return { allowed: true };
  }

  /** Records a wrong password; says whether this failure locked the account, and until when. */
  failure(name: string, address: string): { failures: number; lockedUntil: number | null } {
    const now = this.clock.now();
    const addr = this.addresses.get(address);
    if (!addr || now - addr.windowStart >= this.policy.addressWindowMs) remember(this.addresses, address, { failures: 1, windowStart: now });
    else addr.failures += 1;

    const key = accountKey(name);
    const account = this.accounts.get(key) ?? { failures: 0, lastFailureAt: 0, lockedUntil: 0 };
    // A lock that ran out starts the count again.
    if (account.lockedUntil !== 0 && account.lockedUntil <= now) Object.assign(account, { failures: 0, lockedUntil: 0 });
    account.failures += 1;
    account.lastFailureAt = now;
    let lockedUntil: number | null = null;
    if (account.failures >= this.policy.lockAfter) {
      lockedUntil = now + this.policy.lockMs;
      account.lockedUntil = lockedUntil;
    }
    remember(this.accounts, key, account);
    return { failures: account.failures, lockedUntil };
  }

  /** A successful login clears the account's record (not the address's: one good account must not launder guesses). */
  success(name: string): void {
    this.accounts.delete(accountKey(name));
  }

  /** An admin unlocked the account. */
  reset(name: string): void {
    this.accounts.delete(accountKey(name));
  }

  private delayAfter(failures: number): number {
    if (failures < this.policy.slowAfter) return 0;
    return Math.min(SECOND_MS * 2 ** (failures - this.policy.slowAfter), MAX_DELAY_MS);
  }
}

const accountKey = (name: string): string => name.normalize('NFC').trim().toLowerCase();

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key); // re-insert: Map order is then least recently failed first
  map.set(key, value);
  if (map.size > MAX_KEYS) map.delete(map.keys().next().value as string);
}
