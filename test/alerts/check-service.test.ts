/**
 * Check alerts through the alert service on a real broker, ingest, check
 * store, alert store and event log: results published as a runner would
 * fire a stored alert, its retained topic, an event line (in French too)
 * and a notice carrying the runner's words; a maintenance window of the
 * check's group keeps it quiet; a deleted or disabled check ends its alerts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MqttClient } from 'mqtt';
import { startAlertService, type AlertService } from '../../alerts/service.js';
import { AlertStore } from '../../alerts/store.js';
import { CheckStore } from '../../checks/store.js';
import type { CheckFields } from '../../checks/validate.js';
import { EventLog } from '../../events/event-log.js';
import { eventMessage } from '../../events/messages.js';
import { localizeNotice } from '../../notify/localize.js';
import { noticeText } from '../../notify/message-text.js';
import type { AlertNotice } from '../../notify/types.js';
import type { CheckResultPayload } from '../../protocol/schemas/check.js';
import { tempDir, waitFor } from '../helpers/env.js';
import { publish, topics, withIngest } from '../ingest/fixtures.js';

interface Rig {
  service: AlertService;
  store: AlertStore;
  checks: CheckStore;
  events: EventLog;
  notices: AlertNotice[];
  published: Array<{ topic: string; payload: string }>;
  runner: MqttClient;
  send(runner: string, check: string, result: Partial<CheckResultPayload> & { state: 'up' | 'down' }): Promise<void>;
}

const moodle = (over: Partial<CheckFields> = {}): CheckFields => ({
  id: 'moodle', kind: 'http', target: 'https://moodle.example.org/', interval: 10, timeout: 5,
  name: 'Moodle', enabled: true, runners: ['box', 'vps'], groupId: 3, sla: 99,
  alerting: { downAfter: 2, latency: { warning: null, critical: null, for: 0 }, certDays: { warning: 14, critical: 3 } },
  ...over,
});

async function withCheckAlerts(run: (rig: Rig) => Promise<void>): Promise<void> {
  await withIngest({ ingest: { presenceGrace: 0 } }, async (ingestRig) => {
    const dir = tempDir();
    const store = AlertStore.open(dir.path);
    const events = EventLog.open(dir.path);
    const checks = CheckStore.open(dir.path);
    checks.create(moodle(), 'admin');
    const runner = await ingestRig.connect();
    let ts = Date.now() - 60_000;
    const rig: Rig = {
      store, events, checks, notices: [], published: [], runner, service: undefined as never,
      async send(host, check, result) {
        ts += 1000; // each run its own ts, as a runner stamps them
        const payload: CheckResultPayload = { v: 1, ts, kind: 'http', latency: 0.05, message: result.state === 'up' ? '200 OK' : 'connection refused', ...result };
        await publish(runner, topics.checkResult(host, check), payload, true);
      },
    };
    rig.service = startAlertService({
      ingest: ingestRig.ingest,
      store,
      events,
      topics,
      publish: async (topic, payload) => void rig.published.push({ topic, payload }),
      // The runners are in no group: only the check's group 3 ("Lab") can match.
      hostContext: (host) => ({ label: host === 'box' ? 'The box' : null, groupIds: [], groupNames: [] }),
      notify: (n) => rig.notices.push(n),
      checks,
      groupName: (id) => (id === 3 ? 'Lab' : null),
      dashboardUrl: () => 'https://vigie.example',
      tickMs: 50,
    });
    try {
      await run(rig);
    } finally {
      await rig.service.close();
      checks.close();
      events.close();
      store.close();
      dir.remove();
    }
  });
}

test('a check down twice on a runner fires one stored alert, its retained topic, an event and a notice with what the runner saw; up resolves it', async () => {
  await withCheckAlerts(async (rig) => {
    await rig.send('vps', 'moodle', { state: 'up' });
    await rig.send('box', 'moodle', { state: 'down', message: 'connection refused', trace: ' 1?: [LOCALHOST]\x1b[2J pmtu 65536\n 1:  gw 0.3ms' });
    await waitFor('the first failure is pending', () => rig.service.checkRules?.active('box').length === 1);
    assert.equal(rig.service.firing(), [], 'one failure is not down yet (downAfter 2)');
    await rig.send('box', 'moodle', { state: 'down', message: 'connection refused', trace: ' 1?: [LOCALHOST]\x1b[2J pmtu 65536\n 1:  gw 0.3ms' });
    const firing = await waitFor('the alert fires', () => rig.service.firing().find((a) => a.rule === 'check:moodle'));
    assert.is(firing.host, 'box');
    assert.is(firing.severity, 'critical');
    assert.is(firing.title, 'Moodle is down from The box (1 of 2 places)');
    assert.is(rig.service.firing('fr')[0]!.title, 'Moodle est en panne vu depuis The box (1 lieu sur 2)');
    assert.ok(firing.context.includes('Runner said: connection refused'), firing.context.join('\n'));
    assert.ok(firing.context.includes('   1?: [LOCALHOST]\\x1b[2J pmtu 65536'), 'the trace, escaped');
    const topic = rig.published.find((p) => p.topic === topics.alert('box', 'check:moodle') && p.payload !== '');
    assert.ok(topic, 'retained alert topic');
    assert.is(JSON.parse(topic.payload).title, firing.title);
    const line = rig.events.query({ type: 'alert.firing', host: 'box' })[0]!;
    assert.is(eventMessage(line, 'fr'), 'Moodle est en panne vu depuis box (1 lieu sur 2)');
    const notice = await waitFor('the notice', () => rig.notices.find((n) => n.kind === 'firing' && n.rule === 'check:moodle'));
    assert.equal(notice.groups, ['Lab'], "the check's group routes it");
    const text = noticeText(notice, 'en');
    assert.match(text, /Runner said: connection refused/);
    assert.match(text, /^Runner: box \(The box\)$/m, 'the host line names the runner');
    assert.match(text, /\\x1b\[2J/);
    assert.not.match(text, /\x1b/, 'no raw control character reaches a channel');
    assert.is(localizeNotice(notice, 'fr').title, 'Moodle est en panne vu depuis The box (1 lieu sur 2)');

    await rig.send('box', 'moodle', { state: 'up' });
    const resolved = await waitFor('the resolved notice', () => rig.notices.find((n) => n.kind === 'resolved' && n.rule === 'check:moodle'));
    assert.is(resolved.title, 'Resolved: Moodle was down from The box');
    assert.is(rig.service.store.get(firing.id)?.endCause, 'recovered');
    assert.ok(rig.published.some((p) => p.topic === topics.alert('box', 'check:moodle') && p.payload === ''), 'topic cleared');
  });
});

test("a maintenance window of the check's group shows its alert and keeps it quiet", async () => {
  await withCheckAlerts(async (rig) => {
    rig.store.addMaintenance({ name: 'Moodle upgrade', scope: { kind: 'group', groupId: 3 }, schedule: { kind: 'once', start: Date.now() - 1000, end: Date.now() + 600_000 } }, 'admin');
    await rig.send('box', 'moodle', { state: 'down' });
    await rig.send('box', 'moodle', { state: 'down' });
    const alert = await waitFor('fires in maintenance', () => rig.service.firing().find((a) => a.rule === 'check:moodle'));
    assert.ok(alert.maintenance && alert.inMaintenance);
    assert.is(rig.service.counts().maintenance, 1);
    // Another check on the same runner, in another group, fires after it and is notified: by then
    // the first one's notice step has run (each alert's steps are queued in the order they fired).
    rig.checks.create(moodle({ id: 'wiki', name: 'Wiki', groupId: 4, runners: ['box'], alerting: { downAfter: 1, latency: { warning: null, critical: null, for: 0 }, certDays: { warning: 14, critical: 3 } } }), 'admin');
    await rig.send('box', 'wiki', { state: 'down' });
    await waitFor('the other check is notified', () => rig.notices.some((n) => n.rule === 'check:wiki'));
    assert.not.ok(rig.notices.some((n) => n.rule === 'check:moodle'), 'no notice during the window');
  });
});

test('deleting a check ends its alerts (removed, unnotified); disabling one ends them (disabled)', async () => {
  await withCheckAlerts(async (rig) => {
    await rig.send('box', 'moodle', { state: 'down' });
    await rig.send('box', 'moodle', { state: 'down' });
    await rig.send('vps', 'moodle', { state: 'down' });
    await rig.send('vps', 'moodle', { state: 'down' });
    await waitFor('both runners fire', () => rig.service.firing().filter((a) => a.rule === 'check:moodle').length === 2);
    await waitFor('the first one now says 2 of 2', () => rig.service.firing().every((a) => a.title.endsWith('(2 of 2 places)')));
    rig.checks.replace(moodle({ runners: ['box'] }), 'admin');
    await waitFor('vps ends', () => rig.service.firing().length === 1);
    assert.is(rig.store.query({ host: 'vps' })[0]!.endCause, 'removed');
    rig.checks.replace(moodle({ runners: ['box'], enabled: false }), 'admin');
    await waitFor('box ends', () => rig.service.firing().length === 0);
    assert.is(rig.store.query({ host: 'box' })[0]!.endCause, 'disabled');
    await waitFor('the disabled one is told', () => rig.notices.some((n) => n.kind === 'resolved' && n.host === 'box'));
    assert.not.ok(rig.notices.some((n) => n.kind === 'resolved' && n.host === 'vps'), 'a runner taken off the check: no notice');
  });
});

test.run();
