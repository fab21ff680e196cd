import { Router } from 'express';
import type { User } from '../../../accounts/users.js';
import { VigieError } from '../../../core/errors.js';
import { DeviceAccess } from '../../../devices/access.js';
import type { DeviceDefinition } from '../../../devices/definition.js';
import { assertDeviceIdFree, assertPollerIsAgent, type HostFacts } from '../../../devices/identity.js';
import type { DeviceService } from '../../../devices/service.js';
import type { DeviceStore } from '../../../devices/store.js';
import { validateDevice, type DeviceChecked } from '../../../devices/validate.js';
import { auditOf, deviceView, type DeviceView } from '../../../devices/view.js';
import { isHostId } from '../../../protocol/host-id.js';
import { hostIdParam } from '../params.js';
import { callerOf, requireRole } from '../auth/guards.js';
import { sendOk } from '../respond.js';
import { audit, type ApiContext } from './context.js';

/** The device definitions the API reads and changes (issue 13). */
export interface DevicesContext {
  store: DeviceStore;
  /** Deletes a device with its host (devices/service.ts). */
  service: Pick<DeviceService, 'remove'>;
  /** The poller of a device that names none: the box's own agent (`vigie up`), else null (poller required). */
  defaultPoller: string | null;
}

/**
 * SNMP devices (issue 13, docs/api.md "Devices"):
 *   GET    /api/devices        the devices the caller sees, as DeviceView (secrets "********")
 *   GET    /api/devices/:id    one (404 when unknown or not visible)
 *   POST   /api/devices        201 DeviceView                      operator
 *   PUT    /api/devices/:id    DeviceView; a secret "********" or left out keeps the stored one
 *   DELETE /api/devices/:id    204; the device and its host (history, retained topics, alerts)
 * Bodies are bounded by the API's 16 kB JSON limit (app.ts).
 */
