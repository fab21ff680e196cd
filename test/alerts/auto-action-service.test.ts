/**
 * Automatic actions through the alert service on a real broker, ingest,
 * alert store and event log, notified through a real notifier to a webhook
 * channel on a real HTTP server (the run service is injected: the script
 * library's own tests run real agents): a failed watched service on a host
 * that opted in fires an alert whose notice says the action runs, then a
 * follow-up says what was done and what came of it; the alert view carries
 * the suggested fix; a host that did not opt in gets neither.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunOutcome, RunRequest, RunService } from '../../alerts/auto-action.js';
import { validateAlertSettings } from '../../alerts/rules.js';
import { startAlertService } from '../../alerts/service.js';
import { AlertStore } from '../../alerts/store.js';
import { EventLog } from '../../events/event-log.js';
import type { WebhookBody } from '../../notify/channels/webhook.js';
import { localizeNotice } from '../../notify/localize.js';
import { noticeText } from '../../notify/message-text.js';
import { createNotifier } from '../../notify/notifier.js';
import type { AlertNotice } from '../../notify/types.js';
import type { ServicesPayload } from '../../protocol/payloads.js';
import { tempDir, waitFor } from '../helpers/env.js';
import { publish, topics, withIngest } from '../ingest/fixtures.js';
import { LOCAL, startRecorder, tempStore } from '../notify/helpers.js';

const nginx = (state: 'running' | 'failed', ts = Date.now()): ServicesPayload => ({ v: 1, ts, services: [{ name: 'nginx.service', state, enabled: true }] });

test('a failed service on a host that opted in: the notice says the restart runs, the follow-up what came of it; the view suggests the fix', async () => {
  await withIngest({ ingest: { presenceGrace: 0 } }, async (ingestRig) => {
    const dir = tempDir();
    const store = AlertStore.open(dir.path);
    const events = EventLog.open(dir.path);
    const settings = validateAlertSettings({
      defaults: { services: { watch: ['nginx.service'], action: { script: 'vigie.service-restart', auto: true } } },
      hosts: { 'web-1': { services: { autoAction: true } } },
    });
    if (!settings.ok) throw new Error(settings.error);
    store.saveSettings(settings.value);
    const server = await startRecorder();
    const channels = tempStore();
    channels.store.create({ type: 'webhook', name: 'hook', url: `${server.base}/h` });
    const notifier = createNotifier({ store: channels.store, allowInternal: LOCAL, groupWindowMs: 0 });
    const requests: RunRequest[] = [];
    let finish: (v: RunOutcome) => void = () => {};
    const runs: RunService = {
      start(req) {
        requests.push(req);
        return { ok: true, value: { id: 'r1', state: 'pending', exit: null, signal: null, timedOut: false, duration: null, output: '' } };
      },
      wait: () => new Promise((resolve) => (finish = resolve)),
    };
    const service = startAlertService({
      ingest: ingestRig.ingest, store, events, topics,
      publish: async () => {},
      hostContext: () => ({ label: null, groupIds: [], groupNames: [] }),
      notify: (n) => notifier.notify(n),
      runs,
      canRunFix: (host, script) => host !== 'web-3' && script.startsWith('vigie.'),
      tickMs: 50,
    });
    const agent = await ingestRig.connect();
    const received = (): AlertNotice[] => server.requests.flatMap((r) => (JSON.parse(r.body) as WebhookBody).notices);
    try {
      await publish(agent, topics.host('web-2', 'services'), nginx('failed'), true);
      await publish(agent, topics.host('web-1', 'services'), nginx('failed'), true);
      const fired = await waitFor('the firing notice of web-1', () => received().find((n) => n.kind === 'firing' && n.host === 'web-1'));
      assert.equal(requests, [{ script: 'vigie.service-restart', host: 'web-1', args: { service: 'nginx.service', mode: 'restart' }, by: 'rule:service:nginx.service', trigger: 'rule', rule: 'service:nginx.service' }]);
      assert.match(fired.detail, /Automatic action: restart nginx\.service, running now\.$/);
      assert.is(fired.action?.state, 'running');
      const web2 = await waitFor('the firing notice of web-2', () => received().find((n) => n.kind === 'firing' && n.host === 'web-2'));
      assert.is(web2.action, undefined, 'web-2 did not opt in: no action');
      assert.not.match(web2.detail, /Automatic action/);

      const view = service.firing().find((a) => a.host === 'web-1')!;
      assert.equal(view.fix, { script: 'vigie.service-restart', args: { service: 'nginx.service', mode: 'restart' }, label: 'restart nginx.service' });
      assert.equal(service.firing('fr').find((a) => a.host === 'web-1')!.fix?.label, 'redémarrer nginx.service');

      finish({ id: 'r1', state: 'done', exit: 0, signal: null, timedOut: false, duration: 0.8, output: 'Restarting nginx.service\nnginx.service active\n' });
      const follow = await waitFor('the follow-up notice', () => received().find((n) => n.kind === 'action'));
      assert.is(follow.title, 'Automatic action on web-1: restart nginx.service — done (exit 0 after 0.8 s)');
      assert.match(follow.detail, /^For the alert: Service nginx\.service failed — web-1\. Run by rule service:nginx\.service\.$/);
      assert.equal(follow.context, ['Restarting nginx.service', 'nginx.service active']);
      assert.is(follow.severity, 'critical');
      const text = noticeText(follow, 'en');
      assert.match(text, /^\[AUTOMATIC ACTION · CRITICAL\] Automatic action on web-1: restart nginx\.service — done/);
      assert.match(text, /nginx\.service active/);
      assert.equal(events.query({ host: 'web-1' }).map((e) => e.type).filter((t) => t.startsWith('alert.auto')).sort(), ['alert.auto_action', 'alert.auto_action_done']);

      // A channel in French renders the same facts in French (notify/localize.ts).
      const fr = localizeNotice({ ...follow, facts: { alert: store.get(view.id)!, hostName: 'web-1', at: Date.now() } }, 'fr');
      assert.is(fr.title, 'Action automatique sur web-1 : redémarrer nginx.service — faite (code de sortie 0 après 0,8 s)');

      await publish(agent, topics.host('web-1', 'services'), nginx('running', Date.now() + 1), true);
      await waitFor('resolved', () => received().some((n) => n.kind === 'resolved' && n.host === 'web-1'));
      assert.is(requests.length, 1, 'one run');
    } finally {
      await service.close();
      await notifier.close();
      channels.remove();
      await server.close();
      events.close();
      store.close();
      dir.remove();
    }
  });
});

test.run();
