import { csvRecord } from '../core/csv.js';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DAY_MS, fileStamp } from '../core/time.js';
import { MAX_SPAN_MS } from '../dashboard/server/history-query.js';
import { isMetricName, METRICS } from '../protocol/metric-series.js';
import type { RawSample, SampleQuery } from './types.js';

/** Export formats of raw samples (docs/backup.md, "History export"). */
export type ExportFormat = 'csv' | 'json';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'json'];

/** CSV columns, in order: ISO-8601 UTC time, ms since the epoch, host, metric, key, value. */
const EXPORT_COLUMNS = ['time', 'ts', 'host', 'metric', 'key', 'value'] as const;

export const MIME: Record<ExportFormat, string> = { csv: 'text/csv; charset=utf-8; header=present', json: 'application/json; charset=utf-8' };

/** `vigie-<host>-<from>-<to>.<ext>`, the download's file name (host ids are `[a-z0-9._-]`: safe in a header). */
export function exportFileName(host: string, from: number, to: number, format: ExportFormat): string {
  return `vigie-${host}-${fileStamp(from)}-${fileStamp(to)}.${format}`;
}

/**
 * The text of an export, chunk by chunk: CSV (header row, one record per
 * sample, RFC 4180 quoting) or JSON (`{ host, from, to, samples: [...] }`,
 * one sample per line). `counted.n` is the number of samples once done.
 */
async function* exportChunks(pages: AsyncIterable<RawSample[]>, meta: { host: string; from: number; to: number }, format: ExportFormat, counted: { n: number }): AsyncGenerator<string> {
  const time = (ts: number): string => new Date(ts).toISOString();
  if (format === 'csv') {
    yield csvRecord(EXPORT_COLUMNS);
    for await (const page of pages) {
      yield page.map((s) => csvRecord([time(s.ts), s.ts, meta.host, s.metric, s.key, s.value])).join('');
      counted.n += page.length;
    }
    return;
  }
  yield `{"host":${JSON.stringify(meta.host)},"from":${meta.from},"to":${meta.to},"samples":[`;
  for await (const page of pages) {
    const first = counted.n;
    yield page.map((s, i) => `${first + i === 0 ? '\n' : ',\n'}${JSON.stringify({ time: time(s.ts), ts: s.ts, host: meta.host, metric: s.metric, key: s.key, value: s.value })}`).join('');
    counted.n += page.length;
  }
  yield `${counted.n > 0 ? '\n' : ''}]}\n`;
}

/**
 * Streams an export into `sink` (an HTTP response, a file, stdout) with
 * stream.pipeline: back-pressure, a reader that goes away and a write error
 * (disk full, EPIPE) all end it with a rejection, never an uncaught error.
 * `end: false` leaves the sink open (stdout). Resolves with the sample count.
 */
export async function writeExport(
  pages: AsyncIterable<RawSample[]>,
  meta: { host: string; from: number; to: number },
  format: ExportFormat,
  sink: NodeJS.WritableStream,
  opts: { end?: boolean } = {},
): Promise<number> {
  const counted = { n: 0 };
  await pipeline(Readable.from(exportChunks(pages, meta, format, counted)), sink, { end: opts.end ?? true });
  return counted.n;
}

/** Why a sample query was refused: `field` names the parameter (from, metric, key). */
export class SampleQueryError extends Error {
  constructor(readonly field: 'from' | 'metric' | 'key', message: string) {
    super(message);
  }
}

/**
 * The raw-sample query of an export, from what the API or the CLI was
 * given: `to` defaults to now, `from` to a day before; from < to, at most
 * MAX_SPAN_MS; a metric of protocol/metric-series.ts; `key` only with a
 * metric. Throws SampleQueryError naming the parameter.
 */
export function resolveSampleQuery(host: string, given: { from?: number; to?: number; metric?: string; key?: string }, now: number): SampleQuery {
  const to = given.to ?? now;
  const from = given.from ?? to - DAY_MS;
  if (!(from < to)) throw new SampleQueryError('from', `must be before to (from ${new Date(from).toISOString()}, to ${new Date(to).toISOString()})`);
  if (to - from > MAX_SPAN_MS) throw new SampleQueryError('from', `the window spans more than ${MAX_SPAN_MS / DAY_MS} days; narrow from/to`);
  const { metric, key } = given;
  if (metric !== undefined && !isMetricName(metric)) throw new SampleQueryError('metric', `"${metric.slice(0, 60)}" is not a metric; expected one of ${Object.keys(METRICS).join(', ')}`);
  if (key !== undefined && metric === undefined) throw new SampleQueryError('key', 'give metric with key');
  if (key !== undefined && key.length > 512) throw new SampleQueryError('key', 'expected at most 512 characters');
  return { host, from, to, ...(metric !== undefined ? { metric } : {}), ...(key !== undefined ? { key } : {}) };
}