export function createDevicesRouter(ctx: ApiContext, devices: DevicesContext): Router {
  const router = Router();
  const { store, defaultPoller } = devices;
  const { hostAccess } = ctx.accounts;
  const access = new DeviceAccess(hostAccess);
  const facts: HostFacts = {
    credentials: ctx.accounts.credentials,
    enrollmentTokens: ctx.accounts.enrollmentTokens,
    hostOf: (id) => ctx.ingest.getHost(id),
    devices: store,
    localAgent: defaultPoller,
  };

  const view = (user: User, def: DeviceDefinition): DeviceView => {
    const host = hostAccess.get(def.id);
    return deviceView(def, host, access.canEdit(user, host.groups));
  };

  /** A device the caller may see, else 404 (the same as a missing one). */
  const visible = (user: User, raw: unknown): DeviceDefinition => {
    const id = typeof raw === 'string' ? raw : '';
    const def = isHostId(id) && access.canSee(user, id) ? store.get(id) : null;
    if (!def) throw new VigieError('VIGIE_ERR_NOT_FOUND', `No device with id ${id.slice(0, 64)}`);
    return def;
  };

  /** A device the caller may change: 404 when invisible, 403 when only visible. */
  const editable = (user: User, raw: unknown): DeviceDefinition => {
    const def = visible(user, raw);
    if (!access.canEdit(user, hostAccess.get(def.id).groups)) throw new VigieError('VIGIE_ERR_FORBIDDEN', `Only admins and operators of its groups may change device ${def.id}`);
    return def;
  };

  const validate = (body: unknown, current: DeviceDefinition | null): DeviceChecked => {
    const checked = validateDevice(body, { defaultPoller, current });
    if (!checked.ok) throw new VigieError('VIGIE_ERR_BAD_REQUEST', `${checked.fields[0]!.field}: ${checked.fields[0]!.message}`, checked.fields);
    return checked.value;
  };

  /** Groups must exist before anything is written: the device and its host access are two files. */
  const assertGroupsExist = (groups: readonly number[]): void => {
    groups.forEach((g, i) => {
      if (!ctx.accounts.groups.get(g)) throw new VigieError('VIGIE_ERR_BAD_REQUEST', `groups[${i}]: no group with id ${g}`, [{ field: `groups[${i}]`, message: `no group with id ${g}` }]);
    });
  };

  router.get('/devices', (_req, res) => {
    const { user } = callerOf(res);
    const sees = access.visibilityOf(user);
    sendOk(res, { devices: store.list().filter((d) => sees(d.id)).map((d) => view(user, d)) });
  });

  router.get('/devices/:id', (req, res) => {
    const { user } = callerOf(res);
    sendOk(res, view(user, visible(user, req.params.id)));
  });

  router.post('/devices', requireRole('operator'), (req, res) => {
    const { user } = callerOf(res);
    const { fields, label, groups = [] } = validate(req.body, null);
    access.assertCanWrite(user, { groups, poller: fields.poller });
    // Ids are global: an operator learns that one is taken, nothing about the device.
    if (store.has(fields.id)) throw new VigieError('VIGIE_ERR_CONFLICT', `id: a device with id ${fields.id} already exists`, [{ field: 'id', message: 'already used by another device: choose another id' }]);
    assertDeviceIdFree(facts, fields.id);
    assertPollerIsAgent(facts, fields.poller);
    assertGroupsExist(groups);
    const created = store.create(fields, user.name);
    hostAccess.setAccess(created.id, { owner: hostAccess.get(created.id).owner, groups });
    if (label !== undefined) hostAccess.setLabel(created.id, label);
    ctx.ingest.restoreHost(created.id); // a host removed earlier under this id may come back as this device
    audit(ctx, req, res, { type: 'device.created', host: created.id, message: `Device ${created.id} (${created.address}, polled by ${created.poller}) added`, data: { after: auditOf(created, hostAccess.get(created.id)) } });
    res.status(201).json({ ok: true, data: view(user, created) });
  });

  router.put('/devices/:id', requireRole('operator'), (req, res) => {
    const { user } = callerOf(res);
    const current = editable(user, req.params.id);
    const before = hostAccess.get(current.id);
    // The id comes from the path; a body that names another one is a mistake, not a rename.
    const body = req.body as Record<string, unknown> | undefined;
    if (body && typeof body === 'object' && !Array.isArray(body) && body.id !== undefined && body.id !== current.id) {
      throw new VigieError('VIGIE_ERR_BAD_REQUEST', `id: expected ${current.id} (devices cannot be renamed: add a new one)`, [{ field: 'id', message: `expected ${current.id}: devices cannot be renamed` }]);
    }
    const checked = validate(body && typeof body === 'object' && !Array.isArray(body) ? { ...body, id: current.id } : body, current);
    const { fields, label } = checked;
    const groups = checked.groups ?? before.groups;
    access.assertCanWrite(user, { groups, poller: fields.poller }, { groups: before.groups, poller: current.poller });
    if (fields.poller !== current.poller) assertPollerIsAgent(facts, fields.poller);
    assertGroupsExist(groups);
    const updated = store.replace(fields, user.name);
    if (checked.groups !== undefined) hostAccess.setAccess(updated.id, { owner: before.owner, groups });
    if (label !== undefined) hostAccess.setLabel(updated.id, label);
    audit(ctx, req, res, { type: 'device.updated', host: updated.id, message: `Device ${updated.id} changed`, data: { before: auditOf(current, before), after: auditOf(updated, hostAccess.get(updated.id)) } });
    sendOk(res, view(user, updated));
  });

  router.delete('/devices/:id', requireRole('operator'), async (req, res) => {
    const { user } = callerOf(res);
    const current = editable(user, req.params.id);
    const before = hostAccess.get(current.id);
    await devices.service.remove(current.id);
    audit(ctx, req, res, { type: 'device.removed', host: current.id, message: `Device ${current.id} removed with its history`, data: { before: auditOf(current, before) } });
    res.status(204).end();
  });

  // Removing a device's host from Hosts & agents removes the device too: left
  // behind, it would still be polled, its messages ignored (the host's tombstone).
  // Other hosts go on to the access router's DELETE /api/hosts/:id.
  router.delete('/hosts/:id', requireRole('admin'), async (req, res, next) => {
    const id = hostIdParam(req.params.id);
    const current = store.get(id);
    if (!current) return next();
    const before = hostAccess.get(id);
    const removed = await devices.service.remove(id);
    audit(ctx, req, res, { type: 'device.removed', host: id, message: `Device ${id} removed with its host`, data: { before: auditOf(current, before), points: removed?.points ?? 0 } });
    sendOk(res, { host: id, points: removed?.points ?? 0 });
  });

  return router;
}
