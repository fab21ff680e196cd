/**
 * Alerts of SNMP devices (issue 13), on the pure engine with a fake clock and
 * payloads as a poller publishes them: a device's offline alert says why and
 * from which poller, in English and French, without calling it an agent;
 * interfaces down (while admin up) and busy alert per interface, with their
 * `for`, levels, hysteresis and per-host overrides.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeAlert } from '../../alerts/advice.js';
import { defaultAlertSettings, validateAlertSettings } from '../../alerts/rules.js';
import type { Alert } from '../../alerts/types.js';
import { deviceInfo, deviceStatus, iface, ifSample } from './device-fixtures.js';
import { harness, settingsOf, status } from './harness.js';

const MIN = 60;

/** An engine with device `router` known (info from poller `box`) and online. */
function withRouter(settings = defaultAlertSettings()) {
  const h = harness(settings);
  h.engine.info('router', deviceInfo(h.now));
  h.engine.status('router', deviceStatus('online', 'polled'));
  return h;
}

const offlineOf = (h: ReturnType<typeof harness>, host = 'router'): Alert => {
  const a = h.activeOf('offline', host);
  if (!a) throw new Error(`no offline alert for ${host}`);
  return a;
};

test('a device offline for an SNMP timeout: the poller named, the error kept, words in English and French', () => {
  const h = withRouter();
  h.advance(30);
  h.engine.status('router', deviceStatus('offline', 'snmp-timeout', 'Request timed out'));
  assert.equal(h.kinds('offline', 'router'), ['firing:critical']);
  const a = offlineOf(h);
  assert.is(a.offlineReason, 'snmp-timeout');
  assert.is(a.offlineError, 'Request timed out');
  assert.equal(a.device, { poller: 'box', address: '192.0.2.1' });

  const now = h.now + 5 * MIN * 1000;
  const en = describeAlert(a, 'en', 'router', now);
  assert.is(en.title, 'Host offline: router');
  assert.is(en.detail, 'The device has not answered its poller box for 5 min (SNMP timeout: Request timed out).');
  assert.ok(en.advice.startsWith('SNMP timeout: check the community or user, the device\'s access list and UDP 161 from box.'), en.advice);
  assert.match(en.advice, /snmpget -v2c -c COMMUNITY 192\.0\.2\.1 /, 'the command aims at the device\'s address');
  const fr = describeAlert(a, 'fr', 'router', now);
  assert.is(fr.title, 'Machine hors ligne : router');
  assert.is(fr.detail, 'L’équipement ne répond plus à sa sonde box depuis 5 min (délai SNMP dépassé : Request timed out).');
  assert.ok(fr.advice.startsWith('Délai SNMP dépassé : vérifiez la communauté ou l’utilisateur, la liste d’accès de l’équipement et le port UDP 161 depuis box.'), fr.advice);
  for (const text of [en, fr]) assert.not.match(`${text.title} ${text.detail} ${text.advice}`, /agent/i, 'a device has no agent');
});

