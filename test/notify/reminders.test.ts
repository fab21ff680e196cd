/**
 * Issue 10 item 15: reminders follow the alert as it is now. A real broker
 * and ingest feed the real alert service; its notices go through the real
 * notifier to a webhook on a local HTTP server; one injected clock drives
 * both. Of five alerts firing critical, one is acknowledged, one silenced,
 * one under a maintenance window, one silenced and then resolved, and one
 * de-escalated to warning: only the last is reminded, as a warning, once per
 * repeatMinutes, and not again right after a restart. An alert whose notice
 * was lost before it reached the outbox is notified once after a restart.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startAlertService, type AlertService } from '../../alerts/service.js';
import { AlertStore } from '../../alerts/store.js';
import { validateAlertSettings } from '../../alerts/rules.js';
import { EventLog } from '../../events/event-log.js';
import type { WebhookBody } from '../../notify/channels/webhook.js';
import type { AlertNotice } from '../../notify/types.js';
import { createNotifier, type Notifier } from '../../notify/notifier.js';
import { tempDir, waitFor } from '../helpers/env.js';
import { metrics, publish, topics, withIngest, type IngestRig } from '../ingest/fixtures.js';
import { LOCAL, startRecorder, tempStore } from './helpers.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What both tests start from: a webhook recorder, a channel store, an alert store whose CPU rule fires at once, a movable clock. */
function setUp() {
  const dir = tempDir();
  const box = { now: Date.now() };
  const clock = { now: () => box.now };
  const store = AlertStore.open(dir.path, clock);
  const events = EventLog.open(dir.path);
  const settings = validateAlertSettings({ defaults: { cpu: { for: 0, hysteresis: 5 }, offline: { enabled: false } } });
  if (!settings.ok) throw new Error(settings.error);
  store.saveSettings(settings.value);
  return {
    box, clock, store, events, channels: tempStore(),
    /** The alert service on the rig's ingest, with this clock and stores. */
    service: (rig: IngestRig, notify: (n: AlertNotice) => void): AlertService => startAlertService({
      ingest: rig.ingest, store, events, topics, clock, tickMs: 50,
      publish: () => Promise.resolve(),
      hostContext: () => ({ label: null, groupIds: [], groupNames: [] }),
      notify,
    }),
    close(): void {
      events.close();
      store.close();
      dir.remove();
    },
  };
}

