/**
 * The automatic action policy (issue 14, alerts/auto-action.ts) on a real
 * event log, with an injected clock and a tiny recording run service: both
 * opt-ins are needed, one run per host and rule within the cooldown (also
 * after a restart), none in maintenance; the arguments come from the alert
 * (the suggested fix) under the rule's own; the outcome of a run, a refusal
 * or a start error becomes the facts the follow-up notice tells.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { actionOutcomeDetail, actionOutcomeTitle, actionRunningLine } from '../../alerts/action-words.js';
import { autoActionOf, createAutoActions, lastLines, settingsRuleOf, type RunOutcome, type RunRequest, type RunService } from '../../alerts/auto-action.js';
import { validateAlertSettings, type AlertSettings } from '../../alerts/rules.js';
import type { Alert } from '../../alerts/types.js';
import { EventLog } from '../../events/event-log.js';
import { eventMessage } from '../../events/messages.js';
import { tempDir } from '../helpers/env.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0);
const HOUR = 3_600_000;

function settingsOf(input: unknown): AlertSettings {
  const r = validateAlertSettings(input);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

const restartNginx = settingsOf({
  defaults: { services: { watch: ['nginx.service'], action: { script: 'vigie.service-restart', auto: true } } },
  hosts: { 'web-1': { services: { autoAction: true } }, 'web-2': {} },
});

const serviceAlert = (host = 'web-1', over: Partial<Alert> = {}): Alert => ({
  host, rule: 'service:nginx.service', severity: 'critical', state: 'firing', value: null, threshold: null, unit: 'state',
  metric: { metric: 'service', key: 'nginx.service' }, since: T0, firedAt: T0, resolvedAt: null, serviceState: 'failed', ...over,
});

/** A run service that records requests and answers with `outcome` (or refuses to start with `startError`). */
function recordingRuns(outcome: Partial<RunOutcome> = {}, startError?: string): RunService & { requests: RunRequest[] } {
  const requests: RunRequest[] = [];
  let n = 0;
  const view = (id: string): RunOutcome => ({ id, state: 'done', exit: 0, signal: null, timedOut: false, duration: 1.25, output: '', ...outcome });
  return {
    requests,
    start(req) {
      requests.push(req);
      if (startError) return { ok: false, error: startError };
      return { ok: true, value: { ...view(`run${++n}`), state: 'pending' } };
    },
    wait: async (id) => view(id),
  };
}

function rig(settings: AlertSettings, opts: { maintenance?: boolean; runs?: ReturnType<typeof recordingRuns> } = {}) {
  const dir = tempDir();
  const clock = { t: T0, now() { return this.t; } };
  const events = EventLog.open(dir.path, clock);
  const runs = opts.runs ?? recordingRuns();
  const make = () => createAutoActions({ runs, settings: () => settings, inMaintenance: () => opts.maintenance ?? false, cooldownMs: HOUR, clock, events });
  return { dir, events, clock, runs, auto: make(), make, close: () => { events.close(); dir.remove(); } };
}

test('the rule ids that may act, and the settings rule each belongs to', () => {
  assert.equal(['cpu', 'disk:/var', 'disk_forecast:/', 'service:nginx', 'if_util:ge-0/0/1', 'offline', 'if_down:x', 'check:moodle'].map(settingsRuleOf),
    ['cpu', 'disk', 'diskForecast', 'services', 'ifUtil', null, null, null]);
});

