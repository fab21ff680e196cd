import { pino } from 'pino';
import type { Logger } from '../../core/logger.js';

/** A real pino logger whose lines are kept in memory, to assert what a part logged. */
export function captureLog(): { log: Logger; lines: Array<{ level: number; msg: string } & Record<string, unknown>>; warnings(): string[] } {
  const lines: Array<{ level: number; msg: string } & Record<string, unknown>> = [];
  const log = pino({ level: 'debug', base: undefined }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { log, lines, warnings: () => lines.filter((l) => l.level === 40).map((l) => l.msg) };
}
