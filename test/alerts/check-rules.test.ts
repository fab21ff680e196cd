/**
 * The pure rules of network check alerts (checks/alert-rules.ts) on an
 * injected clock: down after N consecutive failures and back up; latency
 * with `for:` and hysteresis; certificate days; several runners ("1 of 2");
 * disabled, deleted and removed checks; a runner going offline.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeAlert } from '../../alerts/advice.js';
import type { AlertTransition } from '../../alerts/types.js';
import { briefContext, checkContext, escapeControls } from '../../checks/alert-context.js';
import { createCheckRules, parseCheckRule } from '../../checks/alert-rules.js';
import type { CheckDefinition } from '../../checks/definition.js';
import type { CheckResultPayload } from '../../protocol/schemas/check.js';
import { T0 } from './harness.js';

const DAY = 86_400_000;

function definition(over: Omit<Partial<CheckDefinition>, 'alerting'> & { alerting?: Partial<CheckDefinition['alerting']> } = {}): CheckDefinition {
  const { alerting, ...rest } = over;
  return {
    id: 'moodle', kind: 'http', target: 'https://moodle.example.org/login', interval: 60, timeout: 10,
    name: 'Moodle', enabled: true, runners: ['box'], groupId: 3, sla: 99,
    createdAt: T0, updatedAt: T0, createdBy: 'admin',
    ...rest,
    alerting: {
      downAfter: 3, latency: { warning: null, critical: null, for: 0 }, certDays: { warning: 14, critical: 3 },
      ...alerting,
    },
  };
}

/** Rules on a fake clock over a mutable catalog; `send` stamps results with the clock. */
function rig(defs: CheckDefinition[] = [definition()]) {
  let now = T0;
  const catalog = new Map(defs.map((d) => [d.id, d]));
  const rules = createCheckRules({ clock: { now: () => now }, catalog: { get: (id) => catalog.get(id) ?? null } });
  const events: AlertTransition[] = [];
  const updates: string[] = [];
  rules.onTransition((t) => events.push(t));
  rules.onUpdate((a) => updates.push(`${a.host}:${a.check?.downFrom}/${a.check?.runners}`));
  return {
    rules, events, updates, catalog,
    get now() { return now; },
    advance(seconds: number) { now += seconds * 1000; },
    send(runner: string, result: Partial<CheckResultPayload> & { state: 'up' | 'down' }, check = 'moodle') {
      const payload: CheckResultPayload = { v: 1, ts: now, kind: 'http', latency: 0.05, message: result.state === 'up' ? '200 OK' : 'connection refused', ...result };
      rules.result({ runner, check, result: payload, receivedAt: now });
    },
    kinds(rule: string, host = 'box') {
      return events.filter((e) => e.alert.rule === rule && e.alert.host === host).map((e) => `${e.kind}:${e.alert.severity}${e.cause ? `:${e.cause}` : ''}`);
    },
  };
}

test('rule ids: check, check_latency and check_cert name their check; other rules are not check rules', () => {
  assert.equal(parseCheckRule('check:moodle'), { kind: 'down', check: 'moodle' });
  assert.equal(parseCheckRule('check_latency:dns.lan'), { kind: 'latency', check: 'dns.lan' });
  assert.equal(parseCheckRule('check_cert:web-1'), { kind: 'cert', check: 'web-1' });
  assert.is(parseCheckRule('cpu'), null);
  assert.is(parseCheckRule('disk:/var'), null);
});

test('down after 3 consecutive failures: pending at the first, firing at the third, resolved by the first up', () => {
  const r = rig();
  r.send('box', { state: 'down' });
  assert.equal(r.kinds('check:moodle'), ['pending:critical']);
  r.advance(60);
  r.send('box', { state: 'down' });
  assert.equal(r.kinds('check:moodle'), ['pending:critical'], 'two failures are not enough');
  r.advance(60);
  r.send('box', { state: 'down', message: 'connection refused', trace: ' 1: 10.0.0.1 0.3ms' });
  assert.equal(r.kinds('check:moodle'), ['pending:critical', 'firing:critical']);
  const firing = r.events[1]!.alert;
  assert.is(firing.host, 'box');
  assert.is(firing.value, 3);
  assert.is(firing.threshold, 3);
  assert.is(firing.since, T0, 'since the first failure');
  assert.is(firing.firedAt, T0 + 120_000);
  assert.equal(firing.metric, { metric: 'check.up', key: 'moodle' });
  assert.is(firing.check?.name, 'Moodle');
  assert.is(firing.check?.message, 'connection refused');
  assert.is(r.rules.evidence('box', 'check:moodle')?.trace, ' 1: 10.0.0.1 0.3ms');
  r.advance(60);
  r.send('box', { state: 'up' });
  assert.equal(r.kinds('check:moodle'), ['pending:critical', 'firing:critical', 'resolved:critical:recovered']);
  assert.equal(r.rules.active(), []);
});

