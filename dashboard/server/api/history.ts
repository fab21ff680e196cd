import { Router } from 'express';
import type { HistoryQuery, HistoryResult, SeriesRef } from '../../../ingest/types.js';
import { callerOf } from '../auth/guards.js';
import { resolveHistoryQuery, type RangeName } from '../history-query.js';
import { sendOk } from '../respond.js';
import type { ApiContext } from './context.js';
import { exportFormat, sendHistoryCsv, sendSamplesExport } from './history-export.js';
import { findHost } from './hosts.js';

/** The query as resolved, with the answer; `step` in seconds, as the request's parameter. */
export interface HistoryAnswer extends Omit<HistoryQuery, 'step'>, Omit<HistoryResult, 'step'> {
  step: number;
  range: RangeName | null;
  /**
   * Seconds: two consecutive points further apart than this have missing
   * samples between them (the host was off), and a chart breaks its line there.
   */
  gapAfter: number;
}

/**
 * Twice the wider of the bucket and the host's metrics interval: one late or
 * lost sample is not a gap, two missing in a row are. Without a known
 * interval (an agent that never sent its status), the bucket alone.
 */
export function gapAfterSeconds(stepMs: number, intervalS: number | undefined): number {
  const expected = Math.max(stepMs / 1000, intervalS ?? 0);
  return Math.ceil(2 * expected);
}

/** GET /api/hosts/:id/series (the stored metric/key pairs), GET /api/hosts/:id/history (`format=csv` for a CSV file) and GET /api/hosts/:id/export (raw samples). */
export function createHistoryRouter(ctx: ApiContext): Router {
  const { ingest, clock } = ctx;
  const router = Router();
  router.get('/:id/series', async (req, res) => {
    const host = findHost(ctx, callerOf(res).user, req.params.id);
    const series: SeriesRef[] = await ingest.series(host.id);
    sendOk(res, series);
  });
  router.get('/:id/history', async (req, res) => {
    const host = findHost(ctx, callerOf(res).user, req.params.id);
    const q = resolveHistoryQuery(host.id, req.query, clock.now());
    const format = exportFormat(req.query, 'envelope');
    const result = await ingest.history(q);
    if (format === 'csv') return sendHistoryCsv(res, q, result.points);
    const answer: HistoryAnswer = {
      host: host.id,
      metric: q.metric,
      key: q.key,
      from: q.from,
      to: q.to,
      step: Math.round(result.step / 1000),
      range: q.range,
      tier: result.tier,
      points: result.points,
      gapAfter: gapAfterSeconds(result.step, host.status?.interval),
    };
    sendOk(res, answer);
  });
  router.get('/:id/export', async (req, res) => {
    const host = findHost(ctx, callerOf(res).user, req.params.id);
    await sendSamplesExport(ctx, host.id, req, res);
  });
  return router;
}
