import type { RequestHandler, Response } from 'express';
import { VigieError } from '../../../core/errors.js';
import { sameSecret } from '../../../core/secrets.js';
import type { Role } from '../../../accounts/rules.js';
import type { Caller } from './caller.js';
import { isOwnOrigin } from './origin.js';

/**
 * Request guards. Order on /api: sameOriginWrites → (public routes) →
 * requireCaller → per-route requireRole / sessionOnly.
 */

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The caller set by the identify middleware; throws 401 on a route that needs one and has none. */
export function callerOf(res: Response): Caller {
  const caller = res.locals.caller as Caller | null | undefined;
  if (!caller) throw new VigieError('VIGIE_ERR_UNAUTHENTICATED');
  return caller;
}

/**
 * Cross-site defences for every request that changes something:
 * - an `Origin` header (browsers send one on every cross-site POST) must be
 *   this server's own;
 * - a body must be JSON, which a cross-site HTML form cannot send.
 */
export const sameOriginWrites: RequestHandler = (req, _res, next) => {
  if (SAFE_METHODS.has(req.method)) return next();
  const origin = req.headers.origin;
  if (!isOwnOrigin(origin, req.headers.host)) throw new VigieError('VIGIE_ERR_CSRF', `Origin ${String(origin).slice(0, 100)} is not this dashboard`);
  // A body must be JSON; a POST with none (a "send test" button) carries nothing a form could forge.
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if ((req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH') && hasBody && !req.is('application/json')) {
    throw new VigieError('VIGIE_ERR_UNSUPPORTED_MEDIA');
  }
  next();
};

/**
 * Every route after this needs a caller. Writes with a session cookie must
 * carry its CSRF token in `X-CSRF-Token`; a read-only API token may only read.
 */
export const requireCaller: RequestHandler = (req, res, next) => {
  const caller = callerOf(res);
  if (!SAFE_METHODS.has(req.method)) {
    if (caller.via === 'session' && !sameSecret(req.get('x-csrf-token') ?? '', caller.session.csrf)) {
      throw new VigieError('VIGIE_ERR_CSRF', 'X-CSRF-Token: missing or wrong; read it from GET /api/session');
    }
    if (caller.via === 'token' && caller.token.scope === 'read') throw new VigieError('VIGIE_ERR_FORBIDDEN', 'This API token is read-only');
  }
  next();
};

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** The caller's role must be at least `role`. */
export function requireRole(role: Role): RequestHandler {
  return (_req, res, next) => {
    const caller = callerOf(res);
    if (RANK[caller.user.role] < RANK[role]) throw new VigieError('VIGIE_ERR_FORBIDDEN', `Needs the ${role} role (you are ${caller.user.role})`);
    next();
  };
}

/** Routes that manage credentials themselves (tokens, one's password) are not open to API tokens. */
export const sessionOnly: RequestHandler = (_req, res, next) => {
  if (callerOf(res).via !== 'session') throw new VigieError('VIGIE_ERR_FORBIDDEN', 'Sign in with a password for this; API tokens cannot do it');
  next();
};
