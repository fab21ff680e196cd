import { setLogOutput, type LogOutput } from './logger.js';

/** `log.format`: auto picks pretty at a terminal, JSON elsewhere. */
export type LogFormat = 'auto' | 'pretty' | 'json';

/** What `auto` means for a stream: pretty lines only for a person at a terminal. */
export function resolveLogFormat(format: LogFormat, stream: { isTTY?: boolean } = process.stderr): 'pretty' | 'json' {
  return format === 'auto' ? (stream.isTTY ? 'pretty' : 'json') : format;
}

/**
 * pino-pretty, in Vigie's one-line style for a person at a terminal:
 * `20:50:04 INFO: broker: MQTT broker listening {"url":"mqtt://…"}` (time,
 * level, component, message, the other fields as one JSON object; an error's
 * stack below it). Coloured when `colour`.
 */
export async function createPrettyOutput(out: { write(text: string): unknown }, colour: boolean): Promise<LogOutput> {
  // Loaded only for a person at a terminal: a service (agent, server) logging JSON never pays its ~8 MiB (issue 16).
  const { prettyFactory } = await import('pino-pretty');
  const pretty = prettyFactory({
    colorize: colour,
    translateTime: 'SYS:HH:MM:ss',
    customPrettifiers: { time: (t) => String(t) }, // no [brackets]
    ignore: 'component,part',
    singleLine: true,
    messageFormat: (log, key) => {
      const who = [log.component, log.part].filter((x) => typeof x === 'string' && x !== '').join('/');
      return `${who ? `${who}: ` : ''}${String(log[key] ?? '')}`;
    },
  });
  return {
    write(lines) {
      for (const line of lines.split('\n')) if (line) out.write(pretty(line));
    },
  };
}

/**
 * Applies `log.format` to every logger (they share one root): pretty lines
 * on `stream` (coloured when it is a terminal and NO_COLOR is unset), or
 * pino's JSON lines on stderr. Returns what was chosen.
 */
export async function setLogFormat(format: LogFormat, stream: NodeJS.WriteStream = process.stderr, env: NodeJS.ProcessEnv = process.env): Promise<'pretty' | 'json'> {
  const chosen = resolveLogFormat(format, stream);
  setLogOutput(chosen === 'pretty' ? await createPrettyOutput(stream, stream.isTTY === true && !env.NO_COLOR) : null);
  return chosen;
}