test('both opt-ins are required: the rule\'s auto and the host\'s autoAction', () => {
  assert.equal(autoActionOf(restartNginx, 'web-1', 'service:nginx.service'), { action: { script: 'vigie.service-restart', auto: true }, optedIn: true });
  assert.is(autoActionOf(restartNginx, 'web-2', 'service:nginx.service')?.optedIn, false, 'the host did not opt in');
  const notAuto = settingsOf({ defaults: { services: { action: { script: 'vigie.service-restart' } } }, hosts: { 'web-1': { services: { autoAction: true } } } });
  assert.is(notAuto.defaults.services.action?.auto, false, 'auto defaults to false');
  assert.is(autoActionOf(notAuto, 'web-1', 'service:nginx.service'), null, 'the rule did not opt in');
  const r = rig(restartNginx);
  try {
    assert.is(r.auto.plan(serviceAlert('web-2')), null);
    assert.is(r.auto.plan(serviceAlert('web-3')), null, 'a host without an override never runs it');
    assert.ok(r.auto.plan(serviceAlert('web-1')));
    assert.is(r.events.query({ type: 'alert.auto_action_skipped' }).length, 0, 'hosts that did not opt in are not even logged');
  } finally {
    r.close();
  }
  const defaultsOnly = validateAlertSettings({ defaults: { services: { autoAction: true } } });
  assert.not.ok(defaultsOnly.ok, 'autoAction belongs to a host override, not to the defaults');
  if (!defaultsOnly.ok) assert.match(defaultsOnly.error, /defaults\.services\.autoAction/);
  const badScript = validateAlertSettings({ defaults: { cpu: { action: { script: 'Not An Id', auto: true } } } });
  assert.not.ok(badScript.ok);
  if (!badScript.ok) assert.match(badScript.error, /defaults\.cpu\.action\.script/);
});

test('cooldown: once per host and rule per hour on the injected clock, remembered across a restart', () => {
  const r = rig(restartNginx);
  try {
    const first = r.auto.plan(serviceAlert());
    assert.ok(first);
    assert.equal(first.args, { service: 'nginx.service', mode: 'restart' }, 'arguments from the suggested fix');
    r.clock.t = T0 + 30 * 60_000;
    assert.is(r.auto.plan(serviceAlert()), null, 'within the hour');
    const skipped = r.events.query({ type: 'alert.auto_action_skipped', host: 'web-1' });
    assert.equal(skipped.map((e) => e.data?.why), ['cooldown']);
    assert.is(eventMessage(skipped[0]!, 'fr'), 'Action automatique vigie.service-restart de la règle service:nginx.service sur web-1 non exécutée : elle a déjà été exécutée pendant le délai de carence');
    assert.is(skipped[0]!.data?.until, T0 + HOUR);
    assert.ok(r.auto.plan(serviceAlert('web-1', { rule: 'service:php-fpm.service' })), 'another alert rule has its own cooldown');
    const restarted = r.make();
    assert.is(restarted.plan(serviceAlert()), null, 'a restart remembers the last run from the event log');
    r.clock.t = T0 + HOUR;
    assert.ok(restarted.plan(serviceAlert()), 'an hour later it may run again');
    assert.is(r.events.query({ type: 'alert.auto_action', host: 'web-1' }).length, 3);
  } finally {
    r.close();
  }
});

test('never in a maintenance window, and the log says why', () => {
  const r = rig(restartNginx, { maintenance: true });
  try {
    assert.is(r.auto.plan(serviceAlert()), null);
    assert.equal(r.events.query({ type: 'alert.auto_action_skipped' }).map((e) => e.data?.why), ['maintenance']);
    assert.is(r.events.query({ type: 'alert.auto_action' }).length, 0, 'a skipped run does not start the cooldown');
  } finally {
    r.close();
  }
});

test('arguments: the rule\'s own win over the fix\'s; a runaway process comes from the diagnosis', () => {
  const settings = settingsOf({
    defaults: {
      services: { action: { script: 'vigie.service-restart', args: { mode: 'start' }, auto: true } },
      cpu: { action: { script: 'vigie.kill-process', args: { signal: 'KILL' }, auto: true } },
      disk: { action: { script: 'vigie.journal-vacuum', args: { size: 500 }, auto: true } },
    },
    hosts: { 'web-1': { services: { autoAction: true }, cpu: { autoAction: true }, disk: { autoAction: true } } },
  });
  const r = rig(settings);
  try {
    assert.equal(r.auto.plan(serviceAlert())?.args, { service: 'nginx.service', mode: 'start' });
    const cpu: Alert & { context: string[] } = {
      ...serviceAlert(), rule: 'cpu', metric: { metric: 'cpu.usage', key: '' }, unit: 'percent', value: 99, threshold: 95,
      context: ['Top processes by CPU:', '   4242    99 % CPU    0.1 % mem      4 MiB  stress', '      1     0 % CPU    0.1 % mem     12 MiB  systemd'],
    };
    const plan = r.auto.plan(cpu)!;
    assert.equal([plan.args, plan.name], [{ pid: 4242, signal: 'KILL' }, 'stress']);
    assert.is(actionRunningLine(plan, 'en'), 'Automatic action: kill process 4242 (stress), running now.');
    assert.equal(r.auto.plan({ ...serviceAlert(), rule: 'disk:/', metric: { metric: 'disk.usedPercent', key: '/' } })?.args, { size: 500 }, 'another script than the fix: the rule\'s arguments alone');
  } finally {
    r.close();
  }
});