test('reminders skip acknowledged, silenced, in-maintenance and resolved alerts, carry the current severity, and survive a restart without a burst', async () => {
  const server = await startRecorder();
  const t = setUp();
  const { box, clock, store, channels } = t;
  let service: AlertService | null = null;
  const startNotifier = (): Notifier =>
    createNotifier({ store: channels.store, allowInternal: LOCAL, clock, groupWindowMs: 0, repeatCheckMs: 20, reminders: () => service?.reminders() ?? [] });
  let notifier = startNotifier();
  /** Requests the webhook got, as `kind host severity` per notice. */
  const told = (): string[] =>
    server.requests.flatMap((r) => (JSON.parse(r.body) as WebhookBody).notices.map((n) => `${n.kind} ${n.host} ${n.severity}`));
  const reminders = (): string[] => told().filter((t) => t.startsWith('repeat'));
  try {
    channels.store.create({ type: 'webhook', name: 'remind me', url: `${server.base}/hook`, repeatMinutes: 1 });
    await withIngest({}, async (rig) => {
      service = t.service(rig, (n) => notifier.notify(n));
      const agent = await rig.connect();
      const hosts = ['acked', 'silenced', 'maintained', 'ghost', 'calmer'];
      const sample = async (host: string, cpu: number): Promise<void> =>
        publish(agent, topics.host(host, 'metrics'), metrics(box.now, { cpu: { usage: cpu, load1: 0.1, load5: 0.1, load15: 0.1 } }));
      const alertOf = (host: string) => service!.firing().find((a) => a.host === host && a.rule === 'cpu');

      for (const host of hosts) await sample(host, 97);
      await waitFor('five critical alerts notified', () => told().filter((t) => t.startsWith('firing')).length === 5);

      service.acknowledge(alertOf('acked')!.id, 'teacher', 'on it');
      service.silence(alertOf('silenced')!.id, 60, 'teacher');
      store.addMaintenance({ name: 'patching', scope: { kind: 'host', host: 'maintained' }, schedule: { kind: 'once', start: box.now - 1000, end: box.now + 3_600_000 } }, 'teacher');
      service.silence(alertOf('ghost')!.id, 5, 'teacher');
      box.now += 1000;
      await sample('ghost', 10); // resolves while silenced: no "resolved" notice goes out
      await sample('calmer', 88); // critical → warning (below 95 − 5)
      await waitFor('ghost resolved and calmer de-escalated', () => !alertOf('ghost') && alertOf('calmer')?.severity === 'warning');

      box.now += 61_000;
      await waitFor('the first reminder', () => reminders().length === 1);
      await pause(200); // ten more reminder checks
      await notifier.flush();
      assert.equal(reminders(), ['repeat calmer warning'], 'only the de-escalated alert is reminded, at its current severity');

      box.now += 5 * 60_000; // the ghost's silence has ended too: it stays quiet, being resolved
      await waitFor('the second reminder', () => reminders().length === 2);
      await pause(200);
      assert.equal(reminders(), ['repeat calmer warning', 'repeat calmer warning'], 'one reminder per repeatMinutes, however late');

      // A restart of the notifier: the last reminder is remembered in notify.db, so no burst.
      await notifier.close();
      notifier = startNotifier();
      await pause(200);
      assert.is(reminders().length, 2, 'no reminder right after a restart');
      box.now += 61_000;
      await waitFor('the next reminder on time', () => reminders().length === 3);
      await service.close();
    });
  } finally {
    await notifier.close();
    t.close();
    channels.remove();
    await server.close();
  }
});

test('an alert whose firing notice never reached the outbox (a crash between the alert and its notice) is notified once after restart', async () => {
  const server = await startRecorder();
  const t = setUp();
  const { box, clock, store, channels } = t;
  let service: AlertService | null = null;
  const notifier = createNotifier({
    store: channels.store, allowInternal: LOCAL, clock, groupWindowMs: 0, repeatCheckMs: 20, catchUpAfterMs: 60_000,
    reminders: () => service?.reminders() ?? [],
  });
  const firings = (): string[] =>
    server.requests.flatMap((r) => (JSON.parse(r.body) as WebhookBody).notices.map((n) => `${n.kind} ${n.host} ${n.severity}`));
  try {
    channels.store.create({ type: 'webhook', name: 'no reminders', url: `${server.base}/hook` });
    await withIngest({}, async (rig) => {
      const start = (notify: (n: AlertNotice) => void): AlertService => t.service(rig, notify);
      const agent = await rig.connect();
      const sample = async (cpu: number): Promise<void> =>
        publish(agent, topics.host('lost', 'metrics'), metrics(box.now, { cpu: { usage: cpu, load1: 0.1, load5: 0.1, load15: 0.1 } }));
      // First life: the alert is stored as firing, and the process dies before its notice is handed over.
      service = start(() => undefined);
      await sample(97);
      await waitFor('stored as firing', () => store.firing().some((a) => a.host === 'lost'));
      await service.close();
      // Second life: the alert is adopted (the same episode: the service sends no second notice).
      box.now += 1000;
      service = start((n) => notifier.notify(n));
      await sample(97);
      await waitFor('adopted', () => service!.reminders().some((n) => n.host === 'lost'));
      await pause(200);
      assert.equal(firings(), [], 'not yet: a young alert may still be on its way');
      box.now += 61_000;
      await waitFor('the firing notice', () => firings().length === 1);
      box.now += 10 * 60_000;
      await pause(200);
      await notifier.flush();
      assert.equal(firings(), ['firing lost critical'], 'once');
      await service.close();
    });
  } finally {
    await notifier.close();
    t.close();
    channels.remove();
    await server.close();
  }
});

test.run();
