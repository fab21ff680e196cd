import { Router } from 'express';
import { VIGIE_VERSION } from '../../../core/version.js';
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
      }
    }
    sendOk(res, health);
  });
  return router;
}

/** One readiness condition as /readyz reports it. */
export interface ReadinessCheck {
  ok: boolean;
  /** `connected`/`disconnected` for MQTT; the storage state (`ok`, `full`, `failing`) for the store. */
  state: string;
}

export interface Readiness {
  ready: boolean;
  /** Why it is not ready, in English; empty when ready. */
  reasons: string[];
  checks: { mqtt: ReadinessCheck; store: ReadinessCheck };
}

/**
 * Whether this server does its job now: its ingest is connected to the
 * broker (else it hears no agent) and its store accepts writes (else nothing
 * is acknowledged). Pure, from the ingest's counters.
 */
export function readiness(stats: Pick<IngestStats, 'connected' | 'storage'>): Readiness {
  const reasons: string[] = [];
  if (!stats.connected) reasons.push('the ingest is not connected to the MQTT broker');
  if (stats.storage !== 'ok') reasons.push(stats.storage === 'full' ? 'the store is full (disk full): samples are not acknowledged' : 'store writes are failing: samples are not acknowledged');
  return {
    ready: reasons.length === 0,
    reasons,
    checks: {
      mqtt: { ok: stats.connected, state: stats.connected ? 'connected' : 'disconnected' },
      store: { ok: stats.storage === 'ok', state: stats.storage },
    },
  };
}

/**
 * GET /livez and GET /readyz, outside /api and open to anyone (Kubernetes,
 * Uptime Kuma, blackbox_exporter): they say nothing about hosts.
 * - /livez: 200 while the process serves HTTP at all;
 * - /readyz: 200 when ready, else 503 `{ ok: false, error: { code:
 *   'VIGIE_ERR_UNAVAILABLE', message }, checks }` naming every reason.
 */
export function createProbeRouter(ctx: Pick<ApiContext, 'ingest'>): Router {
  const router = Router();
  router.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  router.get('/livez', (_req, res) => {
    sendOk(res, { status: 'live', uptime: Math.round(process.uptime()) });
  });
  router.get('/readyz', (_req, res) => {
    const r = readiness(ctx.ingest.stats());
    if (r.ready) {
      sendOk(res, { status: 'ready', checks: r.checks });
      return;
    }
    res.status(503).json({ ok: false, error: { code: 'VIGIE_ERR_UNAVAILABLE', message: `Not ready: ${r.reasons.join('; ')}` }, checks: r.checks });
  });
  return router;
}
