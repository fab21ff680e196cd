import { ApiError, apiPath, getJson, idPath, sendJson } from '../api.js';
import { h, replaceChildren, setText, type View } from '../dom.js';
import { formatDateTime } from '../format.js';
import { t } from '../i18n/index.js';
import type { ChannelConfig, ChannelDelivery, ChannelTestResult, Group } from '../model.js';
import { createChannelForm } from './channel-form.js';
import { button, confirmButton, dataTable, messageLine, page, panel, run, type MessageLine } from './ui.js';

/** GET /api/channels/outbox: notices still waiting, and those given up on. */
interface OutboxSummary {
  pending: number;
  failed: number;
  recentFailed: Array<{ id: number; channelName: string | null; key: string; kind: string; title: string; failedAt: number | null; attempts: number; error: string | null }>;
}

/**
 * `#/admin/channels`: where alerts are sent (email, webhook, ntfy, Telegram,
 * Discord, Slack), with each channel's routing, its last delivery, a
 * "send test" button and its recent deliveries, and the notifications
 * given up on (issue 10 item 17). Secrets never come back from the server:
 * they show as "********".
 */
export function createChannelsView(): View {
  const pageLine = messageLine();
  const table = dataTable([t('chan.name'), t('chan.type'), t('chan.enabled'), t('chan.minSeverity'), t('chan.groups'), t('chan.last'), ''], t('chan.empty'));
  const formSlot = h('div');
  const add = button(t('chan.add'), { class: 'btn primary', 'data-testid': 'channel-add' }, () => openForm(null));
  const outboxSlot = h('div', { 'data-testid': 'outbox' });
  const el = page(t('nav.channels'), h('p', { class: 'muted' }, t('chan.intro')), pageLine.el, h('div', { class: 'actions' }, add), formSlot, panel(null, table.el),
    panel(t('chan.outbox.title'), h('p', { class: 'muted' }, t('chan.outbox.intro')), outboxSlot));
  let groupNames: string[] = [];
  let destroyed = false;

  const openForm = (channel: ChannelConfig | null): void => {
    const form = createChannelForm({
      channel,
      groups: groupNames,
      onSaved: () => {
        replaceChildren(formSlot);
        add.hidden = false;
        void load();
      },
      onCancel: () => {
        replaceChildren(formSlot);
        add.hidden = false;
      },
    });
    add.hidden = true;
    replaceChildren(formSlot, panel(channel ? t('chan.edit', { name: channel.name }) : t('chan.add'), form));
    formSlot.scrollIntoView({ block: 'nearest' });
    form.querySelector<HTMLElement>('[data-testid=channel-name]')?.focus();
  };

  /** The latest delivery, a test included (said as such): what the channel last did. */
  const lastText = (d: ChannelDelivery | undefined): HTMLElement => d
    ? h('span', {
      class: d.ok ? 'delivery ok' : 'delivery failed', 'data-testid': 'channel-last', 'data-ok': d.ok ? 'yes' : 'no', 'data-test': d.test ? 'yes' : 'no', title: d.error ?? '',
    }, `${d.test ? t(d.ok ? 'chan.lastTest' : 'chan.lastTestFailed') : d.ok ? t('chan.delivered') : t('chan.failed')} · ${formatDateTime(d.ts)}`)
    : h('span', { class: 'muted', 'data-testid': 'channel-last' }, t('chan.never'));

  const deliveriesList = (list: ChannelDelivery[]): HTMLElement => list.length
    ? h('ul', { class: 'deliveries', 'data-testid': 'channel-deliveries' }, ...list.slice(0, 20).map((d) => h('li', { 'data-ok': d.ok ? 'yes' : 'no' },
      h('span', { class: d.ok ? 'delivery ok' : 'delivery failed' }, d.ok ? t('chan.delivered') : t('chan.failed')),
      ` ${formatDateTime(d.ts)} · ${t('chan.attempts', { n: d.attempts })}`,
      d.test ? ` · ${t('chan.test')}` : '',
      d.keys.length ? h('span', { class: 'mono muted' }, ` ${d.keys.join(', ')}`) : null,
      d.error ? h('div', { class: 'delivery-error' }, d.error) : null)))
    : h('p', { class: 'muted' }, t('chan.noDeliveries'));

  const outboxView = (o: OutboxSummary): HTMLElement[] => [
    h('p', { 'data-testid': 'outbox-summary', 'data-failed': String(o.failed), 'data-pending': String(o.pending) }, t('chan.outbox.summary', { pending: o.pending, failed: o.failed })),
    o.recentFailed.length
      ? h('ul', { class: 'deliveries', 'data-testid': 'outbox-failed' }, ...o.recentFailed.map((f) => h('li', { 'data-ok': 'no' },
        h('span', { class: 'delivery failed' }, t('chan.failed')),
        ` ${t('chan.outbox.item', { time: f.failedAt ? formatDateTime(f.failedAt) : '?', channel: f.channelName ?? '?', alert: f.key, kind: f.kind, attempts: f.attempts })}`,
        h('div', { class: 'muted' }, f.title),
        f.error ? h('div', { class: 'delivery-error' }, f.error) : null)))
      : h('p', { class: 'muted' }, t('chan.outbox.none')),
  ];

  const testResult = (r: ChannelTestResult): string =>
    r.ok ? t('chan.testOk', { n: r.attempts }) : t('chan.testFailed', { n: r.attempts, error: r.error ?? '?' });

  const row = (c: ChannelConfig, deliveries: ChannelDelivery[]): void => {
    const line: MessageLine = messageLine({ 'data-testid': 'channel-row-error' });
    const result = h('p', { class: 'form-msg', 'data-testid': 'channel-test-result', 'aria-live': 'polite', hidden: true });
    const details = h('div', { hidden: true });
    const actions = h('div', { class: 'actions' });
    const last = h('div', null, lastText(deliveries[0]));
    const test = button(t('chan.sendTest'), { class: 'btn small', 'data-testid': 'channel-test' }, () => void run(actions, line, async () => {
      const r = await sendJson<ChannelTestResult>('POST', idPath('channels', c.id, '/test'));
      result.dataset.kind = r.ok ? 'ok' : 'error';
      result.dataset.ok = r.ok ? 'yes' : 'no';
      setText(result, testResult(r));
      result.hidden = false;
      // The test is now the channel's latest delivery: read it back, so the row says so without a reload.
      const latest = await getJson<ChannelDelivery[]>(idPath('channels', c.id, '/deliveries'));
      if (!destroyed) replaceChildren(last, lastText([...latest].sort((a, b) => b.ts - a.ts || b.id - a.id)[0]));
      if (!details.hidden) replaceChildren(details, deliveriesList(latest));
    }));
    const history = button(t('chan.deliveries'), { class: 'btn small', 'data-testid': 'channel-history' }, () => void run(actions, line, async () => {
      if (!details.hidden) {
        details.hidden = true;
        return;
      }
      replaceChildren(details, deliveriesList(await getJson<ChannelDelivery[]>(idPath('channels', c.id, '/deliveries'))));
      details.hidden = false;
    }));
    replaceChildren(actions,
      button(t('chan.editButton'), { class: 'btn small', 'data-testid': 'channel-edit' }, () => openForm(c)),
      test, history,
      confirmButton(t('action.delete'), t('chan.deleteQ', { name: c.name }), line, async () => {
        await sendJson('DELETE', idPath('channels', c.id));
        await load();
      }, { 'data-testid': 'channel-delete', class: 'btn small danger' }));
    table.row({ 'data-testid': 'channel-row', 'data-channel': c.name, 'data-type': c.type }, [
      h('span', { class: 'strong' }, c.name),
      t(`chan.type.${c.type}`),
      c.enabled ? t('chan.yes') : h('span', { class: 'muted' }, t('chan.no')),
      t(`chan.sev.${c.minSeverity}`),
      c.groups.length ? c.groups.join(', ') : h('span', { class: 'muted' }, t('chan.allHosts')),
      last,
      h('div', null, actions, result, details, line.el),
    ]);
  };

  const load = async (): Promise<void> => {
    try {
      const [channels, groups] = await Promise.all([
        getJson<ChannelConfig[]>(apiPath('/channels')),
        getJson<Group[]>(apiPath('/groups')).catch(() => [] as Group[]),
      ]);
      // A handful of channels: one small request each for the latest delivery.
      const deliveries = await Promise.all(channels.map((c) => getJson<ChannelDelivery[]>(idPath('channels', c.id, '/deliveries')).catch(() => [] as ChannelDelivery[])));
      const outbox = await getJson<OutboxSummary>(apiPath('/channels/outbox')).catch(() => null);
      if (destroyed) return;
      replaceChildren(outboxSlot, ...(outbox ? outboxView(outbox) : []));
      groupNames = groups.map((g) => g.name).sort((a, b) => a.localeCompare(b));
      table.clear();
      channels.forEach((c, i) => row(c, [...(deliveries[i] ?? [])].sort((a, b) => b.ts - a.ts)));
    } catch (error) {
      if (destroyed) return;
      if (error instanceof ApiError && error.code === 'VIGIE_ERR_NOT_FOUND') {
        pageLine.ok(t('chan.unavailable'));
        add.hidden = true;
      } else pageLine.error(error);
    }
  };
  void load();
  return { el, destroy() { destroyed = true; } };
}
