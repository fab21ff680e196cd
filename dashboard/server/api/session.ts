import { Type } from '@sinclair/typebox';
import { Router, type Response } from 'express';
import { VigieError } from '../../../core/errors.js';
import { MAX_PASSWORD } from '../../../accounts/rules.js';
import type { User } from '../../../accounts/users.js';
import { SESSION_COOKIE, type Caller } from '../auth/caller.js';
import { callerOf, sessionOnly } from '../auth/guards.js';
import { RetryLaterError, type SignedIn } from '../auth/login.js';
import { readBody } from '../body.js';
import { sendOk } from '../respond.js';
import { addressOf, audit, type ApiContext } from './context.js';

/** What GET /api/session answers. */
export interface SessionInfo {
  user: User | null;
  /** The value of `X-CSRF-Token` for this session's writes. */
  csrf: string | null;
  /** No user exists yet: the app shows the setup page. */
  setupRequired: boolean;
  /** For a browser session: when it signed in, and the user's sign-in before it (null: none). Null for API tokens and signed-out callers. */
  signIn: { at: number; previousAt: number | null } | null;
}

const Text = (max: number) => Type.String({ maxLength: max });
const LoginBody = Type.Object({ name: Text(256), password: Text(MAX_PASSWORD) });
const SetupBody = Type.Object({ code: Text(64), name: Text(256), password: Text(MAX_PASSWORD) });
const MeBody = Type.Object({ currentPassword: Text(MAX_PASSWORD), name: Type.Optional(Text(256)), password: Type.Optional(Text(MAX_PASSWORD)) });

/** GET /api/session, POST /api/session (log in), POST /api/setup: open to anyone. */
export function createPublicSessionRouter(ctx: ApiContext): Router {
  const router = Router();
  router.get('/session', (_req, res) => {
    const caller = res.locals.caller as Caller | null;
    const info: SessionInfo = {
      user: caller?.user ?? null,
      csrf: caller?.via === 'session' ? caller.session.csrf : null,
      setupRequired: ctx.login.pendingSetupCode() !== null,
      signIn: caller?.via === 'session' ? { at: caller.session.createdAt, previousAt: caller.session.previousLoginAt } : null,
    };
    sendOk(res, info);
  });
  router.post('/session', async (req, res) => {
    const body = readBody(LoginBody, req.body);
    const signedIn = await withRetryAfter(res, () => ctx.login.login(body.name, body.password, addressOf(req)));
    startSession(ctx, res, signedIn, 200);
  });
  router.post('/setup', async (req, res) => {
    const body = readBody(SetupBody, req.body);
    const signedIn = await withRetryAfter(res, () => ctx.login.setup(body.code, body.name, body.password, addressOf(req)));
    startSession(ctx, res, signedIn, 201);
  });
  return router;
}

/** DELETE /api/session (log out) and PATCH /api/me: for a signed-in browser. */
export function createSessionRouter(ctx: ApiContext): Router {
  const router = Router();
  router.delete('/session', sessionOnly, (req, res) => {
    const caller = callerOf(res) as Extract<Caller, { via: 'session' }>;
    ctx.login.logout(caller.session, caller.user, addressOf(req));
    res.clearCookie(SESSION_COOKIE, cookieOptions(ctx));
    sendOk(res, null);
  });
  // The names of the caller's own groups (admins: all), for pickers and filters: /api/groups itself is admin-only.
  router.get('/me/groups', (_req, res) => {
    const user = callerOf(res).user;
    sendOk(res, ctx.accounts.groups.list().filter((g) => user.role === 'admin' || user.groups.includes(g.id)).map(({ id, name }) => ({ id, name })));
  });
  router.patch('/me', sessionOnly, async (req, res) => {
    const caller = callerOf(res) as Extract<Caller, { via: 'session' }>;
    const body = readBody(MeBody, req.body);
    if (body.name === undefined && body.password === undefined) throw new VigieError('VIGIE_ERR_BAD_REQUEST', 'body: give name or password to change');
    await withRetryAfter(res, () => ctx.login.confirmPassword(caller.user, body.currentPassword, addressOf(req)));
    const before = caller.user;
    const user = await ctx.accounts.users.update(before.id, {
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.password !== undefined ? { password: body.password } : {}),
    });
    // A new password signs out every other browser (someone may have known the old one).
    if (body.password !== undefined) ctx.login.endSessionsOf(user.id, caller.session.key);
    audit(ctx, req, res, {
      type: 'user.updated',
      message: `${before.name} changed their ${[body.name !== undefined && 'name', body.password !== undefined && 'password'].filter(Boolean).join(' and ')}`,
      data: { id: user.id, ...(body.name !== undefined ? { before: { name: before.name }, after: { name: user.name } } : {}), password: body.password !== undefined },
    });
    sendOk(res, { user, csrf: caller.session.csrf });
  });
  return router;
}

function cookieOptions(ctx: ApiContext) {
  return { httpOnly: true, sameSite: 'lax' as const, secure: ctx.secureCookies, path: '/' };
}

function startSession(ctx: ApiContext, res: Response, signedIn: SignedIn, status: number): void {
  res.cookie(SESSION_COOKIE, signedIn.sessionId, { ...cookieOptions(ctx), maxAge: ctx.sessionMaxMs });
  res.status(status).json({ ok: true, data: { user: signedIn.user, csrf: signedIn.session.csrf } });
}

/** Runs a throttled step; a refusal gets `Retry-After` in whole seconds. */
async function withRetryAfter<T>(res: Response, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof RetryLaterError) res.setHeader('Retry-After', String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))));
    throw error;
  }
}
