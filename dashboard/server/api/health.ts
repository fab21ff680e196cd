import { Router } from 'express';
import { VIGIE_VERSION } from '../../../core/version.js';
import type { BackupStatus } from '../../../backup/schedule.js';
import type { BrokerStats } from '../../../broker/index.js';
import type { IngestStats } from '../../../ingest/types.js';
import type { Caller } from '../auth/caller.js';
import { sendOk } from '../respond.js';
import type { ApiContext } from './context.js';
import { visibleHosts } from './hosts.js';

export interface Health {
  status: 'ok';
  version: string;
  /** Seconds this process has been running. */
  uptime: number;
  /** The hosts the caller may see; absent without a caller. */
  hosts?: { total: number; online: number; offline: number };
  /** Ingest counters: admins only. */
  ingest?: IngestStats;
  /** The embedded broker's counters (refusals, cuts, drops): admins only, when this process runs the broker. */
  broker?: BrokerStats;
  /** Scheduled backups (docs/backup.md): admins only, when this process runs them. A failing backup shows in `lastError`. */
  backup?: BackupStatus;
}

/**
 * GET /api/health: open to anyone (for uptime checks), with the host counts
 * the caller may see and, for admins, the ingest's counters.
 */
export function createHealthRouter(ctx: ApiContext): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    const caller = res.locals.caller as Caller | null;
    const health: Health = { status: 'ok', version: VIGIE_VERSION, uptime: Math.round(process.uptime()) };
    if (caller) {
      const hosts = visibleHosts(ctx, caller.user);
      const online = hosts.filter((h) => h.presence === 'online').length;
      health.hosts = { total: hosts.length, online, offline: hosts.length - online };
      if (caller.user.role === 'admin') {
        health.ingest = ctx.ingest.stats();
        const broker = ctx.broker?.() ?? null;
        if (broker) health.broker = broker;
        const backup = ctx.backup?.() ?? null;
        if (backup) health.backup = backup;
      }
    }
    sendOk(res, health);
  });
  return router;
}
