import { Router } from 'express';
import { VigieError } from '../../../core/errors.js';
import { normaliseHostId } from '../../../protocol/host-id.js';
import { SCRIPT_ID_RE } from '../../../protocol/schemas/script.js';
import type { RunService } from '../../../scripts/run-service.js';
import { callerOf } from '../auth/guards.js';
import { intParam, queryValue } from '../params.js';
import { sendOk } from '../respond.js';
import type { ApiContext } from './context.js';

/**
 * Runs of actions (issue 14, docs/api.md "Runs"), for every signed-in role:
 * each caller reads the runs of the hosts they see (viewers too: they see
 * results, they cannot start a run).
 *   GET /api/runs?host=&script=&limit=   {runs: RunView[]} newest first (limit 1–500, default 50)
 *   GET /api/runs/:id                    {run: RunView}; 404 when unknown or its host is not visible
 */
export function createRunsRouter(ctx: ApiContext, runs: Pick<RunService, 'get' | 'list'>): Router {
  const router = Router();
  const { hostAccess } = ctx.accounts;

  router.get('/runs', (req, res) => {
    const { user } = callerOf(res);
    const rawHost = queryValue(req.query, 'host');
    let host: string | undefined;
    if (rawHost !== undefined && rawHost !== '') {
      const id = normaliseHostId(rawHost);
      if (!id.ok) throw new VigieError('VIGIE_ERR_BAD_HOST_ID', `host: ${id.error}`);
      host = id.value;
    }
    const script = queryValue(req.query, 'script') || undefined;
    if (script !== undefined && !SCRIPT_ID_RE.test(script)) throw new VigieError('VIGIE_ERR_BAD_REQUEST', `script: expected a script id, got "${script.slice(0, 40)}"`);
    const limit = intParam(req.query, 'limit', 'a number of runs from 1 to 500', 500);
    // A host the caller does not see has no runs for them: the same empty answer as a host without runs.
    if (host !== undefined && !hostAccess.canSee(user, host)) return sendOk(res, { runs: [] });
    const hosts = user.role === 'admin' ? undefined : hostAccess.visible(user.id);
    sendOk(res, {
      runs: runs.list({ ...(host !== undefined ? { host } : {}), ...(script !== undefined ? { script } : {}), ...(limit !== undefined ? { limit: Math.max(1, limit) } : {}), ...(hosts ? { hosts } : {}) }),
    });
  });

  router.get('/runs/:id', (req, res) => {
    const { user } = callerOf(res);
    const id = typeof req.params.id === 'string' && /^[A-Za-z0-9_-]{8,64}$/.test(req.params.id) ? req.params.id : '';
    const run = id ? runs.get(id) : null;
    if (!run || !hostAccess.canSee(user, run.host)) throw new VigieError('VIGIE_ERR_NOT_FOUND', `No run ${id || String(req.params.id).slice(0, 64)}`);
    sendOk(res, { run });
  });

  return router;
}
