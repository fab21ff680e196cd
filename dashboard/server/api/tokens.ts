import { Type } from '@sinclair/typebox';
import { Router } from 'express';
import { VigieError } from '../../../core/errors.js';
import { callerOf } from '../auth/guards.js';
import { idParam, readBody } from '../body.js';
import { sendOk } from '../respond.js';
import { audit, type ApiContext } from './context.js';

const CreateToken = Type.Object({ name: Type.String({ maxLength: 256 }), scope: Type.Union([Type.Literal('read'), Type.Literal('write')]) });

/** /api/tokens: a signed-in user's API tokens; admins see and revoke everyone's (mounted behind sessionOnly). */
export function createTokensRouter(ctx: ApiContext): Router {
  const { tokens } = ctx.accounts;
  const router = Router();
  router.get('/', (_req, res) => {
    const { user } = callerOf(res);
    sendOk(res, user.role === 'admin' ? tokens.list() : tokens.list(user.id));
  });
  router.post('/', (req, res) => {
    const body = readBody(CreateToken, req.body);
    const created = tokens.create(callerOf(res).user.id, body.name, body.scope);
    audit(ctx, req, res, { type: 'token.created', message: `API token "${created.token.name}" (${created.token.scope}) created`, data: { id: created.token.id, name: created.token.name, scope: created.token.scope } });
    res.status(201).json({ ok: true, data: created });
  });
  router.delete('/:id', (req, res) => {
    const id = idParam(req.params.id, 'token');
    const { user } = callerOf(res);
    const token = tokens.get(id);
    // Someone else's token answers like a missing one: ids reveal nothing.
    if (!token || (token.userId !== user.id && user.role !== 'admin')) throw new VigieError('VIGIE_ERR_NOT_FOUND', `No API token with id ${id}`);
    tokens.revoke(id);
    audit(ctx, req, res, { type: 'token.revoked', message: `API token "${token.name}" of ${token.userName} revoked`, data: { id, name: token.name, owner: token.userName } });
    sendOk(res, null);
  });
  return router;
}
