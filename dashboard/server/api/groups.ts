import { Type } from '@sinclair/typebox';
import { Router } from 'express';
import { idParam, readBody } from '../body.js';
import { sendOk } from '../respond.js';
import { audit, type ApiContext } from './context.js';

const CreateGroup = Type.Object({ name: Type.String({ maxLength: 256 }) });
const UpdateGroup = Type.Object({ name: Type.Optional(Type.String({ maxLength: 256 })), members: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 10_000 })) });

/** /api/groups: admins manage groups and their members (mounted behind requireRole('admin')). */
export function createGroupsRouter(ctx: ApiContext): Router {
  const { groups } = ctx.accounts;
  const router = Router();
  router.get('/', (_req, res) => sendOk(res, groups.list()));
  router.post('/', (req, res) => {
    const group = groups.create(readBody(CreateGroup, req.body).name);
    audit(ctx, req, res, { type: 'group.created', message: `Group ${group.name} created`, data: { id: group.id, name: group.name } });
    res.status(201).json({ ok: true, data: group });
  });
  router.patch('/:id', (req, res) => {
    const id = idParam(req.params.id, 'group');
    const body = readBody(UpdateGroup, req.body);
    const before = groups.require(id);
    const after = groups.update(id, body);
    audit(ctx, req, res, {
      type: 'group.updated',
      message: `Group ${after.name} changed`,
      data: { id, before: { name: before.name, members: before.members }, after: { name: after.name, members: after.members } },
    });
    sendOk(res, after);
  });
  router.delete('/:id', (req, res) => {
    const id = idParam(req.params.id, 'group');
    const group = groups.require(id);
    groups.delete(id);
    audit(ctx, req, res, { type: 'group.deleted', message: `Group ${group.name} deleted`, data: { id, before: group } });
    sendOk(res, null);
  });
  return router;
}
