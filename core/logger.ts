import { pino, type Logger as PinoLogger, type LevelWithSilent } from 'pino';

export type Logger = PinoLogger;
export type LogLevel = LevelWithSilent;

/** Where the root logger's JSON lines go: one or more whole lines per write. */
export interface LogOutput {
  write(lines: string): void;
}

// Logs go to stderr so stdout carries only what the command prints (the URLs).
// JSON lines by default (journald, files, pipes); the CLI switches to pretty
// lines (core/log-format.ts, pino-pretty) per `log.format`. The switch is
// behind one sink so that loggers created before it (module-level children)
// follow it too; pino-pretty stays out of this module, and so out of the
// agent bundle unless that bundle asks for it.
const jsonOutput: LogOutput = pino.destination({ fd: 2, sync: true });
let output: LogOutput = jsonOutput;
const sink: LogOutput = { write: (lines) => output.write(lines) };

let root: PinoLogger = pino({ level: process.env.VIGIE_LOG_LEVEL ?? 'info', base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, sink);

/** Sends every logger's lines to `out` (null: back to JSON lines on stderr). */
export function setLogOutput(out: LogOutput | null): void {
  output = out ?? jsonOutput;
}

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
