import { pino, type Logger as PinoLogger, type LevelWithSilent } from 'pino';
import { createHumanLogStream } from './log-format.js';

export type Logger = PinoLogger;
export type LogLevel = LevelWithSilent;

// Logs go to stderr so stdout carries only what the command prints (the URLs):
// readable lines at a terminal, JSON lines otherwise (journald, files, pipes).
let root: PinoLogger = pino(
  { level: process.env.VIGIE_LOG_LEVEL ?? 'info', base: undefined, timestamp: pino.stdTimeFunctions.isoTime },
  process.stderr.isTTY ? createHumanLogStream(process.stderr) : pino.destination({ fd: 2, sync: true }),
);

/** Sets the level of every logger created so far and later. */
export function setLogLevel(level: LogLevel): void {
  root.level = level;
}

/** A child logger whose lines carry `component: name`. */
export function createLogger(component: string): Logger {
  return root.child({ component });
}

/** Replaces the root logger (tests silence it; the CLI may route it elsewhere). */
export function setRootLogger(logger: PinoLogger): void {
  root = logger;
}

/**
 * Logs at most one line per `everyMs` per key, and says how many were
 * suppressed meanwhile: bad input from the network must not flood the log.
 */
export function createRateLimitedLog(log: Logger, everyMs = 10_000) {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (key: string, message: string, fields: Record<string, unknown> = {}): void => {
    const now = Date.now();
    const entry = last.get(key);
    if (entry && now - entry.at < everyMs) {
      entry.suppressed += 1;
      return;
    }
    const suppressed = entry?.suppressed ?? 0;
    last.set(key, { at: now, suppressed: 0 });
    if (last.size > 10_000) last.clear(); // keys come from the network: bound the map
    log.warn({ ...fields, suppressed }, message);
  };
}
