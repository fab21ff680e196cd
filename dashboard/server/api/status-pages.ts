import { Type } from '@sinclair/typebox';
import { Router, type Response } from 'express';
import type { User } from '../../../accounts/users.js';
import type { CheckCatalog } from '../../../checks/types.js';
import { VigieError } from '../../../core/errors.js';
import { INCIDENT_STATES, LIMITS, SLUG_PATTERN, type StatusPage, type StatusPageStore } from '../../../status-page/store.js';
import { callerOf, requireRole } from '../auth/guards.js';
import { idParam, readBody } from '../body.js';
import { sendOk } from '../respond.js';
import { audit, type ApiContext } from './context.js';

/**
 * /api/status-pages (issue 12, item 7), mounted behind requireRole('operator'):
 *   GET    /                    pages the caller manages (admins: all; operators: their groups')
 *   GET    /choices             admins: every group with the hosts and checks a page may show
 *   POST   /                    admins: create (off until enabled)
 *   GET    /:id                 one page with its incident notes
 *   PATCH  /:id                 admins: edit, enable, choose hosts and checks
 *   DELETE /:id                 admins
 *   POST   /:id/incidents       operators of the page's group, admins: write a note
 *   PATCH  /:id/incidents/:nid  edit it, change its state (resolve)
 *   DELETE /:id/incidents/:nid
 * A page of a group the operator is not in is a 404, never a 403.
 */

const Ids = (max: number) => Type.Array(Type.String({ minLength: 1, maxLength: 63 }), { maxItems: max });
const IncidentStateT = Type.Union(INCIDENT_STATES.map((s) => Type.Literal(s)));

const CreatePage = Type.Object(
  {
    groupId: Type.Integer({ minimum: 1 }),
    slug: Type.String({ pattern: SLUG_PATTERN, description: '1 to 40 of a-z, 0-9 and -' }),
    title: Type.String({ minLength: 1, maxLength: LIMITS.title }),
    description: Type.Optional(Type.Union([Type.String({ maxLength: LIMITS.description }), Type.Null()])),
    enabled: Type.Optional(Type.Boolean()),
    showTargets: Type.Optional(Type.Boolean()),
    hosts: Type.Optional(Ids(LIMITS.hosts)),
    checks: Type.Optional(Ids(LIMITS.checks)),
  },
  { additionalProperties: false },
);
const UpdatePage = Type.Partial(Type.Omit(CreatePage, ['groupId']), { additionalProperties: false });
const CreateIncident = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: LIMITS.incidentTitle }),
    body: Type.Optional(Type.String({ maxLength: LIMITS.incidentBody })),
    state: Type.Optional(IncidentStateT),
  },
  { additionalProperties: false },
);
const UpdateIncident = Type.Partial(CreateIncident, { additionalProperties: false });

const bad = (field: string, message: string): VigieError => new VigieError('VIGIE_ERR_BAD_REQUEST', `${field}: ${message}`, [{ field, message }]);

