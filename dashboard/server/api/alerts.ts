import { Type } from '@sinclair/typebox';
import { Router } from 'express';
import { MaintenanceInput, serverTimeZone, timeZoneError, windowActive, type MaintenanceWindow } from '../../../alerts/maintenance.js';
import { effectiveRules, validateAlertSettings, type AlertSettings } from '../../../alerts/rules.js';
import type { AlertService, AlertView } from '../../../alerts/service.js';
import type { User } from '../../../accounts/users.js';
import { VigieError, type FieldError } from '../../../core/errors.js';
import { callerOf, requireRole } from '../auth/guards.js';
import { idParam, readBody } from '../body.js';
import { requestLang } from '../lang.js';
import { intParam, queryValue } from '../params.js';
import { sendOk } from '../respond.js';
import { audit, type ApiContext } from './context.js';
import { findHost } from './hosts.js';

const AckBody = Type.Object({ comment: Type.String({ maxLength: 500 }) });
const SilenceBody = Type.Object({ minutes: Type.Integer({ minimum: 1, maximum: 7 * 24 * 60 }), comment: Type.Optional(Type.String({ maxLength: 500 })) });

/**
 * Alerts, their settings and maintenance windows:
 *   GET  /api/alerts?state=firing|resolved&host=&from=&to=&limit=&lang=   (the caller's hosts only)
 * Alert titles, details and advice come in the caller's language: `?lang=en|fr`, else Accept-Language, else English.
 *   POST /api/alerts/:id/ack      { comment }            operator
 *   POST /api/alerts/:id/silence  { minutes, comment? }  operator
 *   GET|PUT /api/alert-settings                          defaults and every override (admin)
 *   GET|PUT /api/hosts/:id/alert-settings                one host's override (read: who sees it; write: operator)
 *   GET|POST /api/maintenance, DELETE /api/maintenance/:id
 */
