import type { Accounts } from '../../../accounts/index.js';
import type { LoginThrottle, LoginVerdict } from '../../../accounts/login-throttle.js';
import { generateSetupCode, setupCodeMatches } from '../../../accounts/setup-code.js';
import type { Session } from '../../../accounts/sessions.js';
import type { User } from '../../../accounts/users.js';
import { VigieError } from '../../../core/errors.js';
import type { Logger } from '../../../core/logger.js';
import { systemClock, type Clock } from '../../../core/time.js';
import type { EventLog } from '../../../events/event-log.js';

/** A refusal that tells the client when to come back (the route sets `Retry-After`). */
export class RetryLaterError extends VigieError {
  constructor(code: 'VIGIE_ERR_RATE_LIMITED' | 'VIGIE_ERR_ACCOUNT_LOCKED', message: string, readonly retryAfterMs: number) {
    super(code, message);
  }
}

export interface SignedIn {
  user: User;
  /** Goes in the cookie; not kept by the server. */
  sessionId: string;
  session: Session;
}

/** Typed names are logged as given, cut short: they are untrusted text. */
const shown = (name: string): string => name.slice(0, 64);

/**
 * Logging in, first-time setup and ending sessions, with the brute-force
 * throttle and the event log: the HTTP routes only translate.
 */
export class LoginService {
  private setupCode: string | null = null;
  /** Told about sessions that ended, so their live sockets are cut too. */
  onSessionsEnded: (keys: string[]) => void = () => {};

  constructor(
    private readonly accounts: Accounts,
    private readonly throttle: LoginThrottle,
    private readonly events: EventLog,
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
  ) {
    if (accounts.users.count() === 0) this.setupCode = generateSetupCode();
  }

  /** The code protecting first-time setup; null once a user exists. */
  pendingSetupCode(): string | null {
    if (this.setupCode !== null && this.accounts.users.count() > 0) this.setupCode = null; // `vigie user add` ran meanwhile
    return this.setupCode;
  }

  async login(name: string, password: string, address: string): Promise<SignedIn> {
    this.refuseIfThrottled(name, address);
    const known = this.accounts.users.findByName(name);
    if (known?.lockedUntil) {
      const left = known.lockedUntil - this.clock.now();
      throw new RetryLaterError('VIGIE_ERR_ACCOUNT_LOCKED', lockedMessage(left), left);
    }
    const user = await this.accounts.users.verify(name, password);
    if (!user) {
      this.recordFailure(name, address, known);
      throw new VigieError('VIGIE_ERR_BAD_LOGIN');
    }
    this.throttle.success(name);
    // Read before it is overwritten: this session remembers the sign-in before it (issue 11).
    const previous = user.lastLoginAt;
    this.accounts.users.recordSuccess(user.id);
    this.events.append({ type: 'auth.login', user: user.name, address, message: `${user.name} signed in` });
    return this.open(user, address, previous);
  }

  async setup(code: string, name: string, password: string, address: string): Promise<SignedIn> {
    const expected = this.pendingSetupCode();
    if (expected === null) throw new VigieError('VIGIE_ERR_SETUP_DONE');
    this.refuseIfThrottled(SETUP_KEY, address);
    if (!setupCodeMatches(code, expected)) {
      this.throttle.failure(SETUP_KEY, address);
      this.events.append({ type: 'auth.setup_failed', user: shown(name), address, message: 'Wrong setup code' });
      this.log.warn({ address }, 'wrong setup code');
      throw new VigieError('VIGIE_ERR_BAD_SETUP_CODE');
    }
    const user = await this.accounts.users.create({ name, password, role: 'admin' });
    // Setup signs the first admin in: it counts as their first sign-in (else "Last login: never" while signed in, issue 11).
    this.accounts.users.recordSuccess(user.id);
    this.setupCode = null;
    this.events.append({ type: 'auth.setup', user: user.name, address, message: `First admin ${user.name} created with the setup code` });
    this.log.info({ user: user.name, address }, 'setup done: first admin created');
    return this.open(user, address);
  }

  logout(session: Session, user: User, address: string): void {
    this.accounts.sessions.end(session.key);
    this.events.append({ type: 'auth.logout', user: user.name, address, message: `${user.name} signed out` });
    this.onSessionsEnded([session.key]);
  }

  /** Ends every session of a user but `keep` (password or role changed, user deleted). */
  endSessionsOf(userId: number, keep?: string): void {
    const keys = this.accounts.sessions.endAllOf(userId, keep);
    if (keys.length > 0) this.onSessionsEnded(keys);
  }

  /** Checks a signed-in user's current password, throttled like a login. */
  async confirmPassword(user: User, password: string, address: string): Promise<void> {
    this.refuseIfThrottled(user.name, address);
    if (await this.accounts.users.checkPassword(user.id, password)) return;
    this.recordFailure(user.name, address, user);
    throw new VigieError('VIGIE_ERR_WRONG_PASSWORD', 'currentPassword: wrong password');
  }

  /** An admin lifted a lock. */
  unlock(user: User): void {
    this.throttle.reset(user.name);
  }

  private open(user: User, address: string, previousLoginAt: number | null = null): SignedIn {
    const { id, session } = this.accounts.sessions.create(user.id, address, previousLoginAt);
    return { user: this.accounts.users.get(user.id)!, sessionId: id, session };
  }

  private refuseIfThrottled(name: string, address: string): void {
    const verdict: LoginVerdict = this.throttle.check(name, address);
    if (verdict.allowed) return;
    if (verdict.reason === 'locked') throw new RetryLaterError('VIGIE_ERR_ACCOUNT_LOCKED', lockedMessage(verdict.retryAfterMs), verdict.retryAfterMs);
    const wait = Math.ceil(verdict.retryAfterMs / 1000);
    const why = verdict.reason === 'address' ? 'Too many failed logins from your address' : 'Too many failed logins on this account';
    throw new RetryLaterError('VIGIE_ERR_RATE_LIMITED', `${why}: wait ${wait} s and retry`, verdict.retryAfterMs);
  }

  private recordFailure(name: string, address: string, known: User | null): void {
    const { failures, lockedUntil } = this.throttle.failure(name, address);
    if (known) this.accounts.users.recordFailure(known.id);
    this.events.append({ type: 'auth.login_failed', user: shown(name), address, message: `Failed login for "${shown(name)}" (${failures} in a row)`, data: { failures } });
    this.log.warn({ user: shown(name), address, failures }, 'failed login');
    if (lockedUntil !== null) {
      if (known) this.accounts.users.lock(known.id, lockedUntil);
      this.events.append({ type: 'auth.locked', user: shown(name), address, message: `Account "${shown(name)}" locked after ${failures} failed logins`, data: { until: lockedUntil, failures } });
      this.log.warn({ user: shown(name), address, until: new Date(lockedUntil).toISOString() }, 'account locked');
    }
  }
}

/** The throttle key of setup-code attempts: cannot collide with a user name (those are printable). */
const SETUP_KEY = '\u0000setup';

function lockedMessage(ms: number): string {
  return `Account locked after repeated failed logins: retry in ${Math.max(1, Math.ceil(ms / 60_000))} min, or ask an admin to unlock it`;
}
