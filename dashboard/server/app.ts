import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import type { Logger } from '../../core/logger.js';
import type { Clock } from '../../core/time.js';
import type { IngestHandle } from '../../ingest/types.js';
import { createHealthRouter } from './api/health.js';
import { createHistoryRouter } from './api/history.js';
import { createHostsRouter } from './api/hosts.js';
import { errorHandler, notFoundHandler } from './respond.js';

/** dist/web, written by dashboard/web/build.ts; found from this compiled file (dist/dashboard/server/app.js). */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));

// The app only loads its own bundle; data is shown with textContent, and this
// header is the second line of defence if a string ever slips through.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export interface AppDeps {
  ingest: IngestHandle;
  log: Logger;
  clock?: Clock;
  webRoot?: string;
}

/** The dashboard's express app: REST API under /api, the browser app at /. */
export function createApp(deps: AppDeps): Express {
  const webRoot = deps.webRoot ?? DEFAULT_WEB_ROOT;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    next();
  });

  const api = express.Router();
  api.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  api.use('/health', createHealthRouter(deps.ingest));
  api.use('/hosts', createHostsRouter(deps.ingest));
  api.use('/hosts', createHistoryRouter(deps.ingest, deps.clock));
  api.use(notFoundHandler);
  api.use(errorHandler(deps.log));
  app.use('/api', api);

  app.use(express.static(webRoot, { index: 'index.html', maxAge: 0 }));
  app.get('/', (_req, res) => {
    // Reached only when dist/web/index.html is missing.
    const built = existsSync(join(webRoot, 'index.html'));
    res.status(built ? 404 : 503).type('text/plain').send(built ? 'Not found' : 'The web app is not built: run `npm run build`.');
  });
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('Not found');
  });
  app.use(errorHandler(deps.log));
  return app;
}
