import { Router } from 'express';
import { VigieError } from '../../../core/errors.js';
import type { HostDetail, IngestHandle } from '../../../ingest/types.js';
import { hostIdParam } from '../params.js';
import { sendOk } from '../respond.js';

/** The host an `:id` names, or a 404 envelope; the id is normalised first (MyPC → mypc). */
export function findHost(ingest: IngestHandle, raw: unknown): HostDetail {
  const id = hostIdParam(raw);
  const host = ingest.getHost(id);
  if (!host) throw new VigieError('VIGIE_ERR_HOST_NOT_FOUND', `No host "${id}"`);
  return host;
}

/** GET /api/hosts (every host with state and latest values) and GET /api/hosts/:id (one, with services). */
export function createHostsRouter(ingest: IngestHandle): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    const hosts = [...ingest.listHosts()].sort((a, b) => a.id.localeCompare(b.id));
    sendOk(res, hosts);
  });
  router.get('/:id', (req, res) => {
    sendOk(res, findHost(ingest, req.params.id));
  });
  return router;
}
