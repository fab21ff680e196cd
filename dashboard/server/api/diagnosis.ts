import { Type } from '@sinclair/typebox';
import { Router, type Response } from 'express';
import { VigieError } from '../../../core/errors.js';
import { COMMAND_LIMITS, type TopData } from '../../../protocol/payloads.js';
import { callerOf, requireRole } from '../auth/guards.js';
import { readBody } from '../body.js';
import { sendOk } from '../respond.js';
import type { ApiContext } from './context.js';
import { findHost } from './hosts.js';

/** What POST /api/hosts/:id/diagnosis answers. */
export interface DiagnosisAnswer {
  host: string;
  action: 'top';
  /** When the server sent the request, ms since the epoch. */
  requestedAt: number;
  /** From the request to the agent's answer, ms (the agent's own sampling included). */
  elapsedMs: number;
  data: TopData;
}

/**
 * One diagnosis per host per this many ms, from the dashboard: an agent
 * answers one at a time (agent/diagnostics/index.ts), and a button held
 * down must not keep it busy nor crowd out the alerts' own requests.
 */
export const DIAGNOSIS_MIN_INTERVAL_MS = 10_000;
/** How long the dashboard waits for the agent (its `top` samples 500 ms). */
const DIAGNOSIS_TIMEOUT_MS = 8_000;

const DiagnosisBody = Type.Object({
  action: Type.Literal('top', { description: 'the one diagnosis offered on demand: top processes by CPU and by memory' }),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: COMMAND_LIMITS.topLimit, description: 'processes per list (default 10)' })),
});

/**
 * POST /api/hosts/:id/diagnosis { action: 'top', limit? } (operators and
 * admins who see the host): asks the host's agent now over `cmd/req` and
 * answers its top processes by CPU and by memory with the time taken.
 * Viewers get 403: a request runs code on the watched machine, however
 * read-only. 429 with Retry-After inside a host's throttle window; 503
 * VIGIE_ERR_HOST_OFFLINE at once for an offline host, VIGIE_ERR_UNAVAILABLE
 * when the agent is busy or does not answer.
 */
export function createDiagnosisRouter(ctx: ApiContext): Router {
  const router = Router();
  const lastAt = new Map<string, number>();

  const throttle = (host: string, res: Response): void => {
    const now = ctx.clock.now();
    const last = lastAt.get(host);
    if (last !== undefined && now - last < DIAGNOSIS_MIN_INTERVAL_MS) {
      const waitS = Math.max(1, Math.ceil((last + DIAGNOSIS_MIN_INTERVAL_MS - now) / 1000));
      res.setHeader('Retry-After', String(waitS));
      throw new VigieError('VIGIE_ERR_RATE_LIMITED', `A diagnosis of ${host} was asked less than ${DIAGNOSIS_MIN_INTERVAL_MS / 1000} s ago: wait ${waitS} s`);
    }
    lastAt.set(host, now);
    // Forget old entries so removed hosts do not pile up.
    if (lastAt.size > 1000) for (const [h, at] of lastAt) if (now - at >= DIAGNOSIS_MIN_INTERVAL_MS) lastAt.delete(h);
  };

  router.post('/:id/diagnosis', requireRole('operator'), async (req, res) => {
    const host = findHost(ctx, callerOf(res).user, req.params.id);
    const body = readBody(DiagnosisBody, req.body);
    if (host.presence !== 'online') throw new VigieError('VIGIE_ERR_HOST_OFFLINE', `${host.id} is offline: its agent cannot be asked now`);
    throttle(host.id, res);
    ctx.log.info({ host: host.id, user: callerOf(res).user.name }, 'top processes asked from the dashboard');
    const requestedAt = ctx.clock.now();
    const started = performance.now();
    const answer = await ctx.ingest.command(host.id, 'top', { limit: body.limit ?? 10 }, { timeoutMs: DIAGNOSIS_TIMEOUT_MS });
    if (!answer.ok) throw new VigieError(answer.error.code, answer.error.message);
    const result: DiagnosisAnswer = { host: host.id, action: 'top', requestedAt, elapsedMs: Math.round(performance.now() - started), data: answer.data };
    sendOk(res, result);
  });
  return router;
}
