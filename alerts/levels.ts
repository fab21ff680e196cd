import type { Severity } from './types.js';

/**
 * The state machine of a two-level threshold rule, pure: the engine feeds it
 * the latest value and the time, and it says what happened.
 *
 * Each level (warning, critical) has an episode: it starts when the value
 * reaches the level, and lasts while the value stays at or above
 * `level - hysteresis`. So a value wobbling around the level keeps one
 * episode instead of starting a new one at each crossing: that is what stops
 * flapping, both before the alert fires (pending) and after (firing).
 *
 * An alert fires when its warning episode has lasted `for` and the value is at
 * or above the warning level right now (so a fired alert never shows a value
 * under its threshold); it fires as critical, or escalates, the same way with
 * the critical episode. It de-escalates when the critical episode ends, and
 * resolves when the warning episode ends.
 */

export interface Levels {
  warning: number;
  critical: number;
  hysteresis: number;
  forMs: number;
}

export interface LevelTrack {
  /** Start of the warning episode; null outside one. */
  warnSince: number | null;
  /** Start of the critical episode; null outside one. */
  critSince: number | null;
  /** Severity while firing; null while pending or idle. */
  firing: Severity | null;
}

export type LevelEvent = 'pending' | 'firing' | 'escalated' | 'deescalated' | 'resolved' | 'cleared';

export const idleTrack = (): LevelTrack => ({ warnSince: null, critSince: null, firing: null });

/** True when the track is neither pending nor firing. */
export const isIdle = (t: LevelTrack): boolean => t.warnSince === null && t.firing === null;

/** The severity a track shows: its firing severity, or the one it is pending at. */
export const trackSeverity = (t: LevelTrack): Severity => t.firing ?? (t.critSince !== null ? 'critical' : 'warning');

function episode(since: number | null, value: number, level: number, hysteresis: number, now: number): number | null {
  if (value >= level) return since ?? now;
  return since !== null && value >= level - hysteresis ? since : null;
}

/** Advances `track` with `value` at `now`; returns the new track and the event, if any. */
export function stepLevels(track: LevelTrack, value: number, lv: Levels, now: number): { track: LevelTrack; event: LevelEvent | null } {
  const warnSince = episode(track.warnSince, value, lv.warning, lv.hysteresis, now);
  // The critical episode lives inside the warning one (critical ≥ warning).
  const critSince = warnSince === null ? null : episode(track.critSince, value, lv.critical, lv.hysteresis, now);
  const held = (since: number | null, level: number) => since !== null && now - since >= lv.forMs && value >= level;
  const next: LevelTrack = { warnSince, critSince, firing: track.firing };

  if (track.firing === null) {
    const wasPending = track.warnSince !== null;
    if (warnSince === null) return { track: next, event: wasPending ? 'cleared' : null };
    if (held(warnSince, lv.warning)) {
      next.firing = held(critSince, lv.critical) ? 'critical' : 'warning';
      return { track: next, event: 'firing' };
    }
    return { track: next, event: wasPending ? null : 'pending' };
  }
  if (warnSince === null) {
    next.firing = null;
    return { track: next, event: 'resolved' };
  }
  if (track.firing === 'warning' && held(critSince, lv.critical)) {
    next.firing = 'critical';
    return { track: next, event: 'escalated' };
  }
  if (track.firing === 'critical' && critSince === null) {
    next.firing = 'warning';
    return { track: next, event: 'deescalated' };
  }
  return { track: next, event: null };
}
