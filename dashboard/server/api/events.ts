import { Router } from 'express';
import { VigieError } from '../../../core/errors.js';
import { intParam, queryValue } from '../params.js';
import { sendOk } from '../respond.js';
import { audit, type ApiContext } from './context.js';

/**
 * GET /api/events?type=&host=&user=&from=&to=&limit=: the event log, newest first;
 * DELETE /api/events?before=<ms>: purge older events. Admins only.
 */
export function createEventsRouter(ctx: ApiContext): Router {
  const router = Router();
  router.get('/', (req, res) => {
    const text = (name: string): string | undefined => {
      const v = queryValue(req.query, name);
      return v === undefined || v === '' ? undefined : v.slice(0, 256);
    };
    const filter = {
      type: text('type'),
      host: text('host'),
      user: text('user'),
      from: intParam(req.query, 'from', 'milliseconds since the Unix epoch'),
      to: intParam(req.query, 'to', 'milliseconds since the Unix epoch'),
      limit: intParam(req.query, 'limit', 'a number of events from 1 to 1000', 1000),
    };
    sendOk(res, ctx.events.query(Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined))));
  });
  router.delete('/', (req, res) => {
    const before = intParam(req.query, 'before', 'milliseconds since the Unix epoch');
    if (before === undefined) throw new VigieError('VIGIE_ERR_BAD_REQUEST', 'before: required, milliseconds since the Unix epoch');
    const deleted = ctx.events.purgeBefore(before);
    // Written after the purge, so the log keeps a trace of it.
    audit(ctx, req, res, { type: 'events.purged', message: `${deleted} events before ${new Date(before).toISOString()} purged`, data: { before, deleted } });
    sendOk(res, { deleted });
  });
  return router;
}
