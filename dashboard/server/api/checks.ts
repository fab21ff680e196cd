import { Type } from '@sinclair/typebox';
import express, { Router, type Request } from 'express';
import type { User } from '../../../accounts/users.js';
import { CheckAccess } from '../../../checks/access.js';
import type { CheckDefinition } from '../../../checks/definition.js';
import { exportChecks, parseChecksFile, planImport, sameFields } from '../../../checks/import-export.js';
import { validateCheck, type CheckFields } from '../../../checks/validate.js';
import { buildView, dailyBars, inputOf, redactFor, type CheckView } from '../../../checks/view.js';
import { VigieError } from '../../../core/errors.js';
import { isCheckId } from '../../../protocol/schemas/check.js';
import { callerOf, requireRole } from '../auth/guards.js';
import { readBody } from '../body.js';
import { intParam, queryValue } from '../params.js';
import { sendOk } from '../respond.js';
import { audit, type ApiContext, type ChecksContext } from './context.js';

/** An import body holds up to a few hundred checks: far above the API's 16 kB (app.ts skips its parser for this route). */
export const IMPORT_BODY_LIMIT = '2mb';
export const IMPORT_PATH = '/checks/import';
/** Characters of an import file's text. */
const IMPORT_TEXT_MAX = 1_500_000;
/** The widest availability range one request may ask for. */
const MAX_RANGE_MS = 400 * 24 * 3_600_000;