test('an up before the count is reached clears the pending alert; the count starts again', () => {
  const r = rig();
  r.send('box', { state: 'down' });
  r.advance(60);
  r.send('box', { state: 'down' });
  r.advance(60);
  r.send('box', { state: 'up' });
  r.advance(60);
  r.send('box', { state: 'down' });
  r.advance(60);
  r.send('box', { state: 'down' });
  assert.equal(r.kinds('check:moodle'), ['pending:critical', 'cleared:critical:recovered', 'pending:critical']);
});

test('downAfter 1 fires at the first failure; a repeated ts (QoS 1 redelivery, retained copy) counts once', () => {
  const r = rig([definition({ alerting: { downAfter: 2 } })]);
  r.send('box', { state: 'down' });
  r.send('box', { state: 'down' }); // same ts
  assert.equal(r.kinds('check:moodle'), ['pending:critical']);
  const one = rig([definition({ alerting: { downAfter: 1 } })]);
  one.send('box', { state: 'down' });
  assert.equal(one.kinds('check:moodle'), ['firing:critical']);
});

test('several runners: each has its own alert, and it says from how many of them the check is down', () => {
  const r = rig([definition({ runners: ['box', 'vps'], alerting: { downAfter: 1 } })]);
  r.send('vps', { state: 'up' });
  r.send('box', { state: 'down' });
  const box = r.events.find((e) => e.alert.host === 'box' && e.kind === 'firing')!.alert;
  assert.equal([box.check?.downFrom, box.check?.runners], [1, 2]);
  assert.is(describeAlert(box, 'en', 'box', r.now).title, 'Moodle is down from box (1 of 2 places)');
  assert.is(describeAlert(box, 'fr', 'box', r.now).title, 'Moodle est en panne vu depuis box (1 lieu sur 2)');
  r.advance(60);
  r.send('vps', { state: 'down' });
  const vps = r.events.find((e) => e.alert.host === 'vps' && e.kind === 'firing')!.alert;
  assert.is(describeAlert(vps, 'en', 'vps', r.now).title, 'Moodle is down from vps (2 of 2 places)');
  assert.equal(r.updates, ['box:2/2'], "the box's alert now says 2 of 2, without a transition");
  r.advance(60);
  r.send('vps', { state: 'up' });
  assert.equal(r.kinds('check:moodle', 'vps'), ['firing:critical', 'resolved:critical:recovered']);
  assert.equal(r.updates, ['box:2/2', 'box:1/2']);
  assert.equal(r.rules.active().map((a) => a.host), ['box']);
});

test('a single runner reads without places; the detail counts the failed runs and quotes the runner', () => {
  const r = rig([definition({ alerting: { downAfter: 2 } })]);
  r.send('box', { state: 'down', message: 'connection refused' });
  r.advance(60);
  r.send('box', { state: 'down', message: 'connection refused' });
  const alert = r.events.at(-1)!.alert;
  r.advance(120);
  assert.equal(describeAlert(alert, 'en', 'box', r.now), {
    title: 'Moodle is down from box',
    detail: 'Down for 3 min (2 failed runs in a row): connection refused.',
    advice: describeAlert(alert, 'en', 'box', r.now).advice,
  });
  assert.match(describeAlert(alert, 'en', 'box', r.now).advice, /tracepath/);
  assert.is(describeAlert(alert, 'fr', 'box', r.now).detail, 'En panne depuis 3 min (2 échecs de suite) : connection refused.');
});

