/**
 * The alert service on a real broker and ingest: samples published as an
 * agent would fire and resolve stored alerts, retained alert topics,
 * event log lines and notices; maintenance windows keep notices quiet;
 * acknowledging and silencing; alerts that survive a restart are adopted.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MqttClient } from 'mqtt';
import { startAlertService, type AlertService } from '../../alerts/service.js';
import { AlertStore } from '../../alerts/store.js';
import { validateAlertSettings } from '../../alerts/rules.js';
import { EventLog } from '../../events/event-log.js';
import type { AlertNotice } from '../../notify/types.js';
import { validatePayload } from '../../protocol/payloads.js';
import { AlertPayload } from '../../protocol/schemas/alert.js';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { tempDir, waitFor } from '../helpers/env.js';
import { info, metrics, publish, status, topics, withIngest, type IngestRig } from '../ingest/fixtures.js';

const alertCheck = TypeCompiler.Compile(AlertPayload);

interface Rig {
  service: AlertService;
  store: AlertStore;
  events: EventLog;
  notices: AlertNotice[];
  published: Array<{ topic: string; payload: string; retain: boolean }>;
  agent: MqttClient;
}

async function withAlerts(run: (rig: Rig, ingestRig: IngestRig, restart: (grace?: number) => Promise<void>) => Promise<void>): Promise<void> {
  await withIngest({ ingest: { presenceGrace: 0 } }, async (ingestRig) => {
    const dir = tempDir();
    const store = AlertStore.open(dir.path);
    const events = EventLog.open(dir.path);
    const settings = validateAlertSettings({
      defaults: { cpu: { for: 0, hysteresis: 5 }, services: { watch: ['nginx'] } },
      hosts: { quiet: { cpu: { enabled: false } } },
    });
    if (!settings.ok) throw new Error(settings.error);
    store.saveSettings(settings.value);
    const rig: Rig = { store, events, notices: [], published: [], agent: await ingestRig.connect(), service: undefined as never };
    const start = (grace?: number): AlertService =>
      startAlertService({
        ingest: ingestRig.ingest,
        store,
        events,
        topics,
        publish: async (topic, payload, retain) => void rig.published.push({ topic, payload, retain }),
        hostContext: (host) => ({ label: host === 'web-1' ? 'Web server' : null, groupIds: host === 'lab-2' ? [7] : [], groupNames: host === 'lab-2' ? ['lab'] : [] }),
        notify: (n) => rig.notices.push(n),
        tickMs: 50,
        transitionsPerHostPerMinute: 10,
        ...(grace !== undefined ? { adoptGraceMs: grace } : {}),
      });
    rig.service = start();
    try {
      await run(rig, ingestRig, async (grace) => {
        await rig.service.close();
        rig.service = start(grace);
      });
    } finally {
      await rig.service.close();
      events.close();
      store.close();
      dir.remove();
    }
  });
}

const cpu = (usage: number, ts = Date.now()) => metrics(ts, { cpu: { usage, load1: 0.1, load5: 0.1, load15: 0.1 } });

test('a CPU spike fires a stored alert, a retained topic, an event and a notice; recovery resolves all of them', async () => {
  await withAlerts(async (rig) => {
    await publish(rig.agent, topics.host('web-1', 'metrics'), cpu(97));
    const firing = await waitFor('the alert fires', () => rig.service.firing().find((a) => a.host === 'web-1' && a.rule === 'cpu'));
    assert.is(firing.severity, 'critical');
    assert.is(firing.title, 'CPU at 97 % on Web server');
    assert.match(firing.advice, /top/);
    const retained = rig.published.find((p) => p.topic === 'vigie/web-1/alerts/cpu');
    assert.ok(retained?.retain, 'published retained');
    const payload = JSON.parse(retained!.payload);
    assert.ok(alertCheck.Check(payload), 'the payload matches the alert schema');
    assert.equal([payload.severity, payload.value, payload.threshold, payload.acknowledged], ['critical', 97, 95, false]);
    await waitFor('the firing notice', () => rig.notices.some((n) => n.kind === 'firing' && n.key === 'web-1/cpu'));
    assert.is(rig.events.query({ type: 'alert.firing', host: 'web-1' }).length, 1);
    assert.equal(rig.service.counts(), { firing: 1, critical: 1, warning: 0, acknowledged: 0, maintenance: 0 });

    await publish(rig.agent, topics.host('web-1', 'metrics'), cpu(88, Date.now() + 1)); // below critical (95) minus the hysteresis (5)
    await waitFor('de-escalated to warning', () => rig.store.get(firing.id)!.severity === 'warning');
    await publish(rig.agent, topics.host('web-1', 'metrics'), cpu(20, Date.now() + 2));
    await waitFor('resolved', () => rig.store.get(firing.id)!.state === 'resolved');
    await waitFor('the resolved notice', () => rig.notices.some((n) => n.kind === 'resolved' && n.key === 'web-1/cpu'));
    const cleared = rig.published.filter((p) => p.topic === 'vigie/web-1/alerts/cpu').at(-1)!;
    assert.equal([cleared.payload, cleared.retain], ['', true], 'an empty retained message clears the topic');
    assert.equal(rig.events.query({ host: 'web-1' }).map((e) => e.type).sort(), ['alert.deescalated', 'alert.firing', 'alert.resolved']);
    assert.is(rig.notices.filter((n) => n.key === 'web-1/cpu').length, 2, 'firing and resolved; no notice for a de-escalation');
  });
});

test('40 mounts filling at once: every alert is stored and shown, but past 10 transitions a minute none is diagnosed or notified; the admin is told which host', async () => {
  await withAlerts(async (rig) => {
    const disks = Array.from({ length: 40 }, (_, i) => ({ mount: `/m${i}`, fs: 'ext4', total: 1e10, used: 99e8, free: 1e8, usedPercent: 99 }));
    await publish(rig.agent, topics.host('flood-1', 'metrics'), metrics(Date.now(), { disks }));
    await waitFor('every disk alert stored', () => rig.service.firing().filter((a) => a.host === 'flood-1' && a.rule.startsWith('disk:')).length === 40);
    await waitFor('the notices of the budget', () => rig.notices.filter((n) => n.host === 'flood-1').length >= 10);
    await new Promise((r) => setTimeout(r, 300)); // would-be notices past the budget have had time to come
    assert.is(rig.notices.filter((n) => n.host === 'flood-1').length, 10, 'ten notices, not forty');
    assert.is(rig.events.query({ type: 'alert.firing', host: 'flood-1' }).length, 10, 'ten event lines');
    const told = rig.events.query({ type: 'host.alert_flood', host: 'flood-1' });
    assert.is(told.length, 1, 'the admin is told once which host');
    assert.match(told[0]!.message, /flood-1 caused more than 10 alert transitions in a minute/);
    assert.is(rig.published.filter((p) => p.topic.startsWith('vigie/flood-1/alerts/')).length, 40, 'every alert is on its retained topic');
    // Another host has a budget of its own.
    await publish(rig.agent, topics.host('web-1', 'metrics'), cpu(97));
    await waitFor('the other host is notified', () => rig.notices.some((n) => n.key === 'web-1/cpu' && n.kind === 'firing'));
  });
});

test('a per-host override turns a rule off; a watched service stopped fires, running again resolves', async () => {
  await withAlerts(async (rig) => {
    await publish(rig.agent, topics.host('quiet', 'metrics'), cpu(99));
    await publish(rig.agent, topics.host('svc-host', 'services'), { v: 1, ts: Date.now(), services: [{ name: 'nginx', state: 'stopped', enabled: true }, { name: 'cron', state: 'failed', enabled: true }] });
    const alert = await waitFor('nginx stopped fires', () => rig.service.firing().find((a) => a.rule === 'service:nginx'));
    assert.is(alert.severity, 'warning');
    assert.match(alert.title, /nginx/);
    assert.not.ok(rig.service.firing().some((a) => a.rule === 'service:cron'), 'cron is not watched');
    assert.not.ok(rig.service.firing().some((a) => a.host === 'quiet'), 'cpu is off for quiet');
    await publish(rig.agent, topics.host('svc-host', 'services'), { v: 1, ts: Date.now(), services: [{ name: 'nginx', state: 'running', enabled: true }] });
    await waitFor('resolved', () => rig.store.get(alert.id)!.state === 'resolved');
  });
});

test('during a maintenance window an alert is recorded and shown, not notified', async () => {
  await withAlerts(async (rig) => {
    rig.store.addMaintenance({ name: 'Kernel update', scope: { kind: 'group', groupId: 7 }, schedule: { kind: 'once', start: Date.now() - 1000, end: Date.now() + 60_000 } }, 'admin');
    await publish(rig.agent, topics.host('lab-2', 'metrics'), cpu(99));
    const alert = await waitFor('fires in maintenance', () => rig.service.firing().find((a) => a.host === 'lab-2'));
    assert.ok(alert.maintenance && alert.inMaintenance);
    await publish(rig.agent, topics.host('web-1', 'metrics'), cpu(99));
    await waitFor('web-1 (not in the window) is notified', () => rig.notices.some((n) => n.host === 'web-1'));
    assert.not.ok(rig.notices.some((n) => n.host === 'lab-2'), 'no notice for the host in maintenance');
    const event = rig.events.query({ type: 'alert.firing', host: 'lab-2' })[0];
    assert.equal(event?.data?.maintenance, true, 'the event log records it, marked maintenance');
    assert.is(rig.service.counts().maintenance, 1);
    const payload = JSON.parse(rig.published.filter((p) => p.topic === 'vigie/lab-2/alerts/cpu').at(-1)!.payload);
    assert.is(payload.maintenance, true, 'other tools see it as maintenance');
  });
});

test('acknowledge and silence: recorded, published, and a silenced alert resolves without a notice', async () => {
  await withAlerts(async (rig) => {
    await publish(rig.agent, topics.host('db', 'metrics'), cpu(99));
    const alert = await waitFor('fires', () => rig.service.firing().find((a) => a.host === 'db'));
    const acked = rig.service.acknowledge(alert.id, 'teacher', 'looking at it');
    assert.equal(acked.ack && [acked.ack.by, acked.ack.comment], ['teacher', 'looking at it']);
    assert.is(JSON.parse(rig.published.filter((p) => p.topic === 'vigie/db/alerts/cpu').at(-1)!.payload).acknowledged, true);
    const silenced = rig.service.silence(alert.id, 30, 'teacher');
    assert.ok(silenced.silenced && silenced.silenced.until > Date.now() + 29 * 60_000);
    assert.equal(rig.events.query({ host: 'db' }).map((e) => e.type).filter((t) => t !== 'alert.firing').sort(), ['alert.acknowledged', 'alert.silenced']);
    await waitFor('the firing notice went out before the silence', () => rig.notices.some((n) => n.host === 'db' && n.kind === 'firing'));
    await publish(rig.agent, topics.host('db', 'metrics'), cpu(10, Date.now() + 1));
    await waitFor('resolved', () => rig.store.get(alert.id)!.state === 'resolved');
    await new Promise((r) => setTimeout(r, 100));
    assert.not.ok(rig.notices.some((n) => n.host === 'db' && n.kind === 'resolved'), 'silenced: no resolved notice');
  });
});

test('after a restart a still-true alert is the same episode (no second notice); a gone one resolves after the grace', async () => {
  await withAlerts(async (rig, _ingest, restart) => {
    await publish(rig.agent, topics.host('web-1', 'metrics'), cpu(99));
    await publish(rig.agent, topics.host('lab-2', 'metrics'), cpu(99));
    const first = await waitFor('both fire', () => (rig.service.firing().length === 2 ? rig.service.firing() : null));
    await waitFor('two notices', () => rig.notices.length === 2);
    await restart(1500);
    await publish(rig.agent, topics.host('web-1', 'metrics'), cpu(98, Date.now() + 5));
    const adopted = first.find((a) => a.host === 'web-1')!;
    await waitFor('web-1 adopted with its new value', () => rig.store.get(adopted.id)!.value === 98);
    assert.is(rig.store.query({ host: 'web-1' }).length, 1, 'no new episode');
    const gone = first.find((a) => a.host === 'lab-2')!;
    await waitFor('lab-2 resolved after the grace', () => rig.store.get(gone.id)!.state === 'resolved', 5000);
    assert.is(rig.store.get(gone.id)!.endCause, 'restart');
    assert.is(rig.notices.length, 2, 'nothing notified again');
  });
});

test('a removed host: its alerts end (cause removed), their topics are cleared, nobody is notified', async () => {
  await withAlerts(async (rig) => {
    await publish(rig.agent, topics.host('gone-1', 'metrics'), cpu(99));
    const alert = await waitFor('fires', () => rig.service.firing().find((a) => a.host === 'gone-1'));
    await waitFor('the firing notice', () => rig.notices.some((n) => n.host === 'gone-1'));
    rig.service.removeHost('gone-1');
    assert.equal([rig.store.get(alert.id)!.state, rig.store.get(alert.id)!.endCause], ['resolved', 'removed']);
    assert.is(rig.published.filter((p) => p.topic === 'vigie/gone-1/alerts/cpu').at(-1)!.payload, '', 'retained topic cleared');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(rig.notices.filter((n) => n.host === 'gone-1').map((n) => n.kind), ['firing'], 'no resolved notice');
  });
});

test('an offline agent (Last Will, no ts) fires at once; back online resolves', async () => {
  await withAlerts(async (rig, ingestRig) => {
    const onlineInIngest = (host: string): boolean => ingestRig.ingest.getHost(host)?.presence === 'online';
    await publish(rig.agent, topics.host('pc-9', 'info'), info('pc-9'), true);
    await publish(rig.agent, topics.host('pc-9', 'status'), status('online', 'connected'), true);
    await waitFor('online seen', () => rig.service.engine.active('pc-9').length === 0 && onlineInIngest('pc-9'));
    await publish(rig.agent, topics.host('pc-9', 'status'), status('offline', 'lost'), true); // a Last Will has no ts
    const alert = await waitFor('offline fires', () => rig.service.firing().find((a) => a.host === 'pc-9' && a.rule === 'offline'));
    assert.is(alert.offlineReason, 'lost');
    await publish(rig.agent, topics.host('pc-9', 'status'), { ...status('online', 'connected'), ts: Date.now() + 2 }, true);
    await waitFor('resolved', () => rig.store.get(alert.id)!.state === 'resolved');
    assert.ok(validatePayload('status', status('online', 'x')).ok);
  });
});

test.run();