test('a run\'s outcome: done with its last output lines, refused with the reason, or not started', async () => {
  const output = Array.from({ length: 14 }, (_, i) => `line ${i + 1}`).join('\n') + '\n\x1b[31mred\x1b[0m\n\n';
  const done = rig(restartNginx, { runs: recordingRuns({ output }) });
  try {
    const plan = done.auto.plan(serviceAlert())!;
    const facts = (await done.auto.run(plan, serviceAlert()))!;
    assert.equal(done.runs.requests, [{ script: 'vigie.service-restart', host: 'web-1', args: { service: 'nginx.service', mode: 'restart' }, by: 'rule:service:nginx.service', trigger: 'rule', rule: 'service:nginx.service' }]);
    assert.equal([facts.state, facts.exit, facts.runId], ['done', 0, 'run1']);
    assert.equal(facts.output, [...Array.from({ length: 9 }, (_, i) => `line ${i + 6}`), '\\x1b[31mred\\x1b[0m'], 'the last 10 lines, escaped');
    assert.is(actionOutcomeTitle(facts, 'web-1', 'en'), 'Automatic action on web-1: restart nginx.service — done (exit 0 after 1.3 s)');
    assert.is(actionOutcomeTitle(facts, 'web-1', 'fr'), 'Action automatique sur web-1 : redémarrer nginx.service — faite (code de sortie 0 après 1,3 s)');
    const logged = done.events.query({ type: 'alert.auto_action_done' })[0]!;
    assert.equal([logged.data?.state, logged.data?.exit, logged.data?.run], ['done', 0, 'run1']);
    assert.is(eventMessage(logged, 'fr'), 'Action automatique de la règle service:nginx.service sur web-1 (redémarrer nginx.service) : faite, code de sortie 0');
    assert.is(eventMessage(done.events.query({ type: 'alert.auto_action' })[0]!, 'en'), 'Automatic action of rule service:nginx.service on web-1: restart nginx.service');
  } finally {
    done.close();
  }
  const refused = rig(restartNginx, { runs: recordingRuns({ state: 'refused', exit: null, duration: null, refusal: { reason: 'checks-only', message: 'agent.scripts is checks on web-1: set scripts: actions' } }) });
  try {
    const facts = (await refused.auto.run(refused.auto.plan(serviceAlert())!, serviceAlert()))!;
    assert.is(actionOutcomeTitle(facts, 'web-1', 'en'), 'Automatic action on web-1: restart nginx.service — refused');
    assert.is(actionOutcomeDetail(facts, 'Service nginx.service failed — web-1', 'en'),
      'For the alert: Service nginx.service failed — web-1. Run by rule service:nginx.service. The agent refused it: this agent runs script checks but no actions: set "scripts": "actions" in its agent.json (agent.scripts is checks on web-1: set scripts: actions).');
    assert.match(eventMessage(refused.events.query({ type: 'alert.auto_action_done' })[0]!, 'en'), /\(restart nginx\.service\): refused: this agent runs script checks but no actions/);
  } finally {
    refused.close();
  }
  const error = rig(restartNginx, { runs: recordingRuns({}, 'host web-1 is offline') });
  try {
    const facts = (await error.auto.run(error.auto.plan(serviceAlert())!, serviceAlert()))!;
    assert.equal([facts.state, facts.error], ['error', 'host web-1 is offline']);
    assert.match(actionOutcomeDetail(facts, 'x', 'fr'), /Elle n’a pas pu être lancée : host web-1 is offline\.$/);
    assert.is(error.events.query({ type: 'alert.auto_action_done' })[0]!.data?.state, 'error');
  } finally {
    error.close();
  }
  assert.equal(lastLines('a\r\nb\tc\n'), ['a', 'b  c']);
});

test.run();