test('latency: 150 ms against 100 ms with for 30 s is pending, then fires after 30 s; escalates at the critical level', () => {
  const r = rig([definition({ alerting: { latency: { warning: 0.1, critical: 0.5, for: 30 } } })]);
  r.send('box', { state: 'up', latency: 0.15 });
  assert.equal(r.kinds('check_latency:moodle'), ['pending:warning']);
  r.advance(20);
  r.rules.tick();
  assert.equal(r.kinds('check_latency:moodle'), ['pending:warning'], 'not for 30 s yet');
  r.advance(10);
  r.send('box', { state: 'up', latency: 0.16 });
  assert.equal(r.kinds('check_latency:moodle'), ['pending:warning', 'firing:warning']);
  const firing = r.events.at(-1)!.alert;
  assert.equal([firing.value, firing.threshold, firing.unit], [0.16, 0.1, 'seconds']);
  assert.is(describeAlert(firing, 'en', 'box', r.now).title, 'Moodle slow from box: 160 ms');
  assert.is(describeAlert(firing, 'fr', 'box', r.now).title, 'Moodle lent vu depuis box : 160 ms');
  r.advance(10);
  r.send('box', { state: 'up', latency: 0.9 });
  r.advance(30);
  r.rules.tick();
  assert.equal(r.kinds('check_latency:moodle').slice(2), ['escalated:critical']);
});

test('latency hysteresis: 95 ms under a 100 ms level keeps the episode; 85 ms ends it', () => {
  const r = rig([definition({ alerting: { latency: { warning: 0.1, critical: null, for: 0 } } })]);
  r.send('box', { state: 'up', latency: 0.12 });
  r.advance(60);
  r.send('box', { state: 'up', latency: 0.095 });
  assert.equal(r.kinds('check_latency:moodle'), ['firing:warning']);
  r.advance(60);
  r.send('box', { state: 'up', latency: 0.085 });
  assert.equal(r.kinds('check_latency:moodle'), ['firing:warning', 'resolved:warning:recovered']);
});

test('latency: a down run without a latency leaves the latency alert as it is; no levels, no latency alert', () => {
  const r = rig([definition({ alerting: { downAfter: 5, latency: { warning: 0.1, critical: null, for: 0 } } })]);
  r.send('box', { state: 'up', latency: 0.3 });
  r.advance(60);
  r.send('box', { state: 'down', latency: null });
  assert.equal(r.kinds('check_latency:moodle'), ['firing:warning']);
  const quiet = rig();
  quiet.send('box', { state: 'up', latency: 30 });
  assert.equal(quiet.kinds('check_latency:moodle'), []);
});

const cert = (notAfter: number) => ({ notAfter, subject: 'CN=moodle.example.org', issuer: 'CN=Test CA', chainValid: true, hostnameMatch: true });

test('a certificate 5 days from expiry warns; 2 days from it is critical; the time passing escalates it', () => {
  const r = rig();
  r.send('box', { state: 'up', cert: cert(T0 + 5 * DAY) });
  assert.equal(r.kinds('check_cert:moodle'), ['firing:warning']);
  const warn = r.events.at(-1)!.alert;
  assert.equal([warn.value, warn.threshold, warn.unit], [120, 14 * 24, 'hours']);
  assert.is(describeAlert(warn, 'en', 'box', r.now).title, 'The certificate of moodle.example.org expires in 5 days');
  assert.is(describeAlert(warn, 'fr', 'box', r.now).title, 'Le certificat de moodle.example.org expire dans 5 jours');
  r.advance(3 * 86_400);
  r.rules.tick();
  assert.equal(r.kinds('check_cert:moodle'), ['firing:warning', 'escalated:critical']);
  const critical = r.events.at(-1)!.alert;
  assert.is(describeAlert(critical, 'en', 'box', r.now).title, 'The certificate of moodle.example.org expires in 2 days');
  r.advance(3 * 86_400);
  r.rules.tick();
  assert.is(describeAlert(r.rules.active()[0]!, 'en', 'box', r.now).title, 'The certificate of moodle.example.org expired 1 day ago');
  assert.is(describeAlert(r.rules.active()[0]!, 'fr', 'box', r.now).title, 'Le certificat de moodle.example.org a expiré il y a 1 jour');
  r.send('box', { state: 'up', cert: cert(r.now + 90 * DAY) });
  assert.equal(r.kinds('check_cert:moodle').at(-1), 'resolved:critical:recovered');
});

test('a certificate 2 days from expiry fires critical at once; 20 days is quiet; a result without a certificate while up ends it', () => {
  const r = rig();
  r.send('box', { state: 'up', cert: cert(T0 + 2 * DAY) });
  assert.equal(r.kinds('check_cert:moodle'), ['firing:critical']);
  const q = rig();
  q.send('box', { state: 'up', cert: cert(T0 + 20 * DAY) });
  assert.equal(q.kinds('check_cert:moodle'), []);
  r.advance(60);
  r.send('box', { state: 'down' });
  assert.equal(r.kinds('check_cert:moodle'), ['firing:critical'], 'down, no certificate seen: kept');
  r.advance(60);
  r.send('box', { state: 'up' });
  assert.equal(r.kinds('check_cert:moodle'), ['firing:critical', 'resolved:critical:gone']);
});