export function createAlertsRouter(ctx: ApiContext, alerts: AlertService): Router {
  const router = Router();
  const canSee = (user: User, host: string): boolean => ctx.accounts.hostAccess.canSee(user, host);

  /** An alert the caller may see, else 404 (the same as a missing one). */
  const visibleAlert = (user: User, raw: unknown): AlertView => {
    const id = idParam(raw, 'alert');
    const record = alerts.store.get(id);
    if (!record || !canSee(user, record.host)) throw new VigieError('VIGIE_ERR_NOT_FOUND', `No alert with id ${id}`);
    return alerts.view(record);
  };

  router.get('/alerts', (req, res) => {
    const { user } = callerOf(res);
    const state = queryValue(req.query, 'state');
    if (state !== undefined && state !== 'firing' && state !== 'resolved' && state !== '') throw new VigieError('VIGIE_ERR_BAD_REQUEST', 'state: expected firing or resolved');
    const host = queryValue(req.query, 'host') || undefined;
    const lang = requestLang(req);
    const records = alerts.store.query({
      ...(state ? { state } : {}),
      ...(host ? { host } : {}),
      ...optional('from', intParam(req.query, 'from', 'milliseconds since the Unix epoch')),
      ...optional('to', intParam(req.query, 'to', 'milliseconds since the Unix epoch')),
      ...optional('limit', intParam(req.query, 'limit', 'a number of alerts from 1 to 1000', 1000)),
    });
    const sees = ctx.accounts.hostAccess.visibilityOf(user);
    sendOk(res, records.filter((r) => sees(r.host)).map((r) => alerts.view(r, lang)));
  });

  router.post('/alerts/:id/ack', requireRole('operator'), (req, res) => {
    const { user } = callerOf(res);
    const lang = requestLang(req);
    const alert = visibleAlert(user, req.params.id);
    const body = readBody(AckBody, req.body);
    sendOk(res, alerts.view(alerts.acknowledge(alert.id, user.name, body.comment.trim()), lang));
  });

  router.post('/alerts/:id/silence', requireRole('operator'), (req, res) => {
    const { user } = callerOf(res);
    const lang = requestLang(req);
    const alert = visibleAlert(user, req.params.id);
    const body = readBody(SilenceBody, req.body);
    sendOk(res, alerts.view(alerts.silence(alert.id, body.minutes, user.name), lang));
  });

  router.get('/alert-settings', requireRole('admin'), (_req, res) => sendOk(res, alerts.settings()));
  router.put('/alert-settings', requireRole('admin'), (req, res) => {
    const parsed = validateAlertSettings(req.body);
    if (!parsed.ok) throw new VigieError('VIGIE_ERR_BAD_REQUEST', parsed.error, parsed.fields);
    const before = alerts.settings();
    alerts.saveSettings(parsed.value);
    audit(ctx, req, res, { type: 'settings.alerts', message: 'Alert settings changed', data: { before: before.defaults, after: parsed.value.defaults } });
    sendOk(res, parsed.value);
  });

  router.get('/hosts/:id/alert-settings', (req, res) => {
    const host = findHost(ctx, callerOf(res).user, req.params.id);
    const settings = alerts.settings();
    sendOk(res, {
      host: host.id,
      override: settings.hosts[host.id] ?? {},
      effective: effectiveRules(settings, host.id),
      defaults: settings.defaults,
      services: (host.services?.services ?? []).map((s) => s.name),
    });
  });
  router.put('/hosts/:id/alert-settings', requireRole('operator'), (req, res) => {
    const host = findHost(ctx, callerOf(res).user, req.params.id);
    const current = alerts.settings();
    const next: AlertSettings = { defaults: current.defaults, hosts: { ...current.hosts, [host.id]: req.body as never } };
    const parsed = validateAlertSettings(next);
    // The body is this host's override: its fields are named from the body (`cpu.warning`), the message keeps the full path.
    if (!parsed.ok) throw new VigieError('VIGIE_ERR_BAD_REQUEST', parsed.error, relativeTo(`hosts.${host.id}.`, parsed.fields));
    alerts.saveSettings(parsed.value);
    audit(ctx, req, res, {
      type: 'settings.host_alerts',
      host: host.id,
      message: `Alert settings of ${host.id} changed`,
      data: { before: current.hosts[host.id] ?? {}, after: parsed.value.hosts[host.id] ?? {} },
    });
    sendOk(res, { host: host.id, override: parsed.value.hosts[host.id] ?? {}, effective: effectiveRules(parsed.value, host.id) });
  });

  /** Windows a user may see: every one for admins; others the ones for all hosts, their hosts or their groups. */
  const visibleWindow = (user: User, w: MaintenanceWindow): boolean =>
    user.role === 'admin' || w.scope.kind === 'all' || (w.scope.kind === 'host' ? canSee(user, w.scope.host) : user.groups.includes(w.scope.groupId));

  router.get('/maintenance', (_req, res) => {
    const { user } = callerOf(res);
    const now = ctx.clock.now();
    sendOk(res, alerts.maintenance().filter((w) => visibleWindow(user, w)).map((w) => ({ ...w, active: windowActive(w.schedule, now) })));
  });
  router.post('/maintenance', requireRole('operator'), (req, res) => {
    const { user } = callerOf(res);
    const input = readBody(MaintenanceInput, req.body);
    // Operators plan windows for hosts they see; windows for groups or everyone are for admins.
    if (user.role !== 'admin' && (input.scope.kind !== 'host' || !canSee(user, input.scope.host))) {
      throw new VigieError('VIGIE_ERR_FORBIDDEN', 'scope: operators may plan maintenance only for a host they see');
    }
    if (input.schedule.kind === 'once' && input.schedule.end <= input.schedule.start) throw new VigieError('VIGIE_ERR_BAD_REQUEST', 'schedule.end: must be after schedule.start');
    if (input.schedule.kind === 'weekly') {
      const zoneError = input.schedule.timeZone === undefined ? null : timeZoneError(input.schedule.timeZone);
      if (zoneError) throw new VigieError('VIGIE_ERR_BAD_REQUEST', zoneError);
      // Stored with its zone, so moving the box to another TZ does not move the window.
      input.schedule.timeZone ??= serverTimeZone();
    }
    const window = alerts.store.addMaintenance(input, user.name);
    audit(ctx, req, res, { type: 'maintenance.created', host: input.scope.kind === 'host' ? input.scope.host : null, message: `Maintenance window "${window.name}" planned`, data: { after: window } });
    res.status(201).json({ ok: true, data: window });
  });
  router.delete('/maintenance/:id', requireRole('operator'), (req, res) => {
    const { user } = callerOf(res);
    const id = idParam(req.params.id, 'maintenance window');
    const window = alerts.maintenance().find((w) => w.id === id);
    if (!window || !visibleWindow(user, window)) throw new VigieError('VIGIE_ERR_NOT_FOUND', `No maintenance window with id ${id}`);
    if (user.role !== 'admin' && window.scope.kind !== 'host') throw new VigieError('VIGIE_ERR_FORBIDDEN', 'Only admins remove windows for groups or every host');
    alerts.store.deleteMaintenance(id);
    audit(ctx, req, res, { type: 'maintenance.deleted', message: `Maintenance window "${window.name}" removed`, data: { before: window } });
    sendOk(res, null);
  });
  return router;
}

/** Fields under `prefix` named from it; the others (another host's, which this body cannot set) dropped. */
function relativeTo(prefix: string, fields: readonly FieldError[]): FieldError[] {
  return fields.filter((f) => f.field.startsWith(prefix)).map((f) => ({ ...f, field: f.field.slice(prefix.length) }));
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}
