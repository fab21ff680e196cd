import { MINUTE_MS } from '../core/time.js';

/** The pages, in rotation order: (a) the box, (b) the fleet, (c) the most severe alert. */
export const PAGES = ['box', 'fleet', 'alert'] as const;
export type PageName = (typeof PAGES)[number];

/**
 * Burn-in care: OLED pixels age with use, so static text (the IP, labels)
 * would leave a ghost. The whole content moves by one pixel every few
 * minutes through this square; layouts keep a one-pixel margin right and
 * bottom so nothing is cut.
 */
export const BURN_IN_OFFSETS: ReadonlyArray<{ x: number; y: number }> = [
  { x: 0, y: 0 },
  { x: 1, y: 0 },
  { x: 1, y: 1 },
  { x: 0, y: 1 },
];
export const SHIFT_EVERY_MS = 3 * MINUTE_MS;

/** The offset in force at `now` (a pure function of the time). */
export function burnInOffset(now: number): { x: number; y: number } {
  const step = Math.floor(now / SHIFT_EVERY_MS) % BURN_IN_OFFSETS.length;
  return BURN_IN_OFFSETS[step]!;
}

export interface NightSchedule {
  /** Local time "HH:MM" the night starts. */
  from: string;
  /** Local time "HH:MM" it ends; before `from` means the next morning. */
  to: string;
  mode: 'dim' | 'off';
}

/** Contrast while dimmed: the lowest setting still readable on an SSD1306 up close. */
export const DIM_CONTRAST = 1;

/** "HH:MM" → minutes since midnight; null when malformed. */
export function minutesOfDay(hhmm: string): number | null {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** The night mode in force at `date` (box local time), or null by day. A window may cross midnight. */
export function nightMode(night: NightSchedule | undefined, date: Date): NightSchedule['mode'] | null {
  if (!night) return null;
  const from = minutesOfDay(night.from);
  const to = minutesOfDay(night.to);
  if (from === null || to === null || from === to) return null;
  const t = date.getHours() * 60 + date.getMinutes();
  const inside = from < to ? t >= from && t < to : t >= from || t < to;
  return inside ? night.mode : null;
}

/**
 * Which page is up: pages rotate every `rotateMs`; show() puts one up at
 * once (a new critical alert) and restarts its full period.
 */
export class Pager {
  private index = 0;
  private since: number;

  constructor(
    private readonly rotateMs: number,
    now: number,
  ) {
    this.since = now;
  }

  page(now: number): PageName {
    const steps = Math.floor((now - this.since) / this.rotateMs);
    if (steps > 0) {
      this.index = (this.index + steps) % PAGES.length;
      this.since += steps * this.rotateMs;
    }
    return PAGES[this.index]!;
  }

  show(page: PageName, now: number): void {
    this.index = PAGES.indexOf(page);
    this.since = now;
  }
}