test('a disabled check ends its alerts (disabled); a deleted one or a runner taken off it ends them (removed)', () => {
  const r = rig([definition({ runners: ['box', 'vps'], alerting: { downAfter: 1 } })]);
  r.send('box', { state: 'down' });
  r.send('vps', { state: 'down' });
  r.catalog.set('moodle', definition({ runners: ['box'], alerting: { downAfter: 1 } }));
  r.rules.sync();
  assert.equal(r.kinds('check:moodle', 'vps'), ['firing:critical', 'resolved:critical:removed']);
  assert.equal(r.updates, ['box:2/2', 'box:1/1'], "the box's alert no longer counts the runner taken off");
  r.catalog.set('moodle', definition({ enabled: false, runners: ['box'], alerting: { downAfter: 1 } }));
  r.rules.sync();
  assert.equal(r.kinds('check:moodle', 'box'), ['firing:critical', 'resolved:critical:disabled']);
  r.advance(60);
  r.send('box', { state: 'down' });
  assert.equal(r.kinds('check:moodle', 'box').length, 2, 'results of a disabled check alert nobody');
  const d = rig([definition({ alerting: { downAfter: 1 } })]);
  d.send('box', { state: 'down' });
  d.catalog.delete('moodle');
  d.rules.tick();
  assert.equal(d.kinds('check:moodle'), ['firing:critical', 'resolved:critical:removed']);
});

test('a runner going offline ends its pending check alerts (offline); firing ones stay until results come back', () => {
  const r = rig([definition({ alerting: { downAfter: 3, latency: { warning: 0.1, critical: null, for: 0 } } })]);
  r.send('box', { state: 'up', latency: 0.2 });
  r.advance(60);
  r.send('box', { state: 'down', latency: null });
  r.rules.presence('box', false);
  assert.equal(r.kinds('check:moodle'), ['pending:critical', 'cleared:critical:offline']);
  assert.equal(r.kinds('check_latency:moodle'), ['firing:warning']);
  r.rules.tick();
  assert.equal(r.rules.active().map((a) => a.rule), ['check_latency:moodle']);
  r.rules.presence('box', true);
  r.advance(60);
  r.send('box', { state: 'up', latency: 0.02 });
  assert.equal(r.kinds('check_latency:moodle'), ['firing:warning', 'resolved:warning:recovered']);
});

test('a removed runner ends its check alerts (removed)', () => {
  const r = rig([definition({ alerting: { downAfter: 1 } })]);
  r.send('box', { state: 'down' });
  r.rules.removeHost('box');
  assert.equal(r.kinds('check:moodle'), ['firing:critical', 'resolved:critical:removed']);
  assert.equal(r.rules.active(), []);
});

test('the context quotes the runner: message, status, phases, excerpt and path; control characters are escaped', () => {
  const lines = checkContext({
    v: 1, ts: T0, kind: 'http', state: 'down', latency: 0.15, message: 'keyword "Welcome" not found', status: 503,
    phases: { dns: null, connect: 0.001, tls: null, firstByte: 0.149 },
    excerpt: '<html>\x1b[31mMaintenance\r\n<p>back soon</p>', trace: ' 1?: [LOCALHOST] pmtu 65536\n 1:  localhost 0.050ms reached',
  });
  assert.equal(lines, [
    'Runner said: keyword "Welcome" not found',
    'HTTP status: 503',
    'Latency: 150 ms (connect 1 ms, firstByte 149 ms)',
    'Response excerpt:',
    '  <html>\\x1b[31mMaintenance',
    '  <p>back soon</p>',
    'Path to the target:',
    '   1?: [LOCALHOST] pmtu 65536',
    '   1:  localhost 0.050ms reached',
  ]);
  const brief = briefContext(lines);
  assert.ok(brief.includes('Response excerpt: "<html>\\x1b[31mMaintenance\\n<p>back soon</p>"'), brief.join('\n'));
  const long = briefContext(['Path to the target:', ...Array.from({ length: 40 }, (_, i) => `  hop ${i}`)]);
  assert.is(long.length, 13);
  assert.match(long.at(-1)!, /29 more lines/);
  assert.is(escapeControls('a\u202eb\u0007'), 'a\\u{202e}b\\x07');
});

test.run();