export function createStatusPagesRouter(ctx: ApiContext, store: StatusPageStore, catalog: () => CheckCatalog | null): Router {
  const { groups, hostAccess } = ctx.accounts;
  const router = Router();

  const userOf = (res: Response): User => callerOf(res).user;
  const isAdmin = (user: User): boolean => user.role === 'admin';
  const myGroups = (user: User): Set<number> => new Set(groups.list().filter((g) => g.members.includes(user.id)).map((g) => g.id));

  /** The page if the caller manages it (admin) or writes its notes (operator of its group); else a 404. */
  const pageFor = (res: Response, raw: unknown): StatusPage => {
    const user = userOf(res);
    const page = store.get(idParam(raw, 'status page'));
    if (!page || (!isAdmin(user) && !myGroups(user).has(page.groupId))) throw new VigieError('VIGIE_ERR_NOT_FOUND', `No status page with id ${String(raw).slice(0, 20)}`);
    return page;
  };

  const view = (page: StatusPage) => ({
    ...page,
    groupName: groups.get(page.groupId)?.name ?? null,
    path: `/status/${page.slug}`,
    url: `${ctx.publicUrl().replace(/\/$/, '')}/status/${page.slug}`,
    incidents: store.incidents(page.id),
  });

  /** Hosts must be shared with the page's group and checks belong to it: a page shows nothing else. */
  const checkChoices = (groupId: number, hosts: readonly string[] | undefined, checks: readonly string[] | undefined): void => {
    const group = groups.get(groupId);
    if (!group) throw bad('groupId', `no group with id ${groupId}`);
    hosts?.forEach((h, i) => {
      if (!group.hosts.includes(h)) throw bad(`hosts[${i}]`, `"${h.slice(0, 63)}" is not a host of group ${group.name}`);
    });
    const cat = catalog();
    checks?.forEach((c, i) => {
      const def = cat?.get(c) ?? null;
      if (!def || def.groupId !== groupId) throw bad(`checks[${i}]`, `"${c.slice(0, 63)}" is not a check of group ${group.name}`);
    });
  };

  router.get('/', (_req, res) => {
    const user = userOf(res);
    const mine = isAdmin(user) ? null : myGroups(user);
    sendOk(res, store.list().filter((p) => mine === null || mine.has(p.groupId)).map(view));
  });

  router.get('/choices', requireRole('admin'), (_req, res) => {
    const checks = catalog()?.list() ?? [];
    sendOk(
      res,
      groups.list().map((g) => ({
        id: g.id,
        name: g.name,
        hosts: g.hosts.map((h) => ({ id: h, label: hostAccess.labelOf(h) })),
        checks: checks.filter((c) => c.groupId === g.id).map((c) => ({ id: c.id, name: c.name, kind: c.kind })),
      })),
    );
  });

  router.post('/', requireRole('admin'), (req, res) => {
    const body = readBody(CreatePage, req.body);
    checkChoices(body.groupId, body.hosts, body.checks);
    const page = store.create(body);
    audit(ctx, req, res, { type: 'status_page.created', message: `Status page ${page.slug} created`, data: { after: page } });
    res.status(201).json({ ok: true, data: view(page) });
  });

  router.get('/:id', (req, res) => sendOk(res, view(pageFor(res, req.params.id))));

  router.patch('/:id', requireRole('admin'), (req, res) => {
    const before = pageFor(res, req.params.id);
    const body = readBody(UpdatePage, req.body);
    checkChoices(before.groupId, body.hosts, body.checks);
    const after = store.update(before.id, body);
    audit(ctx, req, res, { type: 'status_page.updated', message: `Status page ${after.slug} changed${before.enabled !== after.enabled ? (after.enabled ? ' (now public)' : ' (now off)') : ''}`, data: { before, after } });
    sendOk(res, view(after));
  });

  router.delete('/:id', requireRole('admin'), (req, res) => {
    const page = pageFor(res, req.params.id);
    store.delete(page.id);
    audit(ctx, req, res, { type: 'status_page.deleted', message: `Status page ${page.slug} deleted`, data: { before: page } });
    sendOk(res, { deleted: page.id });
  });

  router.post('/:id/incidents', (req, res) => {
    const page = pageFor(res, req.params.id);
    const incident = store.addIncident(page.id, readBody(CreateIncident, req.body));
    audit(ctx, req, res, { type: 'status_page.incident', message: `Incident note "${incident.title}" on status page ${page.slug}`, data: { page: page.slug, after: incident } });
    res.status(201).json({ ok: true, data: incident });
  });

  router.patch('/:id/incidents/:nid', (req, res) => {
    const page = pageFor(res, req.params.id);
    const id = idParam(req.params.nid, 'incident note');
    const before = store.incident(page.id, id);
    const after = store.updateIncident(page.id, id, readBody(UpdateIncident, req.body));
    audit(ctx, req, res, { type: 'status_page.incident', message: `Incident note "${after.title}" on status page ${page.slug}: ${after.state}`, data: { page: page.slug, before, after } });
    sendOk(res, after);
  });

  router.delete('/:id/incidents/:nid', (req, res) => {
    const page = pageFor(res, req.params.id);
    const id = idParam(req.params.nid, 'incident note');
    const before = store.incident(page.id, id);
    store.deleteIncident(page.id, id);
    audit(ctx, req, res, { type: 'status_page.incident_deleted', message: `Incident note "${before.title}" removed from status page ${page.slug}`, data: { page: page.slug, before } });
    sendOk(res, { deleted: id });
  });
  return router;
}
