import type { Request, Response } from 'express';
import { VigieError } from '../../../core/errors.js';
import { csvRecord } from '../../../core/csv.js';
import { EXPORT_FORMATS, exportFileName, MIME, resolveSampleQuery, SampleQueryError, writeExport, type ExportFormat } from '../../../ingest/history-export.js';
import type { HistoryPoint } from '../../../ingest/types.js';
import { intParam, queryValue } from '../params.js';
import type { ApiContext } from './context.js';

/** `format`: json (the default) or csv; anything else is a 400 naming the parameter. */
export function exportFormat(query: unknown, fallback: ExportFormat | 'envelope'): ExportFormat | 'envelope' {
  const raw = queryValue(query, 'format');
  if (raw === undefined || raw === '') return fallback;
  if (!(EXPORT_FORMATS as readonly string[]).includes(raw)) throw new VigieError('VIGIE_ERR_BAD_REQUEST', `format: expected csv or json, got "${raw.slice(0, 20)}"`);
  return raw as ExportFormat;
}

function attachment(res: Response, name: string, format: ExportFormat): void {
  res.status(200);
  res.setHeader('content-type', MIME[format]);
  res.setHeader('content-disposition', `attachment; filename="${name}"`);
  res.setHeader('cache-control', 'no-store');
  res.setHeader('x-content-type-options', 'nosniff');
}

/** The bucketed answer of /history as CSV: time, ts, avg, min, max (one record per bucket). */
export function sendHistoryCsv(res: Response, meta: { host: string; metric: string; key: string; from: number; to: number }, points: readonly HistoryPoint[]): void {
  attachment(res, exportFileName(`${meta.host}-${meta.metric}${meta.key ? `-${meta.key.replace(/[^A-Za-z0-9._-]/g, '_')}` : ''}`, meta.from, meta.to, 'csv'), 'csv');
  res.end(csvRecord(['time', 'ts', 'metric', 'key', 'avg', 'min', 'max']) + points.map((p) => csvRecord([new Date(p.ts).toISOString(), p.ts, meta.metric, meta.key, p.avg, p.min, p.max])).join(''));
}

/**
 * GET /api/hosts/:id/export?from&to&metric&key&format: the raw samples of a
 * host (docs/api.md), streamed as CSV or JSON. `host` has been found with
 * the caller's access (the same rule as /history).
 */
export async function sendSamplesExport(ctx: ApiContext, host: string, req: Request, res: Response): Promise<void> {
  const q = req.query;
  let query;
  try {
    query = resolveSampleQuery(host, {
      to: intParam(q, 'to', 'milliseconds since the Unix epoch'),
      from: intParam(q, 'from', 'milliseconds since the Unix epoch'),
      metric: queryValue(q, 'metric') || undefined,
      key: queryValue(q, 'key'),
    }, ctx.clock.now());
  } catch (error) {
    if (!(error instanceof SampleQueryError)) throw error;
    const code = error.field === 'from' ? 'VIGIE_ERR_BAD_RANGE' : error.field === 'metric' ? 'VIGIE_ERR_BAD_METRIC' : 'VIGIE_ERR_BAD_REQUEST';
    throw new VigieError(code, `${error.field}: ${error.message}`);
  }
  const format = exportFormat(q, 'json') as ExportFormat;
  if (!ctx.ingest.samples) {
    throw new VigieError('VIGIE_ERR_UNAVAILABLE', 'Raw samples are exported from the SQLite store only; this server keeps its history in InfluxDB: query InfluxDB (or use /history with format=csv)');
  }
  attachment(res, exportFileName(host, query.from, query.to, format), format);
  // Headers are sent: a failure half-way can only cut the response (pipeline destroys it), which the reader sees as truncated.
  await writeExport(ctx.ingest.samples(query), query, format, res).catch(() => undefined);
}
