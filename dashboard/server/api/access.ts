import { Type } from '@sinclair/typebox';
import { Router } from 'express';
import { enrollmentFor, type Enrollment } from '../../../accounts/enrollment.js';
import { usernameFor, type CredentialInfo } from '../../../accounts/mqtt-credentials.js';
import { removeHost } from '../host-removal.js';
import { VigieError } from '../../../core/errors.js';
import { callerName } from '../auth/caller.js';
import { callerOf, requireRole } from '../auth/guards.js';
import { hostIdParam } from '../params.js';
import { readBody } from '../body.js';
import { sendOk } from '../respond.js';
import { audit, type ApiContext } from './context.js';

/** One host's access rules, label and agent credentials, as the admin pages show them. */
export interface HostAccess {
  host: string;
  label: string | null;
  owner: number | null;
  groups: number[];
  /** The ingest has heard from this host. */
  known: boolean;
  /** The agent's version, from its info (or status) payload; null before it reported. */
  agentVersion: string | null;
  credentials: { username: string; createdAt: number; revokedAt: number | null } | null;
}

const Ids = Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 1000 });
const AccessBody = Type.Object({ owner: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]), groups: Ids });
const EnrollBody = Type.Object({
  host: Type.String({ minLength: 1, maxLength: 255 }),
  owner: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
  groups: Type.Optional(Ids),
  rotate: Type.Optional(Type.Boolean()),
  /** Lifetime of the token in minutes (default auth.enrollTokenMinutes). */
  ttlMinutes: Type.Optional(Type.Number({ minimum: 1, maximum: 10080 })),
});

/**
 * Admin routes for hosts: GET /api/access, PUT /api/hosts/:id/access,
 * POST /api/hosts (a one-time enrollment token for a host and the install
 * lines that carry it: the credentials are made when the agent uses it),
 * DELETE /api/hosts/:id/credentials (revoke: the broker cuts the agent),
 * DELETE /api/hosts/:id (remove the host and its data). Admins only.
 */
export function createAccessRouter(ctx: ApiContext): Router {
  const { hostAccess, credentials } = ctx.accounts;
  const router = Router();
  const admin = requireRole('admin');

  /** Agent credentials by host: read once per request, not once per host. */
  const agentCredentials = (): Map<string, CredentialInfo> =>
    new Map(credentials.list().flatMap((c) => (c.principal.kind === 'agent' ? [[c.principal.host, c] as const] : [])));

  const describe = (host: string, creds = agentCredentials()): HostAccess => {
    const access = hostAccess.get(host);
    const cred = creds.get(host);
    const seen = ctx.ingest.getHost(host);
    return {
      ...access,
      known: seen !== null,
      agentVersion: seen?.info?.agent ?? seen?.status?.agent ?? null,
      credentials: cred ? { username: cred.username, createdAt: cred.createdAt, revokedAt: cred.revokedAt } : null,
    };
  };

  router.get('/access', admin, (_req, res) => {
    const creds = agentCredentials();
    const hosts = new Set<string>([...ctx.ingest.listHosts().map((h) => h.id), ...hostAccess.list().map((a) => a.host), ...creds.keys()]);
    sendOk(res, [...hosts].sort().map((host) => describe(host, creds)));
  });

  router.put('/hosts/:id/access', admin, (req, res) => {
    const host = hostIdParam(req.params.id);
    const body = readBody(AccessBody, req.body);
    const before = hostAccess.get(host);
    hostAccess.setAccess(host, body);
    const after = describe(host);
    audit(ctx, req, res, { type: 'host.access', host, message: `Access to ${host} changed`, data: { before: { owner: before.owner, groups: before.groups }, after: { owner: after.owner, groups: after.groups } } });
    sendOk(res, after);
  });

  router.post('/hosts', admin, (req, res) => {
    const body = readBody(EnrollBody, req.body);
    const host = hostIdParam(body.host);
    const existing = describe(host).credentials;
    if (existing && existing.revokedAt === null && body.rotate !== true) {
      throw new VigieError('VIGIE_ERR_CONFLICT', `host: ${host} already has agent credentials: make a new install command from its row in Hosts & agents (API: rotate: true); used, it replaces them and the old ones stop working`);
    }
    // The access is applied when the token is used: a token never used leaves nothing behind.
    const current = hostAccess.get(host);
    const access = body.owner !== undefined || body.groups !== undefined
      ? { owner: body.owner === undefined ? current.owner : body.owner, groups: body.groups ?? current.groups }
      : undefined;
    const { token, secret } = ctx.accounts.enrollmentTokens.create({
      host,
      createdBy: callerName(callerOf(res)),
      ttlMs: body.ttlMinutes !== undefined ? body.ttlMinutes * 60_000 : ctx.enrollTokenTtlMs,
      ...(access ? { access } : {}),
    });
    const enrollment: Enrollment = enrollmentFor(host, token, secret, ctx.publicUrl());
    audit(ctx, req, res, {
      type: 'host.enroll_token',
      host,
      message: `Enrollment token made for ${host}${existing && existing.revokedAt === null ? ' (replaces its credentials when used)' : ''}`,
      data: { tokenId: token.id, expiresAt: token.expiresAt, rotate: existing?.revokedAt === null },
    });
    res.status(201).json({ ok: true, data: enrollment });
  });

  // Removing a host: its credentials, its alerts, its retained topics, its data and its access rules (host-removal.ts).
  router.delete('/hosts/:id', admin, async (req, res) => {
    const host = hostIdParam(req.params.id);
    const known = describe(host);
    const pending = ctx.accounts.enrollmentTokens.listPending().some((t) => t.host === host);
    if (!known.known && !known.credentials && !pending && known.owner === null && known.groups.length === 0 && known.label === null) {
      throw new VigieError('VIGIE_ERR_HOST_NOT_FOUND', `No host "${host}"`);
    }
    const { points } = await removeHost({ ingest: ctx.ingest, accounts: ctx.accounts, credentialsChanged: ctx.credentialsChanged, ...(ctx.alerts ? { alerts: ctx.alerts } : {}) }, host);
    audit(ctx, req, res, { type: 'host.removed', host, message: `${host} removed`, data: { points, before: { owner: known.owner, groups: known.groups, label: known.label } } });
    sendOk(res, { host, points });
  });

  router.delete('/hosts/:id/credentials', admin, (req, res) => {
    const host = hostIdParam(req.params.id);
    const username = usernameFor({ kind: 'agent', host });
    if (!credentials.revoke(username)) throw new VigieError('VIGIE_ERR_NOT_FOUND', `${host} has no active agent credentials`);
    ctx.credentialsChanged();
    audit(ctx, req, res, { type: 'host.credentials_revoked', host, message: `Agent credentials of ${host} revoked`, data: { username } });
    sendOk(res, null);
  });
  return router;
}
