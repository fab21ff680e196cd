import type { Logger } from '../core/logger.js';
import { explainDisplayError } from './i2c.js';
import type { Framebuffer } from './framebuffer.js';
import { Ssd1306, type I2cBus } from './ssd1306.js';

/** Where a display stands: `on` when frames reach a screen; `reason` says why not. */
export interface DisplayStatus {
  kind: 'ssd1306' | 'memory' | 'terminal';
  on: boolean;
  reason: string | null;
}

/**
 * The hardware behind one interface (STYLE §12): the SSD1306, a memory
 * display, the terminal simulator. Calls never throw: a missing device is a
 * state, reported by status() and logged.
 */
export interface Display {
  /** Shows a frame (copied at once: the caller may draw the next one). */
  show(frame: Framebuffer): void;
  setContrast(value: number): void;
  /** Turns the panel on or puts it to sleep (night mode `off`). */
  setPower(on: boolean): void;
  status(): DisplayStatus;
  close(): Promise<void>;
}

/** A display that keeps what it was told: the last frame, contrast and power. */
export interface MemoryDisplay extends Display {
  readonly frame: Uint8Array | null;
  readonly contrast: number | null;
  readonly power: boolean;
  /** Frames shown so far. */
  readonly shown: number;
}

/** A display in memory: for tests, and when no screen is configured (`reason` says so). */
export function createMemoryDisplay(reason: string | null = null): MemoryDisplay {
  const d = {
    frame: null as Uint8Array | null,
    contrast: null as number | null,
    power: true,
    shown: 0,
    show(frame: Framebuffer) {
      d.frame = frame.buffer.slice();
      d.shown += 1;
    },
    setContrast(value: number) {
      d.contrast = value;
    },
    setPower(on: boolean) {
      d.power = on;
    },
    status: (): DisplayStatus => ({ kind: 'memory', on: false, reason }),
    close: async () => {},
  };
  return d;
}

export interface Ssd1306DisplayOptions {
  /** Opens the bus; `openI2cBus(bus)` on a Pi, a memory bus in tests. */
  open: () => Promise<I2cBus>;
  /** For messages: the bus number and 7-bit address. */
  bus: number;
  address: number;
  width: number;
  height: 64 | 32;
  contrast: number;
  flip: boolean;
  /** ms between attempts to reopen the display after a failure. */
  retryMs: number;
  log: Logger;
}

/** How long close() waits to put the panel to sleep before giving up. */
const CLOSE_TIMEOUT_MS = 1000;

/**
 * An SSD1306 that comes and goes: opens the bus, initialises the panel and
 * writes frames; any error (module missing, no /dev/i2c-N, no answer at the
 * address) logs one warning "display off: why", closes the bus and retries
 * every `retryMs`. When the panel answers again it is initialised and gets
 * the current frame, contrast and power. Writes are serialised; frames that
 * arrive during a write are coalesced into the latest.
 */
export function startSsd1306Display(opts: Ssd1306DisplayOptions): Display {
  const { log } = opts;
  const want = { frame: null as Uint8Array | null, contrast: opts.contrast, power: true };
  let sent: { frame: Uint8Array | null; contrast: number; power: boolean } | null = null;
  let bus: I2cBus | null = null;
  let device: Ssd1306 | null = null;
  let reason: string | null = 'opening';
  let loggedReason: string | null = null;
  let everOn = false;
  let closed = false;
  let running: Promise<void> | null = null;
  let retryTimer: NodeJS.Timeout | undefined;

  const fail = async (error: unknown): Promise<void> => {
    reason = explainDisplayError(error, opts);
    if (reason !== loggedReason) log.warn({ bus: opts.bus, address: opts.address, retryS: opts.retryMs / 1000 }, `display off: ${reason}`);
    else log.debug({ reason }, 'display still off');
    loggedReason = reason;
    const old = bus;
    bus = null;
    device = null;
    sent = null;
    await old?.close().catch(() => undefined);
    if (!closed) retryTimer = setTimeout(kick, opts.retryMs);
  };

  const step = async (): Promise<boolean> => {
    if (!device) {
      bus = await opts.open();
      device = new Ssd1306(bus, opts.address, { width: opts.width, height: opts.height });
      await device.init({ contrast: want.contrast, flip: opts.flip });
      sent = { frame: null, contrast: want.contrast, power: true };
      if (reason !== null) log.info({ bus: opts.bus, address: opts.address }, everOn ? 'display on again' : `display on: SSD1306 ${opts.width}×${opts.height}`);
      reason = null;
      loggedReason = null;
      everOn = true;
      return true;
    }
    const done = sent!;
    if (want.frame && !sameBytes(want.frame, done.frame)) {
      const frame = want.frame;
      await device.writeFrame(frame);
      done.frame = frame;
      return true;
    }
    if (want.contrast !== done.contrast) {
      const contrast = want.contrast;
      await device.setContrast(contrast);
      done.contrast = contrast;
      return true;
    }
    if (want.power !== done.power) {
      const power = want.power;
      await device.setPower(power);
      done.power = power;
      return true;
    }
    return false;
  };

  // One loop at a time brings the panel to what is wanted, then stops.
  function kick(): void {
    retryTimer = undefined;
    if (closed || running) return;
    running = (async () => {
      try {
        while (!closed && (await step()));
      } catch (error) {
        await fail(error);
      } finally {
        running = null;
      }
    })();
  }

  kick();
  return {
    show(frame) {
      want.frame = frame.buffer.slice();
      if (!retryTimer) kick();
    },
    setContrast(value) {
      want.contrast = value;
      if (!retryTimer) kick();
    },
    setPower(on) {
      want.power = on;
      if (!retryTimer) kick();
    },
    status: () => ({ kind: 'ssd1306', on: reason === null && want.power, reason }),
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(retryTimer);
      await running;
      // Sleep the panel: a frozen frame would show stale numbers and burn in.
      if (device) {
        const sleep = device.setPower(false).catch(() => undefined);
        await Promise.race([sleep, new Promise((r) => setTimeout(r, CLOSE_TIMEOUT_MS).unref())]);
      }
      await bus?.close().catch(() => undefined);
      bus = null;
      device = null;
    },
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array | null): boolean {
  if (!b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
