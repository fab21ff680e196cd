import { Router } from 'express';
import { redactChannel } from '../../../notify/channel-config.js';
import type { ChannelStore } from '../../../notify/channel-store.js';
import type { Notifier } from '../../../notify/notifier.js';
import { VigieError } from '../../../core/errors.js';
import { requireRole } from '../auth/guards.js';
import { idParam } from '../body.js';
import { sendOk } from '../respond.js';
import { audit, type ApiContext } from './context.js';

/**
 * /api/channels: notification channels (admins). Every answer goes through
 * redactChannel: a secret leaves as "********", and sending that back keeps it.
 */
export function createChannelsRouter(ctx: ApiContext, channels: ChannelStore, notifier: Notifier): Router {
  const router = Router();
  router.use(requireRole('admin'));
  const find = (raw: unknown) => {
    const id = idParam(raw, 'channel');
    const channel = channels.get(id);
    if (!channel) throw new VigieError('VIGIE_ERR_NOT_FOUND', `No channel with id ${id}`);
    return channel;
  };
  router.get('/', (_req, res) => sendOk(res, channels.list().map(redactChannel)));
  // Notices given up on (target down past notify.retryHours, a refused address, a 4xx…) and how many still wait.
  router.get('/outbox', (_req, res) => {
    const names = new Map(channels.list().map((c) => [c.id, c.name]));
    sendOk(res, {
      pending: notifier.outbox.pendingCount(),
      failed: notifier.outbox.failedCount(),
      recentFailed: notifier.outbox.failed(50).map((e) => ({
        id: e.id, channelId: e.channelId, channelName: names.get(e.channelId) ?? null,
        key: e.notice.key, kind: e.notice.kind, severity: e.notice.severity, title: e.notice.title,
        createdAt: e.createdAt, failedAt: e.doneAt, attempts: e.attempts, error: e.error,
      })),
    });
  });
  router.post('/', (req, res) => {
    const channel = redactChannel(channels.create(req.body));
    audit(ctx, req, res, { type: 'settings.channel_created', message: `Notification channel "${channel.name}" (${channel.type}) created`, data: { after: channel } });
    res.status(201).json({ ok: true, data: channel });
  });
  router.put('/:id', (req, res) => {
    const before = redactChannel(find(req.params.id));
    const after = redactChannel(channels.update(before.id, req.body));
    audit(ctx, req, res, { type: 'settings.channel_updated', message: `Notification channel "${after.name}" changed`, data: { before, after } });
    sendOk(res, after);
  });
  router.delete('/:id', (req, res) => {
    const channel = redactChannel(find(req.params.id));
    channels.delete(channel.id);
    audit(ctx, req, res, { type: 'settings.channel_deleted', message: `Notification channel "${channel.name}" deleted`, data: { before: channel } });
    sendOk(res, null);
  });
  router.post('/:id/test', async (req, res) => {
    const channel = find(req.params.id);
    const result = await notifier.sendTest(channel.id);
    if (!result.ok) ctx.events.append({ type: 'notify.failed', message: `Test message to "${channel.name}" failed: ${result.error}`, data: { channel: channel.id, name: channel.name, type: channel.type, error: result.error, test: true } });
    sendOk(res, result);
  });
  router.get('/:id/deliveries', (req, res) => sendOk(res, channels.recentDeliveries(find(req.params.id).id)));
  return router;
}
