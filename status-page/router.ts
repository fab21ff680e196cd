import { Router, type Request, type Response } from 'express';
import { isLang, type Lang } from '../alerts/words.js';
import type { Clock } from '../core/time.js';
import { acceptedLang } from '../dashboard/server/lang.js';
import { createRenderCache } from './cache.js';
import { createRateLimiter } from './rate-limit.js';
import { renderMessage, renderStatus } from './render.js';
import { buildStatus, type StatusSources } from './snapshot.js';
import { STATUS_CSS } from './style.js';
import { STATUS_WORDS } from './words.js';

export interface StatusRouterOptions {
  clock: Clock;
  /** Requests per minute per client address (default 60). */
  perMinute?: number;
  /** How long a rendered page or JSON is served again, ms (default 30 s). */
  cacheMs?: number;
}

/** `my-page` or `my-page.json`; anything else is the same 404 as an unknown page. */
const PATH = /^([a-z0-9-]{1,40})(\.json)?$/;

/**
 * /status: the public pages, no session (issue 12, item 7).
 *   GET /status/<slug>        the page, HTML rendered here
 *   GET /status/<slug>.json   its JSON twin
 *   GET /status/assets/status.css
 * A disabled, unknown or malformed slug is one 404. Answers are cached per
 * slug + language and rate-limited per client address.
 */
export function createStatusRouter(src: StatusSources, opts: StatusRouterOptions): Router {
  const cacheMs = opts.cacheMs ?? 30_000;
  const maxAge = Math.round(cacheMs / 1000);
  const cache = createRenderCache({ ttlMs: cacheMs, clock: opts.clock });
  const limiter = createRateLimiter({ limit: opts.perMinute ?? 60, windowMs: 60_000, clock: opts.clock });
  // A page turned off or edited is not served from the cache any longer.
  src.store.onChange(() => cache.clear());

  const router = Router();
  router.get('/assets/status.css', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.type('text/css').send(STATUS_CSS);
  });

  router.get('/:name', async (req, res) => {
    const lang = langOf(req);
    const match = PATH.exec(req.params.name ?? '');
    const json = match?.[2] !== undefined || (req.params.name ?? '').endsWith('.json');
    res.setHeader('Vary', 'Accept-Language');
    const wait = limiter.take(req.socket.remoteAddress ?? 'unknown');
    if (wait > 0) {
      res.setHeader('Retry-After', String(wait));
      return refuse(res, 429, json, lang, STATUS_WORDS[lang].tooMany, 'VIGIE_ERR_RATE_LIMITED');
    }
    const page = match ? src.store.bySlug(match[1]!) : null;
    if (!page || !page.enabled) return refuse(res, 404, json, lang, STATUS_WORDS[lang].notFound, 'VIGIE_ERR_NOT_FOUND');
    const body = await cache.get(`${page.slug}|${lang}|${json ? 'json' : 'html'}`, async () => {
      const status = await buildStatus(src, page, lang);
      return json ? JSON.stringify({ ok: true, data: status }) : renderStatus(status);
    });
    res.setHeader('Cache-Control', `public, max-age=${maxAge}`);
    res.status(200).type(json ? 'application/json' : 'text/html').send(body);
  });
  return router;
}

/** `?lang=fr|en`, else the browser's Accept-Language; a wrong `lang` is ignored, not an error page. */
function langOf(req: Request): Lang {
  const asked = req.query.lang;
  return isLang(asked) ? asked : acceptedLang(req.headers['accept-language']);
}

function refuse(res: Response, status: 404 | 429, json: boolean, lang: Lang, text: string, code: string): void {
  res.setHeader('Cache-Control', 'no-store');
  if (json) res.status(status).json({ ok: false, error: { code, message: text } });
  else res.status(status).type('text/html').send(renderMessage(lang, text));
}
