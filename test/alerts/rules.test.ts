import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultAlertSettings, effectiveRules, effectiveRulesCache, validateAlertSettings } from '../../alerts/rules.js';
import { settingsOf } from './harness.js';

const errorsOf = (input: unknown): string[] => {
  const r = validateAlertSettings(input);
  assert.not.ok(r.ok, 'expected the settings to be refused');
  return r.ok ? [] : r.error.split('\n');
};

test('an empty object gets every default', () => {
  const s = settingsOf({});
  assert.equal(s, defaultAlertSettings());
  const d = s.defaults;
  assert.equal(d.cpu, { enabled: true, warning: 85, critical: 95, for: 120, hysteresis: 5 });
  assert.equal(d.mem, { enabled: true, warning: 85, critical: 95, for: 120, hysteresis: 5 });
  assert.equal(d.swap, { enabled: true, warning: 50, critical: 80, for: 120, hysteresis: 5 });
  assert.equal(d.disk, { enabled: true, warning: 85, critical: 95, for: 0, hysteresis: 5 });
  assert.equal(d.load, { enabled: true, warning: 1.5, critical: 3, for: 120, hysteresis: 0.25 });
  assert.equal(d.temperature, { enabled: true, warning: 75, critical: 85, for: 120, hysteresis: 5 });
  assert.equal(d.offline, { enabled: true, missedIntervals: 3 });
  assert.equal(d.services, { enabled: true, watch: [], for: 0 });
  assert.equal(d.diskForecast, { enabled: true, horizonHours: 24, windowHours: 6, minPoints: 30, minR2: 0.5 });
  assert.equal(s.hosts, {});
});

test('an override changes only the fields it names; the input is not modified', () => {
  const input = { defaults: { cpu: { warning: 70 } }, hosts: { 'web-1': { cpu: { for: 30 }, services: { watch: ['nginx'] } } } };
  const copy = structuredClone(input);
  const s = settingsOf(input);
  assert.equal(input, copy);
  assert.equal(s.hosts['web-1'], { cpu: { for: 30 }, services: { watch: ['nginx'] } }, 'no defaults injected into overrides');
  const web = effectiveRules(s, 'web-1');
  assert.equal(web.cpu, { enabled: true, warning: 70, critical: 95, for: 30, hysteresis: 5 });
  assert.equal(web.services, { enabled: true, watch: ['nginx'], for: 0 });
  assert.equal(effectiveRules(s, 'other').cpu.for, 120);
  assert.equal(effectiveRules(s, 'constructor').cpu.for, 120, 'object prototype names are plain host ids');
});

test('the cached rules are each host\'s merge, kept until the settings object is replaced', () => {
  let settings = settingsOf({ hosts: { 'web-1': { cpu: { for: 30 } } } });
  const rulesOf = effectiveRulesCache(() => settings);
  const web = rulesOf('web-1');
  assert.equal(web, effectiveRules(settings, 'web-1'));
  assert.ok(rulesOf('web-1') === web, 'the same merge while the settings stay');
  assert.ok(rulesOf('other') === settings.defaults, 'a host without an override gets the defaults themselves');
  assert.ok(rulesOf('constructor') === settings.defaults, 'object prototype names are plain host ids');
  // Saving settings replaces the object (alerts/store.ts): the next call merges the new override.
  settings = settingsOf({ hosts: { 'web-1': { cpu: { for: 45 } } } });
  assert.is(rulesOf('web-1').cpu.for, 45);
  assert.is(rulesOf('web-1').cpu.warning, 85);
});

test('warning above critical names the field, after merging the override', () => {
  assert.equal(errorsOf({ hosts: { 'web-1': { cpu: { warning: 95, critical: 90 } } } }), [
    'hosts.web-1.cpu.warning: must be ≤ critical (got 95 > 90)',
  ]);
  assert.equal(errorsOf({ hosts: { 'web-1': { cpu: { warning: 97 } } } }), [
    'hosts.web-1.cpu.warning: must be ≤ critical (got 97 > 95)',
  ]);
  assert.equal(errorsOf({ hosts: { db: { disk: { critical: 80 } } } }), [
    'hosts.db.disk.critical: must be ≥ warning (got 80 < 85)',
  ]);
  assert.equal(errorsOf({ defaults: { swap: { warning: 90 } } }), ['defaults.swap.warning: must be ≤ critical (got 90 > 80)']);
});

test('type and range errors name the field, and all of them are reported', () => {
  const errors = errorsOf({
    defaults: { mem: { warning: 'high' }, offline: { missedIntervals: 0 } },
    hosts: { 'web-1': { disk: { hysteresis: -1 }, diskForecast: { horizonHours: 0 } } },
  });
  const has = (prefix: string) => assert.ok(errors.some((e) => e.startsWith(prefix)), `${prefix} in:\n${errors.join('\n')}`);
  has('defaults.mem.warning: Expected number (got "high")');
  has('defaults.offline.missedIntervals: Expected integer to be greater or equal to 1 (got 0)');
  has('hosts.web-1.disk.hysteresis: Expected number to be greater or equal to 0 (got -1)');
  has('hosts.web-1.diskForecast.horizonHours: ');
});

test('unknown fields, bad host ids and non-objects are refused by name', () => {
  assert.ok(errorsOf({ defaults: { cpu: { treshold: 3 } } }).some((e) => e.startsWith('defaults.cpu.treshold: Unexpected property')));
  assert.ok(errorsOf({ hosts: { web: { gpu: {} } } }).some((e) => e.startsWith('hosts.web.gpu: Unexpected property')));
  assert.ok(errorsOf({ hosts: { 'Web/1': {} } }).some((e) => e.startsWith('hosts."Web/1": not a host id')));
  assert.equal(errorsOf(null), ['(settings): expected an object (got null)']);
  assert.ok(errorsOf({ hosts: { web: { services: { watch: ['a', 'a'] } } } }).some((e) => e.startsWith('hosts.web.services.watch: ')));
});

test.run();
