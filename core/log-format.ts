import { Writable } from 'node:stream';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const SKIP = new Set(['level', 'time', 'component', 'msg', 'part']);

/**
 * Formats pino's JSON lines for a person at a terminal:
 * `20:50:04 INFO  broker: MQTT broker listening url=mqtt://…`. Machines
 * (systemd's journal, pipes) keep the JSON lines.
 */
export function createHumanLogStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        try {
          const rec = JSON.parse(line) as Record<string, unknown>;
          const time = typeof rec.time === 'string' ? rec.time.slice(11, 19) : '';
          const who = [rec.component, rec.part].filter(Boolean).join('/');
          const extra = Object.entries(rec)
            .filter(([k]) => !SKIP.has(k))
            .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
            .join(' ');
          out.write(`${time} ${LEVELS[rec.level as number] ?? rec.level} ${who ? `${who}: ` : ''}${String(rec.msg ?? '')}${extra ? `  ${extra}` : ''}\n`);
        } catch {
          out.write(`${line}\n`);
        }
      }
      done();
    },
  });
}
