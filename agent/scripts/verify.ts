import { compileOnUse } from '../../core/compile-on-use.js';
import { createVerifier } from '../../core/signing.js';
import type { Clock } from '../../core/time.js';
import { RunGrant, ScriptBundle, SCRIPT_LIMITS, type RefusalReason, type Signed } from '../../protocol/schemas/script.js';
import type { ScriptMemory } from './memory.js';

/** Why something was not run: a reason from the contract and a sentence saying what to change. */
export interface Refusal {
  reason: RefusalReason;
  message: string;
}

export type Verified<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };

export interface ScriptVerifier {
  /** A config's `scripts`: signed by the pinned key, for this host, not older than the last one accepted. */
  bundle(signed: Signed): Verified<ScriptBundle>;
  /** A run request's grant: signed, for this host, within its (at most 60 s) validity, never seen before. */
  grant(signed: Signed): Verified<RunGrant>;
}

export interface VerifierOptions {
  /** The pinned box key (base64 SPKI); undefined: everything is refused with `no-key`. */
  serverKey: string | undefined;
  host: string;
  clock: Clock;
  memory: ScriptMemory;
}

// Compiled once: a bundle is checked at every configuration, a grant at every run.
const BUNDLE = compileOnUse(ScriptBundle);
const GRANT = compileOnUse(RunGrant);

const refuse = <T>(reason: RefusalReason, message: string): Verified<T> => ({ ok: false, refusal: { reason, message } });
const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Signature first, then shape, then host and time: nothing of an unverified
 * payload is believed (docs/scripts.md, "What the agent checks"). The
 * signature is over the exact bytes received, so no canonical JSON is needed.
 */
export function createScriptVerifier(opts: VerifierOptions): ScriptVerifier {
  const { host, clock, memory } = opts;
  const verify = opts.serverKey === undefined ? undefined : createVerifier(opts.serverKey);

  const open = <T>(signed: Signed, what: string, check: ReturnType<typeof BUNDLE> | ReturnType<typeof GRANT>): Verified<T> => {
    if (!verify) {
      return refuse('no-key', `${host} has no pinned box key (agent.serverKey): enroll it again with a new token, or copy the box's public key into agent.serverKey`);
    }
    if (!verify(signed)) return refuse('bad-signature', `the ${what}'s signature does not verify against the box key pinned in agent.serverKey: it was altered, or the box's key changed (re-enroll this agent)`);
    let value: unknown;
    try {
      value = JSON.parse(signed.payload);
    } catch {
      return refuse('bad-signature', `the signed ${what} is not JSON`);
    }
    if (!check.Check(value)) {
      const first = check.Errors(value).First();
      return refuse('bad-args', `the signed ${what} does not fit the contract at ${first?.path || '/'}: ${first?.message ?? 'invalid'} (box and agent versions differ?)`);
    }
    return { ok: true, value: value as T };
  };

  return {
    bundle(signed) {
      const opened = open<ScriptBundle>(signed, 'script bundle', BUNDLE());
      if (!opened.ok) return opened;
      const b = opened.value;
      if (b.host !== host) return refuse('wrong-host', `the script bundle was signed for host ${b.host}, not ${host}`);
      if (b.iat > clock.now() + SCRIPT_LIMITS.clockSkewMs) {
        return refuse('not-yet-valid', `the script bundle was issued at ${iso(b.iat)}, ahead of this agent's clock (${iso(clock.now())}): set both clocks right (NTP)`);
      }
      // Equal is the same bundle again (the retained config after a reconnect or restart).
      const last = memory.bundleIat();
      if (b.iat < last) {
        return refuse('expired', `the script bundle issued at ${iso(b.iat)} is older than the one already accepted (${iso(last)}): an old bundle is never taken back`);
      }
      memory.setBundleIat(b.iat);
      return opened;
    },
    grant(signed) {
      const opened = open<RunGrant>(signed, 'run request', GRANT());
      if (!opened.ok) return opened;
      const g = opened.value;
      if (g.host !== host) return refuse('wrong-host', `the run request was signed for host ${g.host}, not ${host}`);
      const now = clock.now();
      if (g.exp - g.iat > SCRIPT_LIMITS.grantMs || g.exp < g.iat) {
        return refuse('expired', `the run request is valid for ${Math.round((g.exp - g.iat) / 1000)} s; at most ${SCRIPT_LIMITS.grantMs / 1000} s is accepted`);
      }
      if (g.exp < now) return refuse('expired', `the run request expired at ${iso(g.exp)} (agent clock ${iso(now)}): ask again; if it keeps happening, set both clocks right (NTP)`);
      if (g.iat > now + SCRIPT_LIMITS.clockSkewMs) {
        return refuse('not-yet-valid', `the run request was issued at ${iso(g.iat)}, ahead of this agent's clock (${iso(now)}): set both clocks right (NTP)`);
      }
      if (memory.seen(g.nonce)) return refuse('replayed', `the run request ${g.id} was already received once (same nonce): a request runs at most once; ask again`);
      // Remembered before any later check: a grant refused by policy must not be replayed after the policy changes.
      memory.remember(g.nonce, g.exp);
      return opened;
    },
  };
}
