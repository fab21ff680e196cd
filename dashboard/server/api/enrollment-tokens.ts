import { Router } from 'express';
import type { EnrollmentToken } from '../../../accounts/enrollment-tokens.js';
import { VIGIE_VERSION } from '../../../core/version.js';
import { unreachableKind, type UnreachableKind } from '../../../core/public-address.js';
import { VigieError } from '../../../core/errors.js';
import { callerName } from '../auth/caller.js';
import { callerOf, requireRole } from '../auth/guards.js';
import { idParam } from '../body.js';
import { sendOk } from '../respond.js';
import { audit, type ApiContext } from './context.js';

/** What the box hands out to new agents, and whether other machines could use it (GET /api/install-info). */
export interface InstallInfo {
  /** The dashboard URL in install lines (http.publicUrl or the guessed LAN address). */
  publicUrl: string;
  /** The broker URL agents get when they enroll (http.publicBroker or the guessed one). */
  broker: string;
  /** Set when that URL cannot reach this box from elsewhere: the page says how to fix it. */
  publicUrlProblem: UnreachableKind | null;
  brokerProblem: UnreachableKind | null;
  /** The box's Vigie version: agents older than this are shown as outdated. */
  version: string;
  /** Lifetime of a new token, minutes. */
  tokenMinutes: number;
}

/**
 * Admin routes for enrollment tokens (issue 11): GET /api/enrollment-tokens
 * (pending ones, never the token), DELETE /api/enrollment-tokens/:id
 * (cancel), GET /api/install-info. Tokens are made by POST /api/hosts.
 */
export function createEnrollmentTokensRouter(ctx: ApiContext): Router {
  const router = Router();
  const admin = requireRole('admin');
  router.get('/enrollment-tokens', admin, (_req, res) => {
    sendOk(res, ctx.accounts.enrollmentTokens.listPending());
  });
  router.delete('/enrollment-tokens/:id', admin, (req, res) => {
    const id = idParam(req.params.id, 'enrollment token');
    const cancelled: EnrollmentToken | null = ctx.accounts.enrollmentTokens.cancel(id, callerName(callerOf(res)));
    if (!cancelled) throw new VigieError('VIGIE_ERR_NOT_FOUND', `No pending enrollment token ${id} (used, expired or cancelled already)`);
    audit(ctx, req, res, { type: 'host.enroll_cancelled', host: cancelled.host, message: `Enrollment token for ${cancelled.host} cancelled`, data: { tokenId: id } });
    sendOk(res, cancelled);
  });
  router.get('/install-info', admin, (_req, res) => {
    const publicUrl = ctx.publicUrl();
    const broker = ctx.publicBroker();
    const info: InstallInfo = {
      publicUrl,
      broker,
      publicUrlProblem: unreachableKind(publicUrl),
      brokerProblem: unreachableKind(broker),
      version: VIGIE_VERSION,
      tokenMinutes: Math.round(ctx.enrollTokenTtlMs / 60_000),
    };
    sendOk(res, info);
  });
  return router;
}