test('each device reason has its own words and advice, in both languages, and none says "agent"', () => {
  const cases = [
    {
      reason: 'snmp-auth', error: 'Authentication failure (incorrect password, community or key)',
      en: { detail: /^The device has refused the requests of its poller box for 2 min \(SNMP authentication failed: Authentication failure/, advice: /^SNMP authentication failed: check the v3 user, its passphrases and protocols \(Authentication failure \(incorrect password, community or key\)\)/ },
      fr: { detail: /^L’équipement refuse les requêtes de sa sonde box depuis 2 min \(échec de l’authentification SNMP : Authentication/, advice: /^Échec de l’authentification SNMP : vérifiez l’utilisateur v3, ses phrases secrètes et ses protocoles \(Authentication failure/ },
    },
    {
      reason: 'snmp-error', error: 'NoSuchName: 1.3.6.1.2.1.1.3.0',
      en: { detail: /^The device has answered its poller box with an error for 2 min \(SNMP error: NoSuchName: 1\.3\.6\.1\.2\.1\.1\.3\.0\)\.$/, advice: /^SNMP error \(NoSuchName: 1\.3\.6\.1\.2\.1\.1\.3\.0\): check that the device's SNMP service serves the standard MIBs/ },
      fr: { detail: /^L’équipement répond à sa sonde box par une erreur depuis 2 min \(erreur SNMP : NoSuchName/, advice: /^Erreur SNMP \(NoSuchName: 1\.3\.6\.1\.2\.1\.1\.3\.0\) : vérifiez que le service SNMP de l’équipement/ },
    },
    {
      reason: 'poller-offline', error: 'poller box is offline',
      en: { detail: /^Nothing known of the device for 2 min: its poller box is offline\.$/, advice: /^The poller box is offline: the device's state is unknown until it is back\./ },
      fr: { detail: /^Plus aucune nouvelle de l’équipement depuis 2 min : sa sonde box est hors ligne\.$/, advice: /^La sonde box est hors ligne : l’état de l’équipement est inconnu jusqu’à son retour\./ },
    },
  ];
  for (const c of cases) {
    const h = withRouter();
    h.engine.status('router', deviceStatus('offline', c.reason, c.error));
    const a = offlineOf(h);
    assert.is(a.offlineReason, c.reason);
    const now = h.now + 2 * MIN * 1000;
    for (const lang of ['en', 'fr'] as const) {
      const text = describeAlert(a, lang, 'router', now);
      assert.match(text.detail, c[lang].detail, `${c.reason} ${lang} detail: ${text.detail}`);
      assert.match(text.advice, c[lang].advice, `${c.reason} ${lang} advice: ${text.advice}`);
      assert.not.match(`${text.detail} ${text.advice}`, /agent/i, `${c.reason} ${lang}: no "agent" for a device`);
    }
  }
});

test('a device that goes quiet (missed intervals) is offline as a device; resolved words say it did not answer its poller', () => {
  const h = withRouter();
  h.engine.sample('router', ifSample(h.now, [iface('ge-0/0/1')]));
  h.advance(3 * MIN + 1); // three 60 s intervals of the device, and a second
  h.engine.tick();
  const a = offlineOf(h);
  assert.is(a.offlineReason, 'stale');
  assert.equal(a.device, { poller: 'box', address: '192.0.2.1' });
  assert.match(describeAlert(a, 'en', 'router', h.now).detail, /^No data about the device from its poller box for /);
  h.engine.sample('router', ifSample(h.now, [iface('ge-0/0/1')]));
  const resolved = h.events.at(-1)!;
  assert.is(resolved.kind, 'resolved');
  const en = describeAlert(resolved.alert, 'en', 'router', h.now);
  assert.is(en.title, 'Resolved: Host offline: router');
  assert.is(en.detail, 'The device did not answer its poller box for 0 s (no data received).');
  assert.is(en.advice, '');
  assert.match(describeAlert(resolved.alert, 'fr', 'router', h.now).detail, /^L’équipement n’a pas répondu à sa sonde box pendant /);
});

test('before its info arrives a device is still known by its reason; the words then say "its poller" without a name', () => {
  const h = harness();
  h.engine.status('switch', deviceStatus('offline', 'snmp-timeout', 'Request timed out'));
  const a = offlineOf(h, 'switch');
  assert.equal(a.device, { poller: null, address: null });
  const en = describeAlert(a, 'en', 'switch', h.now);
  assert.match(en.detail, /^The device has not answered its poller for 0 s/);
  assert.match(en.advice, /UDP 161 from its poller\./);
  assert.match(en.advice, /snmpget -v2c -c COMMUNITY ADDRESS /);
});

test('a device\'s offline alert follows its reason while it fires: an update, no new transition', () => {
  const h = withRouter();
  const updates: Alert[] = [];
  h.engine.onUpdate((a) => updates.push(a));
  h.engine.status('router', deviceStatus('offline', 'snmp-timeout', 'Request timed out'));
  h.advance(60);
  h.engine.tick();
  assert.equal(updates, [], 'the silence growing is not an update');
  h.engine.status('router', deviceStatus('offline', 'poller-offline', 'poller box is offline'));
  assert.equal(h.kinds('offline', 'router'), ['firing:critical'], 'still one firing alert');
  assert.is(updates.length, 1);
  assert.is(updates[0]?.offlineReason, 'poller-offline');
  assert.is(updates[0]?.offlineError, 'poller box is offline');
  h.engine.status('router', deviceStatus('online', 'polled'));
  assert.equal(h.kinds('offline', 'router'), ['firing:critical', 'resolved:critical']);
});

test('an agent\'s offline words are unchanged (no device facts on its alert)', () => {
  const h = harness();
  h.engine.status('web-1', status('online', 'connected'));
  h.feed('web-1', { cpu: 10 });
  h.advance(4);
  h.engine.status('web-1', status('offline', 'lost'));
  const a = offlineOf(h, 'web-1');
  assert.is(a.device, undefined);
  assert.is(a.offlineError, undefined);
  const now = h.now + 5 * MIN * 1000;
  assert.is(describeAlert(a, 'en', 'web-1', now).detail, 'No word from the agent for 5 min (connection lost).');
  assert.is(describeAlert(a, 'fr', 'web-1', now).detail, 'Aucune nouvelle de l’agent depuis 5 min (connexion perdue).');
  assert.is(describeAlert(a, 'en', 'web-1', now).advice, 'Check that the machine is powered and reachable (`ping`), then that the agent runs (`systemctl status vigie-agent`).');
});

test('if_down fires (critical) only while admin is up and oper is not, after its `for`; oper up resolves it', () => {
  const h = withRouter(settingsOf({ defaults: { ifDown: { for: 120 } } }));
  const feed = (net: ReturnType<typeof iface>[]) => h.engine.sample('router', ifSample(h.now, net));
  feed([iface('ge-0/0/1', { alias: 'uplink' }), iface('ge-0/0/2', { index: 2 }), iface('ge-0/0/3', { index: 3 })]);
  assert.equal(h.events.filter((e) => e.alert.rule.startsWith('if_down')), [], 'all up: nothing');

  h.advance(60);
  feed([
    iface('ge-0/0/1', { alias: 'uplink', oper: 'lowerLayerDown', util: 0 }),
    iface('ge-0/0/2', { index: 2, oper: 'down', admin: 'down', util: 0 }), // shut down by an admin
    iface('ge-0/0/3', { index: 3, oper: 'down', admin: 'testing', util: 0 }),
  ]);
  assert.equal(h.kinds('if_down:ge-0/0/1', 'router'), ['pending:critical']);
  assert.equal(h.kinds('if_down:ge-0/0/2', 'router'), [], 'admin down never alerts');
  assert.equal(h.kinds('if_down:ge-0/0/3', 'router'), [], 'admin testing is not admin up');

  h.advance(119);
  h.engine.tick();
  assert.equal(h.kinds('if_down:ge-0/0/1', 'router'), ['pending:critical'], '119 s of 120: not yet');
  h.advance(1);
  h.engine.tick();
  assert.equal(h.kinds('if_down:ge-0/0/1', 'router'), ['pending:critical', 'firing:critical']);
  const a = h.activeOf('if_down:ge-0/0/1', 'router')!;
  assert.equal(a.metric, { metric: 'net.up', key: 'ge-0/0/1' }, 'the alert page charts net.up of that interface');
  assert.is(a.iface?.oper, 'lowerLayerDown');
  const en = describeAlert(a, 'en', 'router', h.now);
  assert.is(en.title, 'Interface ge-0/0/1 (uplink) down on router');
  assert.is(en.detail, 'State "lowerLayerDown" while administratively up, for 2 min.');
  assert.match(en.advice, /cable/);
  assert.match(en.advice, /port at the other end/);
  assert.match(en.advice, /error and discard counters/);
  const fr = describeAlert(a, 'fr', 'router', h.now);
  assert.is(fr.title, 'Interface ge-0/0/1 (uplink) hors service sur router');
  assert.match(fr.advice, /câble/);

  h.advance(60);
  feed([iface('ge-0/0/1', { alias: 'uplink' }), iface('ge-0/0/2', { index: 2, oper: 'down', admin: 'down', util: 0 }), iface('ge-0/0/3', { index: 3 })]);
  assert.equal(h.kinds('if_down:ge-0/0/1', 'router'), ['pending:critical', 'firing:critical', 'resolved:critical']);
  const ended = h.events.at(-1)!;
  assert.is(ended.cause, 'recovered');
  assert.is(ended.alert.iface?.oper, 'lowerLayerDown', 'the ended alert keeps the state that fired it');
  assert.is(describeAlert(ended.alert, 'en', 'router', h.now).title, 'Resolved: Interface ge-0/0/1 (uplink) down on router');
});

test('if_down by default: down at one 60 s poll and up at the next never fires; down at two in a row fires; an admin shutting it down ends it', () => {
  const h = withRouter(); // default for: 120 s
  const feed = (over: Parameters<typeof iface>[1]) => h.engine.sample('router', ifSample(h.now, [iface('xe-0/1/0', over)]));
  feed({ oper: 'down' });
  h.advance(60);
  h.engine.tick(); // a tick just before the next poll lands
  feed({});
  assert.equal(h.kinds('if_down:xe-0/1/0', 'router'), ['pending:critical', 'cleared:critical']);
  h.advance(60);
  feed({ oper: 'down' });
  h.advance(60);
  feed({ oper: 'down' });
  assert.equal(h.kinds('if_down:xe-0/1/0', 'router').at(-1), 'pending:critical', 'two polls down, 60 s: not yet');
  h.advance(60);
  h.engine.tick();
  assert.equal(h.kinds('if_down:xe-0/1/0', 'router').at(-1), 'firing:critical', '120 s down');
  h.advance(60);
  feed({ oper: 'down', admin: 'down' });
  assert.equal(h.kinds('if_down:xe-0/1/0', 'router').at(-1), 'resolved:critical', 'shut down on purpose: over');
});

test('if_util: warning at 80, critical at 95 after 300 s, hysteresis 5, in words with the link speed', () => {
  const h = withRouter();
  const feed = (util: number) => h.engine.sample('router', ifSample(h.now, [iface('ge-0/1', { util })]));
  const rule = 'if_util:ge-0/1' as const;
  feed(85);
  assert.equal(h.kinds(rule, 'router'), ['pending:warning']);
  h.advance(299);
  feed(86);
  assert.equal(h.kinds(rule, 'router'), ['pending:warning'], 'not yet 300 s');
  h.advance(1);
  feed(97);
  assert.equal(h.kinds(rule, 'router'), ['pending:warning', 'firing:warning'], 'the critical episode only starts now');
  h.advance(300);
  feed(97);
  assert.equal(h.kinds(rule, 'router'), ['pending:warning', 'firing:warning', 'escalated:critical']);
  const a = h.activeOf(rule, 'router')!;
  assert.equal([a.value, a.threshold, a.unit], [97, 95, 'percent']);
  assert.equal(a.metric, { metric: 'net.util', key: 'ge-0/1' });
  assert.is(describeAlert(a, 'en', 'router', h.now).title, 'Interface ge-0/1 at 97 % of 1 Gbit/s on router');
  assert.is(describeAlert(a, 'fr', 'router', h.now).title, 'Interface ge-0/1 à 97 % de 1 Gbit/s sur router');
  assert.match(describeAlert(a, 'en', 'router', h.now).advice, /top talkers/);
  assert.match(describeAlert(a, 'en', 'router', h.now).advice, /upgrade the link/);
  assert.match(describeAlert(a, 'fr', 'router', h.now).advice, /augmentez le débit du lien/);

  h.advance(60);
  feed(91);
  assert.equal(h.kinds(rule, 'router').length, 3, '91 is within the 5-point band under 95: still critical');
  feed(89.9); // same ts: a QoS 1 redelivery is ignored
  h.advance(60);
  feed(89.9);
  assert.equal(h.kinds(rule, 'router').at(-1), 'deescalated:warning');
  h.advance(60);
  feed(76);
  assert.equal(h.kinds(rule, 'router').at(-1), 'deescalated:warning', '76 is within the band under 80');
  h.advance(60);
  feed(74);
  assert.equal(h.kinds(rule, 'router').at(-1), 'resolved:warning');
});

test('if_util without a rate (first poll after a reboot) keeps its alert; a speed in words: 100 Mbit/s, 2,5 Gbit/s', () => {
  const h = withRouter(settingsOf({ defaults: { ifUtil: { for: 0 } } }));
  h.engine.sample('router', ifSample(h.now, [iface('eth0', { util: 99, speed: 12_500_000 })]));
  assert.equal(h.kinds('if_util:eth0', 'router'), ['firing:critical']);
  assert.match(describeAlert(h.activeOf('if_util:eth0', 'router')!, 'en', 'router', h.now).title, / of 100 Mbit\/s on router$/);
  h.advance(60);
  const { util: _dropped, ...noRate } = iface('eth0', { speed: 12_500_000 });
  h.engine.sample('router', ifSample(h.now, [noRate]));
  assert.equal(h.kinds('if_util:eth0', 'router'), ['firing:critical'], 'no util this time: nothing known, nothing ends');
  h.advance(60);
  h.engine.sample('router', ifSample(h.now, [iface('eth0', { util: 96, speed: 312_500_000 })]));
  assert.match(describeAlert(h.activeOf('if_util:eth0', 'router')!, 'fr', 'router', h.now).title, / de 2,5 Gbit\/s sur router$/);
});

test('an interface that disappears from the samples ends its alerts (gone); a sample without `net` changes nothing', () => {
  const h = withRouter(settingsOf({ defaults: { ifDown: { for: 0 }, ifUtil: { for: 0 } } }));
  h.engine.sample('router', ifSample(h.now, [iface('ge-0/0/1', { oper: 'down' }), iface('ge-0/0/2', { index: 2, util: 99 })]));
  assert.equal(h.kinds('if_down:ge-0/0/1', 'router'), ['firing:critical']);
  assert.equal(h.kinds('if_util:ge-0/0/2', 'router'), ['firing:critical']);
  h.advance(60);
  h.engine.sample('router', ifSample(h.now, undefined));
  assert.is(h.engine.active('router').length, 2, 'no `net` in this sample: the alerts stay');
  h.advance(60);
  h.engine.sample('router', ifSample(h.now, [iface('ge-0/0/9', { index: 9 })]));
  assert.equal(h.kinds('if_down:ge-0/0/1', 'router'), ['firing:critical', 'resolved:critical']);
  assert.equal(h.kinds('if_util:ge-0/0/2', 'router'), ['firing:critical', 'resolved:critical']);
  assert.equal(h.events.filter((e) => e.kind === 'resolved').map((e) => e.cause), ['gone', 'gone']);
  assert.equal(h.engine.active('router'), []);
});

test('an override turns the interface rules off for one device only (its alerts end as disabled), another keeps them', () => {
  const h = harness(settingsOf({ defaults: { ifDown: { for: 0 } } }));
  for (const host of ['router', 'printer']) {
    h.engine.info(host, deviceInfo(h.now));
    h.engine.sample(host, ifSample(h.now, [iface('eth0', { oper: 'down', util: 99 })]));
  }
  assert.equal(h.kinds('if_down:eth0', 'printer'), ['firing:critical']);
  h.setSettings(settingsOf({ defaults: { ifDown: { for: 0 } }, hosts: { printer: { ifDown: { enabled: false }, ifUtil: { enabled: false } } } }));
  h.engine.tick();
  assert.equal(h.kinds('if_down:eth0', 'printer'), ['firing:critical', 'resolved:critical']);
  assert.is(h.events.at(-1)?.cause, 'disabled');
  assert.equal(h.kinds('if_util:eth0', 'printer'), ['pending:critical', 'cleared:critical'], 'the pending utilisation ends too');
  h.advance(600);
  h.engine.sample('printer', ifSample(h.now, [iface('eth0', { oper: 'down', util: 99 })]));
  h.engine.sample('router', ifSample(h.now, [iface('eth0', { oper: 'down', util: 99 })]));
  assert.equal(h.engine.active('printer'), [], 'nothing new on the printer');
  assert.equal(h.kinds('if_util:eth0', 'router'), ['pending:critical', 'firing:critical'], 'the router keeps its rules');
  assert.equal(h.kinds('if_down:eth0', 'router'), ['firing:critical']);
});

test('an agent\'s interfaces (no oper/admin/util) raise no interface alert', () => {
  const h = harness(settingsOf({ defaults: { ifDown: { for: 0 }, ifUtil: { for: 0 } } }));
  h.engine.sample('web-1', { v: 1, ts: h.now, net: [{ iface: 'eth0', rxRate: 1e9, txRate: 1e9 }] });
  assert.equal(h.engine.active('web-1'), []);
});

test('a device\'s CPU and disk alerts carry the device and advise looking at the device, not at processes an agent would list', () => {
  const h = withRouter(settingsOf({ defaults: { cpu: { for: 0 } } }));
  h.engine.sample('router', { ...ifSample(h.now, [iface('eth0')]), cpu: { usage: 99, load1: 0, load5: 0, load15: 0 }, disks: [{ mount: '/var', fs: 'ext4', total: 1e9, used: 99e7, free: 1e7, usedPercent: 99 }] });
  h.feed('web-1', { cpu: 99 });
  const cpu = h.activeOf('cpu', 'router')!;
  assert.equal(cpu.device, { poller: 'box', address: '192.0.2.1' });
  const en = describeAlert(cpu, 'en', 'router', h.now);
  assert.is(en.title, 'CPU at 99 % on router', 'the title reads as for any host');
  assert.match(en.advice, /^Vigie polls this device over SNMP and cannot list its processes/);
  assert.not.match(en.advice, /below/, 'no diagnosis is shown below for a device');
  assert.match(describeAlert(cpu, 'fr', 'router', h.now).advice, /^Vigie interroge cet équipement en SNMP/);
  assert.match(describeAlert(h.activeOf('disk:/var', 'router')!, 'en', 'router', h.now).advice, /cannot list its directories/);
  const agent = h.activeOf('cpu', 'web-1')!;
  assert.is(agent.device, undefined);
  assert.match(describeAlert(agent, 'en', 'web-1', h.now).advice, /^Look at the processes using the most CPU \(below, or `top`\)/, 'an agent\'s advice is unchanged');
});

test('the interface rules have their defaults, and overrides are checked like the others', () => {
  const d = defaultAlertSettings().defaults;
  assert.equal(d.ifDown, { enabled: true, for: 120 });
  assert.equal(d.ifUtil, { enabled: true, warning: 80, critical: 95, for: 300, hysteresis: 5 });
  const r = validateAlertSettings({ hosts: { router: { ifUtil: { warning: 97 }, ifDown: { for: -1 } } } });
  assert.is(r.ok, false);
  const fields = r.ok ? [] : r.fields.map((f) => f.field).sort();
  assert.equal(fields, ['hosts.router.ifDown.for']);
  const order = validateAlertSettings({ hosts: { router: { ifUtil: { warning: 97 } } } });
  assert.equal(order.ok ? null : order.error, 'hosts.router.ifUtil.warning: must be ≤ critical (got 97 > 95)', 'the merged levels are in order');
});

test.run();
