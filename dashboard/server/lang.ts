import type { Request } from 'express';
import { isLang, LANGS, type Lang } from '../../alerts/words.js';
import { VigieError } from '../../core/errors.js';
import { queryValue } from './params.js';

/**
 * The language a caller reads (issue 11 item 7): texts the server puts in
 * words (alert titles, details and advice, event lines) are rendered per
 * request and per socket in it, never stored rendered. Order: an explicit
 * `?lang=en|fr`, then the Accept-Language header (the dashboard sends its
 * chosen language there), then English.
 */
export function requestLang(req: Request): Lang {
  const asked = queryValue(req.query, 'lang');
  if (asked !== undefined && asked !== '') {
    if (!isLang(asked)) throw new VigieError('VIGIE_ERR_BAD_REQUEST', `lang: expected one of ${LANGS.join(', ')}, got "${asked.slice(0, 20)}"`);
    return asked;
  }
  return acceptedLang(req.headers['accept-language']);
}

/** The best of our languages in an Accept-Language header (`fr-FR,fr;q=0.9,en;q=0.8`); English when none fits. */
export function acceptedLang(header: string | string[] | undefined): Lang {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!value) return 'en';
  let best: { lang: Lang; q: number } | null = null;
  for (const part of value.slice(0, 1000).split(',')) {
    const [tag = '', ...params] = part.trim().split(';');
    const primary = tag.trim().slice(0, 2).toLowerCase();
    if (!isLang(primary)) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) continue;
    if (!best || q > best.q) best = { lang: primary, q };
  }
  return best?.lang ?? 'en';
}
