import { existsSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { VigieError } from '../../core/errors.js';
import { createAccessRouter } from './api/access.js';
import { createAlertsRouter } from './api/alerts.js';
import { createChannelsRouter } from './api/channels.js';
import { createChecksRouter, isImportRequest } from './api/checks.js';
import { createDevicesRouter } from './api/devices.js';
import { createRunsRouter } from './api/runs.js';
import { createScriptsRouter, isScriptWrite } from './api/scripts.js';
import { createDiagnosisRouter } from './api/diagnosis.js';
import type { ApiContext } from './api/context.js';
import { createEnrollRouter } from './api/enroll.js';
import { createEnrollmentTokensRouter } from './api/enrollment-tokens.js';
import { createEventsRouter } from './api/events.js';
import { createGroupsRouter } from './api/groups.js';
import { createHealthRouter, createProbeRouter } from './api/health.js';
import { createHistoryRouter } from './api/history.js';
import { createHostsRouter } from './api/hosts.js';
import { createPrometheusRouter, createSelfMetricsRouter, lazySelfMetrics } from './api/metrics-routes.js';
import { parseAllowList, type ScrapeAccess } from './auth/scrape-access.js';
import { createPublicSessionRouter, createSessionRouter } from './api/session.js';
import { createTokensRouter } from './api/tokens.js';
import { createUsersRouter } from './api/users.js';
import { identify } from './auth/caller.js';
import { requireCaller, requireRole, sameOriginWrites, sessionOnly } from './auth/guards.js';
import { createInstallRouter } from './install/router.js';
import { createStatusPagesRouter } from './api/status-pages.js';
import { createStatusRouter } from '../../status-page/router.js';
import { errorHandler, notFoundHandler, sendOk } from './respond.js';

/** dist/web, written by dashboard/web/build.ts; found from this compiled file (dist/dashboard/server/app.js). */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));

// The app only loads its own bundle; data is shown with textContent, and this
// policy is the second line of defence if a string ever slips through. Styles
// come from app.css only (the app sets style properties through the CSSOM,
// which style-src does not govern), and sockets may open only to the page's
// own host: 'self' covers ws:/wss: of the same origin in CSP 3, and the
// explicit ws(s)://<host> keeps older browsers working.
const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'", (req: IncomingMessage) => sameHostSockets(req.headers.host)],
  objectSrc: ["'none'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
};

/** A Host header that is a name or address with an optional port; anything else could smuggle CSP syntax. */
const HOST_HEADER = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/** `ws://host wss://host` for the host the page was loaded from, or nothing for a malformed Host. */
export function sameHostSockets(host: string | undefined): string {
  return host && HOST_HEADER.test(host) ? `ws://${host} wss://${host}` : '';
}

export interface AppDeps extends ApiContext {
  webRoot?: string;
  /** Who may scrape GET /metrics (default: admins' API tokens and sessions, no address without one). */
  scrape?: ScrapeAccess;
}

/** The dashboard's express app: REST API under /api, the browser app at /. */
export function createApp(deps: AppDeps): Express {
  const webRoot = deps.webRoot ?? DEFAULT_WEB_ROOT;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // helmet's defaults, but no upgrade-insecure-requests (most boxes serve
  // plain HTTP on the LAN) and HSTS only when we do speak HTTPS.
  app.use(
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
      strictTransportSecurity: deps.secureCookies,
      referrerPolicy: { policy: 'no-referrer' },
    }),
  );

  // Probes and the Prometheus exposition live at the root, where such tools look for them (docs/api.md).
  app.use(createProbeRouter(deps));
  const metrics = lazySelfMetrics(deps);
  app.use(createPrometheusRouter(deps.accounts, deps.scrape ?? { allow: parseAllowList([]), role: 'admin' }, metrics));

  const api = express.Router();
  api.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  api.use(sameOriginWrites);
  const json = express.json({ limit: '16kb' });
  // A checks import carries a whole file: its route parses its body itself, with a larger limit, once the caller is known.
  // So does a script's (a body of up to 32 KiB, scripts router).
  api.use((req, res, next) => ((deps.checks && isImportRequest(req)) || (deps.scripts && isScriptWrite(req)) ? next() : json(req, res, next)));
  api.use((req, res, next) => {
    res.locals.caller = identify(deps.accounts, req.headers);
    next();
  });
  api.use('/health', createHealthRouter(deps));
  api.use(createPublicSessionRouter(deps));
  api.use(createEnrollRouter(deps)); // POST /api/enroll: the enrollment token is the credential
  api.use(requireCaller);
  api.use(createSessionRouter(deps));
  api.use('/tokens', sessionOnly, createTokensRouter(deps));
  api.use('/hosts', createHostsRouter(deps));
  api.use('/hosts', createHistoryRouter(deps));
  api.use('/hosts', createDiagnosisRouter(deps));
  api.use('/users', requireRole('admin'), createUsersRouter(deps));
  api.use('/groups', requireRole('admin'), createGroupsRouter(deps));
  api.use('/events', requireRole('admin'), createEventsRouter(deps));
  api.use('/metrics', createSelfMetricsRouter(deps, metrics));
  // The box's screen, the same pixels as the OLED: admins only, as it shows the whole fleet (counts, the worst alert of any host).
  api.get('/box/display', requireRole('admin'), (_req, res) => {
    const frame = deps.boxDisplay?.() ?? null;
    if (!frame) throw new VigieError('VIGIE_ERR_UNAVAILABLE', 'No box display on this server (it runs with vigie up)');
    sendOk(res, frame);
  });
  if (deps.alerts) api.use(createAlertsRouter(deps, deps.alerts));
  if (deps.checks) api.use(createChecksRouter(deps, deps.checks));
  if (deps.devices) api.use(createDevicesRouter(deps, deps.devices));
  if (deps.scripts) {
    api.use(createScriptsRouter(deps, deps.scripts));
    api.use(createRunsRouter(deps, deps.scripts.runs));
  }
  if (deps.channels) api.use('/channels', createChannelsRouter(deps, deps.channels.store, deps.channels.notifier));
  if (deps.statusPages) api.use('/status-pages', requireRole('operator'), createStatusPagesRouter(deps, deps.statusPages, () => deps.checks?.catalog ?? null));
  api.use(createAccessRouter(deps));
  api.use(createEnrollmentTokensRouter(deps));
  api.use(notFoundHandler);
  api.use(errorHandler(deps.log));
  app.use('/api', api);
  if (deps.statusPages) app.use('/status', createStatusRouter({ store: deps.statusPages, accounts: deps.accounts, ingest: deps.ingest, catalog: () => deps.checks?.catalog ?? null, maintenance: () => deps.alerts?.maintenance() ?? [], now: () => deps.clock.now() }, { clock: deps.clock }));
  app.use('/install', createInstallRouter({ publicUrl: deps.publicUrl, ...(deps.installDirs?.scripts ? { scriptsDir: deps.installDirs.scripts } : {}), ...(deps.installDirs?.agent ? { agentDir: deps.installDirs.agent } : {}) }));

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
