import type { Handle } from '../../core/lifecycle.js';
import { onceClose } from '../../core/lifecycle.js';
import { createLogger, type Logger } from '../../core/logger.js';
import type { HttpServerHandle } from '../../core/http-server.js';
import type { Clock } from '../../core/time.js';
import type { IngestHandle } from '../../ingest/types.js';
import { createApp } from './app.js';
import type { HttpConfig } from './config.js';
import { startLive, type LiveStats } from './live.js';

export interface DashboardConfig {
  http: HttpConfig;
  /** MQTT topic prefix (kept for links and docs the dashboard shows). */
  prefix: string;
}

export interface DashboardDeps {
  http: HttpServerHandle;
  ingest: IngestHandle;
  log?: Logger;
  clock?: Clock;
  /** Where the built browser app lives (default: dist/web). */
  webRoot?: string;
}

export interface DashboardHandle extends Handle {
  live(): LiveStats;
}

/**
 * Mounts the dashboard on a shared HTTP server: the express app (REST API
 * under /api, the browser app at /) and Socket.IO at /socket.io. The broker
 * may attach MQTT over WebSocket at /mqtt on the same server.
 * close() detaches both and leaves the HTTP server to its own handle.
 */
export async function startDashboard(config: DashboardConfig, deps: DashboardDeps): Promise<DashboardHandle> {
  const log = deps.log ?? createLogger('dashboard');
  const app = createApp({ ingest: deps.ingest, log, ...(deps.clock ? { clock: deps.clock } : {}), ...(deps.webRoot ? { webRoot: deps.webRoot } : {}) });
  deps.http.setHandler(app);
  const live = startLive(deps.http.server, {
    ingest: deps.ingest,
    log,
    overviewThrottle: config.http.overviewThrottle,
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  log.info({ url: deps.http.url }, 'dashboard ready');
  const close = onceClose(async () => {
    await live.close();
    deps.http.setHandler((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error: { code: 'VIGIE_ERR_UNAVAILABLE', message: 'Dashboard stopped' } }));
    });
  });
  return { live: () => live.stats(), close };
}
