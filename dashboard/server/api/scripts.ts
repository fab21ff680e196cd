import express, { Router, type Request } from 'express';
import type { User } from '../../../accounts/users.js';
import { VigieError } from '../../../core/errors.js';
import { normaliseHostId } from '../../../protocol/host-id.js';
import { SCRIPT_ID_RE } from '../../../protocol/schemas/script.js';
import { allowedOn, ScriptAccess } from '../../../scripts/access.js';
import type { RunService } from '../../../scripts/run-service.js';
import type { ScriptStore } from '../../../scripts/store.js';
import { bodySha256 } from '../../../scripts/store.js';
import type { ScriptFields, ScriptRecord } from '../../../scripts/types.js';
import { validateScript } from '../../../scripts/validate.js';
import { auditOf, scriptView } from '../../../scripts/view.js';
import { callerName } from '../auth/caller.js';
import { callerOf, requireRole } from '../auth/guards.js';
import { hostIdParam } from '../params.js';
import { sendError, sendOk } from '../respond.js';
import { addressOf, audit, type ApiContext } from './context.js';

/** The script library and its runs (issue 14), when this server has them. */
export interface ScriptsContext {
  store: ScriptStore;
  runs: RunService;
  /** Whether a host id is an agent this server knows (a script's `hosts` must name one). */
  hostExists(id: string): boolean;
  /** The script checks that run a script (checks catalog): a script in use is not deleted. */
  usedBy?(script: string): string[];
  /** What a library would leave out of some host's bundle for size (scripts/bundle.ts ScriptBundleSource.overflow), else null. */
  overflow?(scripts: readonly ScriptRecord[]): { host: string; script: string; message: string } | null;
}

/** A script body may be 32 KiB; JSON escaping may double it. Only these routes take more than the API's 16 kB. */
const BODY_LIMIT = '128kb';
const WRITE_PATH = /^\/scripts(?:\/[^/]+)?$/;

/** Whether a request writes a script (app.ts leaves its body to this router's parser, once the caller is known). */
export const isScriptWrite = (req: Request): boolean => (req.method === 'POST' || req.method === 'PUT') && WRITE_PATH.test(req.path) && !req.path.endsWith('/runs');

/**
 * Scripts (issue 14, docs/api.md "Scripts"):
 *   GET    /api/scripts                 {scripts: ScriptView[]}             operator, admin
 *   GET    /api/scripts/:id             ScriptView                          operator, admin
 *   GET    /api/scripts/:id/versions    {versions: [...]} newest first      operator, admin
 *   POST   /api/scripts                 201 ScriptView                      admin
 *   PUT    /api/scripts/:id             ScriptView (a new version when what runs changed)   admin; built-in 409
 *   PATCH  /api/scripts/:id             {enabled} → ScriptView              admin (built-ins too)
 *   DELETE /api/scripts/:id             {deleted: id}                       admin; built-in or in use by a script check 409
 *   GET    /api/hosts/:id/actions       {actions: [...]} enabled actions allowed on that host   operator, admin
 *   POST   /api/scripts/:id/runs        {host, args} → 202 {run: RunView}   operator, admin with access to the host
 * Every change is in the event log (script.created|updated|enabled|disabled|deleted).
 */
