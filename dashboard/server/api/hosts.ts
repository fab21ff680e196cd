import { Type } from '@sinclair/typebox';
import { Router } from 'express';
import type { User } from '../../../accounts/users.js';
import { VigieError } from '../../../core/errors.js';
import type { HostDetail, HostSummary } from '../../../ingest/types.js';
import { callerOf, requireRole } from '../auth/guards.js';
import { readBody } from '../body.js';
import { hostIdParam } from '../params.js';
import { sendOk } from '../respond.js';
import { audit, type ApiContext } from './context.js';

/** A host as the dashboard shows it: the ingest's summary plus its label. */
export type HostView<T extends HostSummary = HostSummary> = T & { label: string | null };

/**
 * The host an `:id` names if the user may see it, else a 404 — the same
 * answer as for a host that does not exist, so ids reveal nothing.
 */
export function findHost(ctx: ApiContext, user: User, raw: unknown): HostView<HostDetail> {
  const id = hostIdParam(raw);
  const host = ctx.accounts.hostAccess.canSee(user, id) ? ctx.ingest.getHost(id) : null;
  if (!host) throw new VigieError('VIGIE_ERR_HOST_NOT_FOUND', `No host "${id}"`);
  return { ...host, label: ctx.accounts.hostAccess.get(id).label };
}

/** Every host the user may see, sorted by id, with labels. */
export function visibleHosts(ctx: ApiContext, user: User): HostView[] {
  const labels = ctx.accounts.hostAccess.labels();
  const sees = ctx.accounts.hostAccess.visibilityOf(user);
  return ctx.ingest
    .listHosts()
    .filter((h) => sees(h.id))
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((h) => ({ ...h, label: labels.get(h.id) ?? null }));
}

const HostSettings = Type.Object({ label: Type.Union([Type.String({ maxLength: 256 }), Type.Null()]) });

/** GET /api/hosts, GET /api/hosts/:id, PATCH /api/hosts/:id (operators: the host's settings). */
export function createHostsRouter(ctx: ApiContext): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    sendOk(res, visibleHosts(ctx, callerOf(res).user));
  });
  router.get('/:id', (req, res) => {
    sendOk(res, findHost(ctx, callerOf(res).user, req.params.id));
  });
  router.patch('/:id', requireRole('operator'), (req, res) => {
    const host = findHost(ctx, callerOf(res).user, req.params.id);
    const body = readBody(HostSettings, req.body);
    const after = ctx.accounts.hostAccess.setLabel(host.id, body.label);
    audit(ctx, req, res, { type: 'host.settings', host: host.id, message: `Settings of ${host.id} changed`, data: { before: { label: host.label }, after: { label: after.label } } });
    sendOk(res, { ...host, label: after.label });
  });
  return router;
}
