/**
 * A device's alerts through the alert service, on a real broker and ingest
 * (issue 13): its payloads published as its poller would, the stored alert
 * keeps why and from where (so the API, the event log and a notice read the
 * same later), a change of reason while it fires updates it without a new
 * notice, and an interface alert has its own retained topic.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startAlertService } from '../../alerts/service.js';
import { AlertStore } from '../../alerts/store.js';
import { validateAlertSettings } from '../../alerts/rules.js';
import { EventLog } from '../../events/event-log.js';
import type { AlertNotice } from '../../notify/types.js';
import { tempDir, waitFor } from '../helpers/env.js';
import { publish, topics, withIngest } from '../ingest/fixtures.js';
import { deviceInfo, deviceStatus, iface, ifSample } from './device-fixtures.js';

test('a device offline: stored with its reason, error and poller, in words; a new reason updates it quietly; an interface down has its own topic', async () => {
  await withIngest({ ingest: { presenceGrace: 0 } }, async (rig) => {
    const dir = tempDir();
    const store = AlertStore.open(dir.path);
    const events = EventLog.open(dir.path);
    const settings = validateAlertSettings({ defaults: { ifDown: { for: 0 }, cpu: { for: 0 } } });
    if (!settings.ok) throw new Error(settings.error);
    store.saveSettings(settings.value);
    const notices: AlertNotice[] = [];
    const published: Array<{ topic: string; payload: string }> = [];
    const diagnosed: string[] = [];
    const service = startAlertService({
      ingest: rig.ingest, store, events, topics,
      publish: async (topic, payload) => void published.push({ topic, payload }),
      hostContext: (host) => ({ label: host === 'router' ? 'Core router' : null, groupIds: [], groupNames: [] }),
      notify: (n) => notices.push(n),
      diagnose: async (a) => {
        diagnosed.push(`${a.host}/${a.rule}`);
        return ['top: 1 process'];
      },
      tickMs: 50,
    });
    // Anonymous on the test broker: it publishes as the poller `box` would for its device.
    const poller = await rig.connect();
    try {
      await publish(poller, topics.host('router', 'info'), deviceInfo(Date.now()), true);
      await publish(poller, topics.host('router', 'status'), deviceStatus('online', 'polled'), true);
      await publish(poller, topics.host('router', 'metrics'), ifSample(Date.now(), [iface('ge-0/0/1', { alias: 'uplink', oper: 'down' })]));

      const down = await waitFor('the interface alert fires', () => service.firing().find((a) => a.host === 'router' && a.rule === 'if_down:ge-0/0/1'));
      assert.is(down.title, 'Interface ge-0/0/1 (uplink) down on Core router');
      assert.equal(down.metric, { metric: 'net.up', key: 'ge-0/0/1' });
      assert.is(store.get(down.id)?.iface?.alias, 'uplink', 'the interface is stored with the alert');
      assert.ok(published.some((p) => p.topic === 'vigie/router/alerts/if_down:ge-0%2F0%2F1' && p.payload !== ''), 'its own retained topic, the slash encoded');

      // A device's CPU alert asks no agent for its processes (it has none); an agent's does.
      await publish(poller, topics.host('router', 'metrics'), { ...ifSample(Date.now() + 1, [iface('ge-0/0/1', { alias: 'uplink', oper: 'down' })]), cpu: { usage: 99, load1: 0, load5: 0, load15: 0 } });
      await publish(poller, topics.host('web-1', 'metrics'), { v: 1, ts: Date.now(), cpu: { usage: 99, load1: 0, load5: 0, load15: 0 } });
      await waitFor('the agent\'s CPU alert diagnosed', () => diagnosed.includes('web-1/cpu'));
      await waitFor('both CPU notices', () => notices.filter((n) => n.rule === 'cpu').length === 2);
      assert.equal(diagnosed, ['web-1/cpu'], 'the device\'s CPU alert was not sent to an agent');
      assert.equal(store.get(service.firing().find((a) => a.host === 'router' && a.rule === 'cpu')!.id)?.context, []);

      await publish(poller, topics.host('router', 'status'), deviceStatus('offline', 'snmp-timeout', 'Request timed out'), true);
      const offline = await waitFor('the offline alert fires', () => service.firing().find((a) => a.host === 'router' && a.rule === 'offline'));
      assert.is(offline.title, 'Host offline: Core router');
      assert.match(offline.detail, /^The device has not answered its poller box for \d+ s \(SNMP timeout: Request timed out\)\.$/);
      assert.match(offline.advice, /^SNMP timeout: check the community or user, the device's access list and UDP 161 from box\./);
      const stored = store.get(offline.id)!;
      assert.equal([stored.offlineReason, stored.offlineError, stored.device], ['snmp-timeout', 'Request timed out', { poller: 'box', address: '192.0.2.1' }]);
      assert.match(service.view(stored, 'fr').detail, /^L’équipement ne répond plus à sa sonde box depuis /, 'the stored alert in the reader\'s language');
      await waitFor('the offline notice', () => notices.some((n) => n.key === 'router/offline' && n.kind === 'firing'));
      const notice = notices.find((n) => n.key === 'router/offline')!;
      assert.is(notice.facts?.alert.device?.poller, 'box', 'a notice carries the facts a channel words in its own language');

      // Same reason, another error (the status has no ts): still fed, so the stored error follows.
      await publish(poller, topics.host('router', 'status'), deviceStatus('offline', 'snmp-timeout', 'Request timed out after 2 retries'), true);
      await waitFor('the error updated', () => store.get(offline.id)?.offlineError === 'Request timed out after 2 retries');
      await publish(poller, topics.host('router', 'status'), deviceStatus('offline', 'poller-offline', 'poller box is offline'), true);
      await waitFor('the reason updated', () => store.get(offline.id)?.offlineReason === 'poller-offline');
      assert.match(service.view(store.get(offline.id)!).advice, /^The poller box is offline: the device's state is unknown until it is back\./);
      assert.is(notices.filter((n) => n.key === 'router/offline').length, 1, 'an update is not notified again');
      assert.is(service.firing().filter((a) => a.rule === 'offline').length, 1, 'one alert, not a second episode');

      await publish(poller, topics.host('router', 'status'), deviceStatus('online', 'polled'), true);
      await waitFor('resolved', () => store.get(offline.id)?.state === 'resolved');
    } finally {
      await service.close();
      events.close();
      store.close();
      dir.remove();
    }
  });
});

test.run();
