import { Router, type RequestHandler } from 'express';
import type { Registry } from 'prom-client';
import type { Accounts } from '../../../accounts/index.js';
import { requireRole } from '../auth/guards.js';
import { scrapeGuard, type ScrapeAccess } from '../auth/scrape-access.js';
import type { ApiContext } from './context.js';
import type { MetricsSources } from './self-metrics.js';

/** A dashboard's Prometheus registry (./self-metrics.ts) and how to take one scrape of it. */
export interface SelfMetrics {
  registry: Registry;
  scrape(): Promise<string>;
}

/**
 * The registry, built by the first scrape. prom-client and its runtime
 * collectors (an event-loop delay histogram, a GC observer) are loaded only
 * then: a box that no Prometheus scrapes does not carry them (measured by
 * bench/memory/up.ts, the Pi 3 budget). Runtime counters such as
 * nodejs_gc_duration_seconds count from that first scrape, which Prometheus
 * takes as a counter reset.
 */
export function lazySelfMetrics(sources: MetricsSources): () => Promise<SelfMetrics> {
  let metrics: Promise<SelfMetrics> | undefined;
  return () => (metrics ??= import('./self-metrics.js').then((m) => m.createMetricsRegistry(sources)));
}

/** Sends the registry's exposition with prom-client's content type (text format 0.0.4). */
function serve(metrics: () => Promise<SelfMetrics>): RequestHandler {
  return async (_req, res) => {
    const m = await metrics();
    const body = await m.scrape();
    res.setHeader('Cache-Control', 'no-store');
    res.type(m.registry.contentType).send(body);
  };
}

/** GET /metrics, outside /api: see scrapeGuard for who may read it. */
export function createPrometheusRouter(accounts: Accounts, access: ScrapeAccess, metrics: () => Promise<SelfMetrics>): Router {
  const router = Router();
  router.get('/metrics', scrapeGuard(accounts, access), serve(metrics));
  return router;
}

/**
 * GET /api/metrics, kept for scrapers set up before /metrics existed: the
 * same registry and body, for admins as before (a session or an API token).
 */
export function createSelfMetricsRouter(_ctx: ApiContext, metrics: () => Promise<SelfMetrics>): Router {
  const router = Router();
  router.get('/', requireRole('admin'), serve(metrics));
  return router;
}
