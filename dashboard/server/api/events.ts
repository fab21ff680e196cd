import { Router } from 'express';
import { VigieError } from '../../../core/errors.js';
import { eventMessage } from '../../../events/messages.js';
import { requestLang } from '../lang.js';
import { intParam, queryValue } from '../params.js';
import { sendOk } from '../respond.js';
import { audit, type ApiContext } from './context.js';

/**
 * GET /api/events?type=&host=&user=&from=&to=&limit=&beforeId=&afterId=&lang=: the event log, newest first;
 * `type` may be a family (`alert.*`); `beforeId` pages to older events (the id of the last row shown),
 * `afterId` back to newer ones (the id of the first row shown). Each `message` comes in the caller's
 * language (`?lang=`, else Accept-Language, else English) from its type's template (events/messages.ts).
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
      beforeId: intParam(req.query, 'beforeId', 'the id of an event'),
      afterId: intParam(req.query, 'afterId', 'the id of an event'),
    };
    if (filter.beforeId !== undefined && filter.afterId !== undefined) throw new VigieError('VIGIE_ERR_BAD_REQUEST', 'beforeId, afterId: give one of them, not both');
    const lang = requestLang(req);
    const events = ctx.events.query(Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined)));
    sendOk(res, events.map((e) => ({ ...e, message: eventMessage(e, lang) })));
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