const ImportBody = Type.Object(
  {
    format: Type.Union([Type.Literal('yaml'), Type.Literal('json')]),
    text: Type.String({ maxLength: IMPORT_TEXT_MAX }),
    mode: Type.Optional(Type.Union([Type.Literal('merge'), Type.Literal('replace')], { default: 'merge' })),
    dryRun: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/**
 * Network and script checks (issues 12 and 14, docs/api.md "Checks"):
 *   GET    /api/checks                          the checks the caller sees, as CheckView
 *   GET    /api/checks/export?format=yaml|json  a file of them, as CheckInput
 *   POST   /api/checks/import                   { format, text, mode?, dryRun? }   operator
 *   GET    /api/checks/:id                      CheckView & { daily }  (404 when not visible)
 *   GET    /api/checks/:id/availability?from=&to=
 *   POST   /api/checks  PUT /api/checks/:id  DELETE /api/checks/:id               operator
 */
export function createChecksRouter(ctx: ApiContext, checks: ChecksContext): Router {
  const router = Router();
  const access = new CheckAccess(ctx.accounts.hostAccess);
  const { store, defaultRunner } = checks;
  const scriptOpts = checks.scriptParams ? { scriptParams: checks.scriptParams } : {};
  const viewDeps = () => ({ results: ctx.ingest.checks, labelOf: (h: string) => ctx.accounts.hostAccess.labelOf(h), now: ctx.clock.now() });
  const view = (user: User, def: CheckDefinition): Promise<CheckView> => buildView(def, access.canEdit(user, def), viewDeps());

  /** A check the caller may see, else 404 (the same as a missing one). */
  const visible = (user: User, raw: unknown): CheckDefinition => {
    const id = typeof raw === 'string' ? raw : '';
    const def = isCheckId(id) ? store.get(id) : null;
    if (!def || !access.canSee(user, def)) throw new VigieError('VIGIE_ERR_NOT_FOUND', `No check with id ${id.slice(0, 64)}`);
    return def;
  };

  /** A check the caller may change: 404 when invisible, 403 when only visible. */
  const editable = (user: User, raw: unknown): CheckDefinition => {
    const def = visible(user, raw);
    if (!access.canEdit(user, def)) throw new VigieError('VIGIE_ERR_FORBIDDEN', `Only admins and operators of its group may change check ${def.id}`);
    return def;
  };

  const validate = (body: unknown): CheckFields => {
    const checked = validateCheck(body, { defaultRunner, ...scriptOpts });
    if (!checked.ok) throw new VigieError('VIGIE_ERR_BAD_REQUEST', `${checked.fields[0]!.field}: ${checked.fields[0]!.message}`, checked.fields);
    return checked.value;
  };

  router.get('/checks', async (_req, res) => {
    const { user } = callerOf(res);
    const sees = access.visibilityOf(user);
    sendOk(res, { checks: await Promise.all(store.list().filter(sees).map((d) => view(user, d))) });
  });

  router.get('/checks/export', (req, res) => {
    const { user } = callerOf(res);
    const format = queryValue(req.query, 'format') || 'yaml';
    if (format !== 'yaml' && format !== 'json') throw new VigieError('VIGIE_ERR_BAD_REQUEST', 'format: expected yaml or json');
    const text = exportChecks(store.list().filter(access.visibilityOf(user)).map((d) => redactFor(d, access.canEdit(user, d))), format);
    res.setHeader('Content-Disposition', `attachment; filename="vigie-checks.${format === 'json' ? 'json' : 'yaml'}"`);
    res.type(format === 'json' ? 'application/json' : 'application/yaml').send(text);
  });

  // After the caller and role are known, so only operators may send a large body.
  router.post(IMPORT_PATH, requireRole('operator'), express.json({ limit: IMPORT_BODY_LIMIT }), (req, res) => {
    const { user } = callerOf(res);
    const body = readBody(ImportBody, req.body);
    const mode = body.mode ?? 'merge';
    const items = parseChecksFile(body.text, body.format);
    const { plan, outcome } = planImport(items, store.list(), { mode, user, access, defaultRunner, ...scriptOpts });
    if (!body.dryRun) {
      store.apply(plan, user.name);
      if (plan.put.length + plan.delete.length > 0) {
        audit(ctx, req, res, {
          type: 'checks.imported',
          message: `Checks imported (${mode}): ${outcome.created.length} created, ${outcome.updated.length} updated, ${outcome.deleted.length} deleted`,
          data: { mode, ...outcome },
        });
      }
    }
    sendOk(res, { ...outcome, dryRun: body.dryRun === true });
  });

  router.get('/checks/:id', async (req, res) => {
    const { user } = callerOf(res);
    const def = visible(user, req.params.id);
    sendOk(res, { ...(await view(user, def)), daily: await dailyBars(def, ctx.ingest.checks, ctx.clock.now()) });
  });

  router.get('/checks/:id/availability', async (req, res) => {
    const { user } = callerOf(res);
    const def = visible(user, req.params.id);
    const now = ctx.clock.now();
    const to = intParam(req.query, 'to', 'milliseconds since the Unix epoch') ?? now;
    const from = intParam(req.query, 'from', 'milliseconds since the Unix epoch') ?? to - 24 * 3_600_000;
    if (from >= to) throw new VigieError('VIGIE_ERR_BAD_RANGE', 'from: must be before to');
    if (to - from > MAX_RANGE_MS) throw new VigieError('VIGIE_ERR_BAD_RANGE', 'from: the range may span 400 days at most');
    const results = ctx.ingest.checks;
    sendOk(res, results
      ? await results.availability({ check: def.id, runners: def.runners, from, to })
      : { from, to, percent: null, byRunner: Object.fromEntries(def.runners.map((r) => [r, null])) });
  });

  router.post('/checks', requireRole('operator'), async (req, res) => {
    const { user } = callerOf(res);
    const fields = validate(req.body);
    access.assertCanWrite(user, fields);
    if (store.get(fields.id)) {
      // Ids are global: an operator learns that one is taken, nothing about the check.
      throw new VigieError('VIGIE_ERR_CONFLICT', `id: a check with id ${fields.id} already exists`, [{ field: 'id', message: `already used by another check: choose another id` }]);
    }
    const created = store.create(fields, user.name);
    audit(ctx, req, res, { type: 'check.created', message: `Check ${created.id} ("${created.name}") created`, data: { after: inputOf(created) } });
    res.status(201).json({ ok: true, data: await view(user, created) });
  });

  router.put('/checks/:id', requireRole('operator'), async (req, res) => {
    const { user } = callerOf(res);
    const current = editable(user, req.params.id);
    // The id comes from the path; a body that names another one is a mistake, not a rename.
    const body = req.body as Record<string, unknown> | undefined;
    if (body && typeof body === 'object' && body.id !== undefined && body.id !== current.id) {
      throw new VigieError('VIGIE_ERR_BAD_REQUEST', `id: expected ${current.id} (checks cannot be renamed: create a new one)`, [{ field: 'id', message: `expected ${current.id}: checks cannot be renamed` }]);
    }
    const fields = validate(body && typeof body === 'object' && !Array.isArray(body) ? { ...body, id: current.id } : body);
    access.assertCanWrite(user, fields, current);
    if (sameFields(current, fields)) return sendOk(res, await view(user, current));
    const updated = store.replace(fields, user.name);
    audit(ctx, req, res, { type: 'check.updated', message: `Check ${updated.id} ("${updated.name}") changed`, data: { before: inputOf(current), after: inputOf(updated) } });
    sendOk(res, await view(user, updated));
  });

  router.delete('/checks/:id', requireRole('operator'), (req, res) => {
    const { user } = callerOf(res);
    const current = editable(user, req.params.id);
    store.delete(current.id);
    audit(ctx, req, res, { type: 'check.deleted', message: `Check ${current.id} ("${current.name}") removed`, data: { before: inputOf(current) } });
    sendOk(res, { deleted: current.id });
  });

  return router;
}

/** Whether a request is for the import route (app.ts leaves its body to the route's own parser). */
export const isImportRequest = (req: Request): boolean => req.method === 'POST' && req.path === IMPORT_PATH;
