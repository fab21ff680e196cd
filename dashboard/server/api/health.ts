import { Router } from 'express';
import { VIGIE_VERSION } from '../../../core/version.js';
import type { IngestHandle } from '../../../ingest/types.js';
import { sendOk } from '../respond.js';

export interface Health {
  status: 'ok';
  version: string;
  /** Seconds this process has been running. */
  uptime: number;
  hosts: { total: number; online: number; offline: number };
  ingest: ReturnType<IngestHandle['stats']>;
}

/** GET /api/health: is the server up, and what is the ingest doing. */
export function createHealthRouter(ingest: IngestHandle): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    const hosts = ingest.listHosts();
    const online = hosts.filter((h) => h.presence === 'online').length;
    const health: Health = {
      status: 'ok',
      version: VIGIE_VERSION,
      uptime: Math.round(process.uptime()),
      hosts: { total: hosts.length, online, offline: hosts.length - online },
      ingest: ingest.stats(),
    };
    sendOk(res, health);
  });
  return router;
}
