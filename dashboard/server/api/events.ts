import { Router } from 'express';
import { intParam, queryValue } from '../params.js';
import { sendOk } from '../respond.js';
import type { ApiContext } from './context.js';

/** GET /api/events?type=&host=&user=&from=&to=&limit=: the event log, newest first (admins). */
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
  return router;
}