export function createScriptsRouter(ctx: ApiContext, scripts: ScriptsContext): Router {
  const router = Router();
  const { store, runs } = scripts;
  const access = new ScriptAccess(ctx.accounts.hostAccess);
  const parseBig = express.json({ limit: BODY_LIMIT });

  const view = (user: User, s: ScriptRecord) => scriptView(s, access.canEdit(user, s));

  const found = (raw: unknown): ScriptRecord => {
    const id = typeof raw === 'string' ? raw : '';
    const s = SCRIPT_ID_RE.test(id) ? store.get(id) : null;
    if (!s) throw new VigieError('VIGIE_ERR_NOT_FOUND', `No script with id ${id.slice(0, 64)}`);
    return s;
  };

  /** Admins only, and never a built-in's body. */
  const editable = (raw: unknown): ScriptRecord => {
    const s = found(raw);
    if (s.builtin) throw new VigieError('VIGIE_ERR_CONFLICT', `${s.id} is built into Vigie: it can be disabled, not edited or deleted`);
    return s;
  };

  const validate = (body: unknown, current: ScriptRecord | null) => {
    const checked = validateScript(body, { current, hostExists: scripts.hostExists, groupExists: (g) => ctx.accounts.groups.get(g) !== null });
    if (!checked.ok) throw new VigieError('VIGIE_ERR_BAD_REQUEST', `${checked.fields[0]!.field}: ${checked.fields[0]!.message}`, checked.fields);
    return checked.value;
  };

  /**
   * Refuses a change that would push a script out of some host's bundle (its
   * config would outgrow what an agent accepts): the admin hears it now,
   * not from a run refused later.
   */
  const assertFits = (next: ScriptFields, current: ScriptRecord | null): void => {
    if (!scripts.overflow) return;
    const all = store.list();
    if (scripts.overflow(all) !== null) return; // already over before this change: the log says so, saving this one is no worse
    const candidate: ScriptRecord = { ...(current ?? { builtin: false, createdAt: 0, updatedAt: 0, updatedBy: null }), ...next, version: (current?.version ?? 0) + 1, sha256: bodySha256(next.body) };
    const over = scripts.overflow([...all.filter((s) => s.id !== next.id), candidate].sort((a, b) => a.id.localeCompare(b.id)));
    if (over) throw new VigieError('VIGIE_ERR_BAD_REQUEST', `body: ${over.message}`, [{ field: 'body', message: over.message }]);
  };

  router.get('/scripts', requireRole('operator'), (_req, res) => {
    const { user } = callerOf(res);
    sendOk(res, { scripts: store.list().map((s) => view(user, s)) });
  });

  router.get('/scripts/:id', requireRole('operator'), (req, res) => {
    sendOk(res, view(callerOf(res).user, found(req.params.id)));
  });

  router.get('/scripts/:id/versions', requireRole('operator'), (req, res) => {
    const s = found(req.params.id);
    sendOk(res, { versions: store.versions(s.id) });
  });

  router.post('/scripts', requireRole('admin'), parseBig, (req, res) => {
    const { user } = callerOf(res);
    const fields = validate(req.body, null);
    assertFits(fields, null);
    const created = store.create(fields, user.name);
    audit(ctx, req, res, { type: 'script.created', message: `Script ${created.id} ("${created.name}", ${created.kind}) created, version 1`, data: { after: auditOf(created) } });
    res.status(201).json({ ok: true, data: view(user, created) });
  });

  router.put('/scripts/:id', requireRole('admin'), parseBig, (req, res) => {
    const { user } = callerOf(res);
    const current = editable(req.params.id);
    const fields = validate(req.body, current);
    assertFits(fields, current);
    const { record, bumped } = store.replace(fields, user.name);
    audit(ctx, req, res, {
      type: 'script.updated',
      message: `Script ${record.id} ("${record.name}") changed${bumped ? `: version ${current.version} → ${record.version}` : ''}`,
      data: { before: auditOf(current), after: auditOf(record), bumped },
    });
    sendOk(res, view(user, record));
  });

  router.patch('/scripts/:id', requireRole('admin'), (req, res) => {
    const { user } = callerOf(res);
    const current = found(req.params.id);
    const body = req.body as { enabled?: unknown } | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body) || typeof body.enabled !== 'boolean' || Object.keys(body).length !== 1) {
      throw new VigieError('VIGIE_ERR_BAD_REQUEST', 'enabled: expected {"enabled": true} or {"enabled": false}', [{ field: 'enabled', message: 'expected true or false' }]);
    }
    if (current.enabled === body.enabled) return sendOk(res, view(user, current));
    if (body.enabled) assertFits({ ...current, enabled: true }, current);
    const updated = store.setEnabled(current.id, body.enabled, user.name);
    audit(ctx, req, res, {
      type: updated.enabled ? 'script.enabled' : 'script.disabled',
      message: `Script ${updated.id} ("${updated.name}") ${updated.enabled ? 'enabled' : 'disabled'}`,
      data: { script: updated.id, version: updated.version, enabled: updated.enabled },
    });
    sendOk(res, view(user, updated));
  });

  router.delete('/scripts/:id', requireRole('admin'), (req, res) => {
    const current = editable(req.params.id);
    const users = scripts.usedBy?.(current.id) ?? [];
    if (users.length > 0) throw new VigieError('VIGIE_ERR_CONFLICT', `${current.id} is run by the check${users.length > 1 ? 's' : ''} ${users.join(', ')}: delete ${users.length > 1 ? 'them' : 'it'} or give ${users.length > 1 ? 'them' : 'it'} another script first`);
    store.delete(current.id);
    audit(ctx, req, res, { type: 'script.deleted', message: `Script ${current.id} ("${current.name}") deleted`, data: { before: auditOf(current) } });
    sendOk(res, { deleted: current.id });
  });

  router.get('/hosts/:id/actions', requireRole('operator'), (req, res) => {
    const { user } = callerOf(res);
    const host = hostIdParam(req.params.id);
    if (!access.canRun(user, host)) throw new VigieError('VIGIE_ERR_HOST_NOT_FOUND', `No host "${host}"`);
    const groups = access.groupsOf(host);
    const actions = store
      .list()
      .filter((s) => s.kind === 'action' && allowedOn(s, host, groups))
      .map((s) => ({ id: s.id, name: s.name, description: s.description, version: s.version, params: s.params }));
    sendOk(res, { actions });
  });

  // No role guard here: the run service refuses a viewer itself, so the refusal is in the event log.
  router.post('/scripts/:id/runs', (req, res) => {
    const caller = callerOf(res);
    const body = req.body as { host?: unknown; args?: unknown } | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw new VigieError('VIGIE_ERR_BAD_REQUEST', 'body: expected {"host": "<host id>", "args": {...}}', [{ field: 'host', message: 'required' }]);
    }
    const id = typeof body.host === 'string' && body.host.length <= 255 ? normaliseHostId(body.host) : null;
    if (!id?.ok) throw new VigieError('VIGIE_ERR_BAD_HOST_ID', `host: expected a host id (got ${JSON.stringify(body.host)?.slice(0, 40)})`, [{ field: 'host', message: 'expected a host id' }]);
    const host = id.value;
    if (body.args !== undefined && (typeof body.args !== 'object' || body.args === null || Array.isArray(body.args))) {
      throw new VigieError('VIGIE_ERR_BAD_REQUEST', 'args: expected an object of parameter values', [{ field: 'args', message: 'expected an object of parameter values' }]);
    }
    const started = runs.start({
      script: typeof req.params.id === 'string' ? req.params.id : '', host, args: (body.args ?? {}) as Record<string, string | number>,
      by: callerName(caller), trigger: 'manual', user: caller.user, address: addressOf(req),
    });
    if (!started.ok) return sendError(res, started.code, started.error, started.field ? [{ field: started.field, message: started.error }] : []);
    res.status(202).json({ ok: true, data: { run: started.value } });
  });

  return router;
}
