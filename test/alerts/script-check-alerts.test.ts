/**
 * Script check alerts (issue 14) through checks/alert-rules.ts on a real
 * check store: a warning raises a warning-severity alert, critical and
 * unknown a critical one, a change of level escalates or de-escalates the
 * same alert, ok resolves it; the words (en/fr) carry the script's message
 * and, when the agent refused to run it, why and what to change.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeAlert } from '../../alerts/advice.js';
import { spokenRefusal } from '../../alerts/script-words.js';
import type { AlertTransition } from '../../alerts/types.js';
import { checkContext } from '../../checks/alert-context.js';
import { createCheckRules } from '../../checks/alert-rules.js';
import { CheckStore } from '../../checks/store.js';
import type { CheckFields } from '../../checks/validate.js';
import type { CheckResultPayload } from '../../protocol/schemas/check.js';
import { REFUSAL_REASONS, type NagiosStatus } from '../../protocol/schemas/script.js';
import { tempDir } from '../helpers/env.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0);

const pgCheck = (over: Partial<CheckFields> = {}): CheckFields => ({
  id: 'pg-repl', kind: 'script', target: 'pg-replication', script: { id: 'pg-replication', args: { max_lag: 30 } },
  interval: 60, timeout: 10, name: 'PostgreSQL replication', enabled: true, runners: ['db-1'], groupId: null, sla: 99,
  alerting: { downAfter: 1, latency: { warning: null, critical: null, for: 0 }, certDays: { warning: 14, critical: 3 } },
  ...over,
});

function rig(fields: CheckFields = pgCheck()) {
  const dir = tempDir();
  const store = CheckStore.open(dir.path);
  store.create(fields, 'admin');
  let now = T0;
  let ts = T0;
  const rules = createCheckRules({ clock: { now: () => now }, catalog: store });
  const events: AlertTransition[] = [];
  rules.onTransition((t) => events.push(t));
  const send = (status: NagiosStatus, message: string, over: Partial<NonNullable<CheckResultPayload['script']>> = {}, runner = 'db-1'): void => {
    ts += 60_000;
    now = ts;
    const exit = over.refused ? null : { ok: 0, warning: 1, critical: 2, unknown: 3 }[status];
    rules.result({
      runner, check: fields.id, receivedAt: now,
      result: {
        v: 1, ts, kind: 'script', state: status === 'ok' || status === 'warning' ? 'up' : 'down', latency: over.refused ? null : 0.2, message,
        script: { script: 'pg-replication', version: 1, status, exit, perfdata: [{ label: 'lag', value: 42, unit: 's', warn: '30', crit: '60' }], ...over },
      },
    });
  };
  return {
    store, rules, events, send,
    kinds: () => events.map((e) => `${e.kind}:${e.alert.severity}`),
    close: () => { store.close(); dir.remove(); },
  };
}

test('warning fires a warning, critical escalates it, warning de-escalates, ok resolves; unknown is critical', () => {
  const r = rig();
  try {
    r.send('ok', 'PG OK - lag 1 s');
    assert.equal(r.kinds(), []);
    r.send('warning', 'PG WARNING - lag 42 s');
    assert.equal(r.kinds(), ['firing:warning'], 'downAfter 1: the first warning fires, as a warning');
    const alert = r.rules.active('db-1')[0]!;
    assert.is(alert.rule, 'check:pg-repl');
    assert.is(alert.check?.scriptStatus, 'warning');
    r.send('critical', 'PG CRITICAL - lag 90 s');
    r.send('warning', 'PG WARNING - lag 40 s');
    r.send('unknown', 'PG UNKNOWN - cannot connect');
    r.send('ok', 'PG OK - lag 1 s');
    assert.equal(r.kinds(), ['firing:warning', 'escalated:critical', 'deescalated:warning', 'escalated:critical', 'resolved:critical']);
    assert.equal(r.events[1]!.previousSeverity, 'warning');
    assert.equal(r.rules.active('db-1'), []);
  } finally {
    r.close();
  }
});

test('downAfter counts results that are not ok, warnings included; an ok one starts again', () => {
  const r = rig(pgCheck({ alerting: { downAfter: 3, latency: { warning: null, critical: null, for: 0 }, certDays: { warning: 14, critical: 3 } } }));
  try {
    r.send('warning', 'w');
    r.send('critical', 'c');
    assert.equal(r.kinds(), ['pending:warning'], 'the pending alert takes the latest level');
    assert.is(r.rules.active('db-1')[0]!.severity, 'critical');
    r.send('critical', 'c');
    assert.equal(r.kinds(), ['pending:warning', 'firing:critical']);
    r.send('ok', 'fine');
    assert.equal(r.kinds(), ['pending:warning', 'firing:critical', 'resolved:critical']);
  } finally {
    r.close();
  }
});

test('the words carry the status and the message, in English and French', () => {
  const r = rig();
  try {
    r.send('critical', 'PG CRITICAL - lag 90 s');
    const alert = r.rules.active('db-1')[0]!;
    const en = describeAlert(alert, 'en', 'db-1', T0 + 5 * 60_000 + 60_000);
    assert.is(en.title, 'PostgreSQL replication CRITICAL on db-1');
    assert.is(en.detail, 'CRITICAL for 5 min (1 run in a row): PG CRITICAL - lag 90 s.');
    assert.match(en.advice, /Read what the script printed/);
    const fr = describeAlert(alert, 'fr', 'db-1', T0 + 5 * 60_000 + 60_000);
    assert.is(fr.title, 'PostgreSQL replication CRITIQUE sur db-1');
    assert.is(fr.detail, 'CRITIQUE depuis 5 min (1 résultat de suite) : PG CRITICAL - lag 90 s.');
    const context = checkContext(r.rules.evidence('db-1', 'check:pg-repl')!);
    assert.equal(context.slice(0, 3), [
      'Script said: PG CRITICAL - lag 90 s',
      'Status: critical (exit 2), pg-replication version 1, ran 200 ms',
      'Perfdata: lag=42 s (warn 30, crit 60)',
    ]);
    r.send('ok', 'PG OK');
    const ended = describeAlert(r.events.at(-1)!.alert, 'en', 'db-1', T0 + 10 * 60_000);
    assert.is(ended.title, 'Resolved: PostgreSQL replication was CRITICAL on db-1');
    assert.is(ended.advice, '');
  } finally {
    r.close();
  }
});

test('a refused run alerts critical (unknown) and says why and what to change, in both languages', () => {
  const r = rig();
  try {
    r.send('unknown', 'agent.scripts is off on db-1: set scripts: checks in /etc/vigie/agent.json', { refused: 'scripts-off', perfdata: [] });
    assert.equal(r.kinds(), ['firing:critical']);
    const alert = r.rules.active('db-1')[0]!;
    assert.is(alert.check?.refused, 'scripts-off');
    const en = describeAlert(alert, 'en', 'db-1', T0 + 2 * 60_000);
    assert.is(en.title, 'PostgreSQL replication UNKNOWN on db-1');
    assert.is(en.detail, 'UNKNOWN for 1 min. The agent refused to run it: scripts are off on this agent: set "scripts": "checks" (or "actions") in its agent.json. (agent.scripts is off on db-1: set scripts: checks in /etc/vigie/agent.json)');
    assert.match(en.advice, /^The script did not run/);
    const fr = describeAlert(alert, 'fr', 'db-1', T0 + 2 * 60_000);
    assert.match(fr.detail, /^INCONNU depuis 1 min\. L’agent a refusé de l’exécuter : les scripts sont désactivés sur cet agent/);
    assert.equal(checkContext(r.rules.evidence('db-1', 'check:pg-repl')!).slice(0, 2), [
      'Script said: agent.scripts is off on db-1: set scripts: checks in /etc/vigie/agent.json',
      'Refused by the agent: scripts-off',
    ]);
    for (const reason of REFUSAL_REASONS) {
      assert.is.not(spokenRefusal(reason, 'en'), reason, `${reason} has English words`);
      assert.is.not(spokenRefusal(reason, 'fr'), reason, `${reason} has French words`);
    }
  } finally {
    r.close();
  }
});

test.run();
