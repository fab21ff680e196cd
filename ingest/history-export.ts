import { csvRecord } from '../core/csv.js';
import type { RawSample } from './types.js';

/** Export formats of raw samples (docs/backup.md, "History export"). */
export type ExportFormat = 'csv' | 'json';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'json'];

/** CSV columns, in order: ISO-8601 UTC time, ms since the epoch, host, metric, key, value. */
export const EXPORT_COLUMNS = ['time', 'ts', 'host', 'metric', 'key', 'value'] as const;

/** The fields of one exported sample, as both formats carry them. */
export interface ExportedSample {
  time: string;
  ts: number;
  host: string;
  metric: string;
  key: string;
  value: number;
}

export const MIME: Record<ExportFormat, string> = { csv: 'text/csv; charset=utf-8; header=present', json: 'application/json; charset=utf-8' };

/** `vigie-<host>-<from>-<to>.<ext>`, the download's file name (host ids are `[a-z0-9._-]`: safe in a header). */
export function exportFileName(host: string, from: number, to: number, format: ExportFormat): string {
  const stamp = (ms: number): string => new Date(ms).toISOString().replace(/[:.]/g, '-');
  return `vigie-${host}-${stamp(from)}-${stamp(to)}.${format}`;
}

/**
 * Writes pages of samples to `write` as CSV (header row, one record per
 * sample, RFC 4180 quoting) or JSON (`{ host, from, to, samples: [...] }`,
 * one sample per line), chunk by chunk: `write` returns a promise that
 * resolves when the sink can take more (back-pressure). Resolves with the
 * number of samples written.
 */
export async function writeSamples(
  pages: AsyncIterable<RawSample[]>,
  meta: { host: string; from: number; to: number },
  format: ExportFormat,
  write: (chunk: string) => Promise<void>,
): Promise<number> {
  let n = 0;
  const row = (s: RawSample): ExportedSample => ({ time: new Date(s.ts).toISOString(), ts: s.ts, host: meta.host, metric: s.metric, key: s.key, value: s.value });
  if (format === 'csv') {
    await write(csvRecord(EXPORT_COLUMNS));
    for await (const page of pages) {
      await write(page.map((s) => { const r = row(s); return csvRecord([r.time, r.ts, r.host, r.metric, r.key, r.value]); }).join(''));
      n += page.length;
    }
    return n;
  }
  await write(`{"host":${JSON.stringify(meta.host)},"from":${meta.from},"to":${meta.to},"samples":[`);
  for await (const page of pages) {
    await write(page.map((s, i) => `${n + i === 0 ? '\n' : ',\n'}${JSON.stringify(row(s))}`).join(''));
    n += page.length;
  }
  await write(`${n > 0 ? '\n' : ''}]}\n`);
  return n;
}

/** A `write` for `writeSamples` over a Node writable (an HTTP response, a file, stdout). */
export function writerFor(sink: NodeJS.WritableStream): (chunk: string) => Promise<void> {
  return (chunk) =>
    new Promise<void>((resolve, reject) => {
      // A reader that went away (closed connection) ends the export instead of leaving it waiting for 'drain'.
      const onError = (error: Error): void => finish(error);
      const onClose = (): void => finish(new Error('the reader closed the stream'));
      const finish = (error?: Error): void => {
        sink.off('error', onError);
        sink.off('close', onClose);
        sink.off('drain', onDrain);
        if (error) reject(error);
        else resolve();
      };
      const onDrain = (): void => finish();
      sink.once('error', onError);
      sink.once('close', onClose);
      if (sink.write(chunk)) finish();
      else sink.once('drain', onDrain);
    });
}
