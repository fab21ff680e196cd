import { Type } from '@sinclair/typebox';
import { Router } from 'express';
import { VigieError } from '../../../core/errors.js';
import { MAX_PASSWORD, ROLES, type Role } from '../../../accounts/rules.js';
import { callerOf } from '../auth/guards.js';
import { idParam, readBody } from '../body.js';
import { sendOk } from '../respond.js';
import { audit, type ApiContext } from './context.js';

const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));
const Ids = Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 1000 });
const CreateUser = Type.Object({ name: Type.String({ maxLength: 256 }), password: Type.String({ maxLength: MAX_PASSWORD }), role: RoleSchema, groups: Type.Optional(Ids) });
const UpdateUser = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 256 })),
  role: Type.Optional(RoleSchema),
  password: Type.Optional(Type.String({ maxLength: MAX_PASSWORD })),
  groups: Type.Optional(Ids),
  unlock: Type.Optional(Type.Boolean()),
});

/** /api/users: admins manage users (mounted behind requireRole('admin')). */
export function createUsersRouter(ctx: ApiContext): Router {
  const { users, groups } = ctx.accounts;
  const router = Router();
  router.get('/', (_req, res) => sendOk(res, users.list()));

  router.post('/', async (req, res) => {
    const body = readBody(CreateUser, req.body);
    for (const g of body.groups ?? []) groups.require(g);
    const user = await users.create({ name: body.name, password: body.password, role: body.role });
    if (body.groups) groups.setGroupsOf(user.id, body.groups);
    const created = users.get(user.id)!;
    audit(ctx, req, res, { type: 'user.created', message: `User ${created.name} created (${created.role})`, data: { id: created.id, after: { name: created.name, role: created.role, groups: created.groups } } });
    res.status(201).json({ ok: true, data: created });
  });

  router.patch('/:id', async (req, res) => {
    const id = idParam(req.params.id, 'user');
    const body = readBody(UpdateUser, req.body);
    const before = users.require(id);
    for (const g of body.groups ?? []) groups.require(g);
    const changes: { name?: string; role?: Role; password?: string } = {};
    if (body.name !== undefined) changes.name = body.name;
    if (body.role !== undefined) changes.role = body.role;
    if (body.password !== undefined) changes.password = body.password;
    await users.update(id, changes);
    if (body.groups) groups.setGroupsOf(id, body.groups);
    if (body.unlock) {
      users.unlock(id);
      ctx.login.unlock(before);
    }
    // A reset password or a lower role applies now, not at the session's end.
    if (body.password !== undefined || (body.role !== undefined && body.role !== before.role)) {
      const caller = callerOf(res);
      ctx.login.endSessionsOf(id, caller.via === 'session' && caller.user.id === id ? caller.session.key : undefined);
    }
    const after = users.get(id)!;
    audit(ctx, req, res, {
      type: 'user.updated',
      message: `User ${after.name} changed by an admin`,
      data: {
        id,
        before: { name: before.name, role: before.role, groups: before.groups },
        after: { name: after.name, role: after.role, groups: after.groups },
        password: body.password !== undefined,
        unlocked: body.unlock === true,
      },
    });
    sendOk(res, after);
  });

  router.delete('/:id', (req, res) => {
    const id = idParam(req.params.id, 'user');
    if (callerOf(res).user.id === id) throw new VigieError('VIGIE_ERR_CONFLICT', 'id: you cannot delete yourself');
    const user = users.require(id);
    ctx.login.endSessionsOf(id);
    users.delete(id);
    audit(ctx, req, res, { type: 'user.deleted', message: `User ${user.name} deleted`, data: { id, before: { name: user.name, role: user.role } } });
    sendOk(res, null);
  });
  return router;
}
