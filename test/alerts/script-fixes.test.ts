/**
 * Suggested fixes (issue 14, alerts/fixes.ts): which built-in action each
 * alert Vigie explains suggests, with its arguments taken from the alert and
 * its diagnosis lines (as alerts/diagnosis.ts writes them), labelled in
 * English and French; and the arguments pass the built-ins' parameters.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createDiagnosis, diagnosedDirs, diagnosedProcesses } from '../../alerts/diagnosis.js';
import type { Alert } from '../../alerts/types.js';
import type { CommandFn } from '../../ingest/types.js';
import { actionLabel, suggestedFix, type FixableAlert } from '../../alerts/fixes.js';
import { checkScriptArgs } from '../../protocol/script-args.js';
import type { ScriptParam } from '../../protocol/schemas/script.js';

const firing = (rule: string, context: string[] = [], over: Partial<FixableAlert> = {}): FixableAlert => ({ rule: rule as FixableAlert['rule'], state: 'firing', context, ...over });

const TOP = [
  'Top processes by CPU:',
  '   1234    98 % CPU    0.2 % mem      3 MiB  stress',
  '    812     4 % CPU    1.5 % mem     60 MiB  node',
];
const DU_BIG_JOURNAL = ['Largest directories on /:', '  4.0 GiB  /var', '  2.5 GiB  /var/log', '  1.2 GiB  /usr'];
const DU_SMALL_JOURNAL = ['Largest directories on /var:', '  3.0 GiB  /var/lib', '   120 MiB  /var/log/journal'];

/** The built-ins' parameters as brief-14 declares them. */
const BUILTIN_PARAMS: Record<string, ScriptParam[]> = {
  'vigie.service-restart': [
    { name: 'service', type: 'string', pattern: '[A-Za-z0-9_.@:][A-Za-z0-9_.@:-]{0,255}' },
    { name: 'mode', type: 'enum', values: ['restart', 'start'] },
  ],
  'vigie.journal-vacuum': [{ name: 'size', type: 'integer', min: 16, max: 100_000 }],
  'vigie.package-clean': [],
  'vigie.kill-process': [{ name: 'pid', type: 'integer', min: 2 }, { name: 'signal', type: 'enum', values: ['TERM', 'KILL'] }],
};

test('service down → restart it', () => {
  assert.equal(suggestedFix(firing('service:nginx.service'), 'en'), { script: 'vigie.service-restart', args: { service: 'nginx.service', mode: 'restart' }, label: 'restart nginx.service' });
  assert.is(suggestedFix(firing('service:nginx.service'), 'fr')?.label, 'redémarrer nginx.service');
  assert.is(suggestedFix(firing('service:-rf'), 'en'), null, 'a name that would read as an option');
});

test('disk full → vacuum a big journal, else clean the package cache', () => {
  assert.equal(suggestedFix(firing('disk:/', DU_BIG_JOURNAL), 'en'), { script: 'vigie.journal-vacuum', args: { size: 200 }, label: 'shrink the systemd journal to 200 MiB' });
  assert.is(suggestedFix(firing('disk:/', DU_BIG_JOURNAL), 'fr')?.label, 'réduire le journal systemd à 200 Mio');
  assert.equal(suggestedFix(firing('disk:/var', DU_SMALL_JOURNAL), 'en'), { script: 'vigie.package-clean', args: {}, label: 'clean the package cache' });
  assert.is(suggestedFix(firing('disk_forecast:/', []), 'fr')?.label, 'vider le cache des paquets', 'no diagnosis: the package cache');
});

test('runaway process (CPU with the diagnosis\' top process) → stop it', () => {
  assert.equal(suggestedFix(firing('cpu', TOP), 'en'), { script: 'vigie.kill-process', args: { pid: 1234, signal: 'TERM' }, label: 'stop process 1234 (stress)' });
  assert.is(suggestedFix(firing('cpu', TOP), 'fr')?.label, 'arrêter le processus 1234 (stress)');
  assert.is(suggestedFix(firing('cpu', ['Top processes by CPU:', '    812    12 % CPU    1.5 % mem     60 MiB  node']), 'en'), null, 'nobody runs away at 12 %');
  assert.is(suggestedFix(firing('cpu', ['Top processes by CPU:', '      1    99 % CPU    0.1 % mem     12 MiB  systemd']), 'en'), null, 'never pid 1');
  assert.is(suggestedFix(firing('cpu', ['(no process list: agent offline)']), 'en'), null);
});

test('no fix: other rules, a resolved alert, an SNMP device', () => {
  for (const rule of ['mem', 'offline', 'temperature', 'check:moodle', 'if_down:ge-0/0/1']) assert.is(suggestedFix(firing(rule, TOP), 'en'), null, rule);
  assert.is(suggestedFix(firing('service:nginx', [], { state: 'resolved' }), 'en'), null);
  assert.is(suggestedFix(firing('disk:/', [], { device: { poller: 'box', address: '10.0.0.1' } }), 'en'), null);
});

test('every suggested fix passes its built-in\'s parameters', () => {
  for (const alert of [firing('service:nginx.service'), firing('disk:/', DU_BIG_JOURNAL), firing('disk:/', []), firing('cpu', TOP)]) {
    const fix = suggestedFix(alert, 'en')!;
    const checked = checkScriptArgs(BUILTIN_PARAMS[fix.script]!, fix.args);
    assert.ok(checked.ok, `${fix.script}: ${JSON.stringify(checked)}`);
  }
  assert.is(actionLabel('pg-failover', { target: 'db-2' }, 'en'), 'pg-failover target=db-2', 'a script of the library: its id and arguments');
});

test('the diagnosis lines read back', () => {
  assert.equal(diagnosedProcesses(TOP), [{ pid: 1234, cpu: 98, name: 'stress' }, { pid: 812, cpu: 4, name: 'node' }]);
  assert.equal(diagnosedDirs(DU_SMALL_JOURNAL), [{ path: '/var/lib', bytes: 3 * 1024 ** 3 }, { path: '/var/log/journal', bytes: 120 * 1024 ** 2 }]);
  assert.equal(diagnosedProcesses(DU_BIG_JOURNAL), []);
});

test('what createDiagnosis writes, the fixes read: a runaway process and a big journal', async () => {
  // The agent's answers (its side is tested in test/agent): the lines are the alert service's.
  const answers: Record<string, unknown> = {
    top: { cores: 2, interval: 1, byCpu: [{ pid: 31337, name: 'yes', cpu: 100, memPercent: 0.1, rss: 1_900_000 }], byMem: [] },
    du: { mount: '/', truncated: false, entries: [{ path: '/var/log/journal', bytes: 3 * 1024 ** 3 }, { path: '/usr', bytes: 2 * 1024 ** 3 }] },
  };
  const command = (async (_host: string, action: string) => ({ ok: true, data: answers[action] })) as unknown as CommandFn;
  const diagnose = createDiagnosis(command);
  const alert = (rule: string): Alert => ({ host: 'h', rule: rule as Alert['rule'], severity: 'critical', state: 'firing', value: 99, threshold: 95, unit: 'percent', metric: { metric: 'cpu.usage', key: '' }, since: 0, firedAt: 0, resolvedAt: null });
  assert.is(suggestedFix(firing('cpu', await diagnose(alert('cpu'))), 'en')?.label, 'stop process 31337 (yes)');
  assert.equal(suggestedFix(firing('disk:/', await diagnose(alert('disk:/'))), 'en')?.args, { size: 200 });
});

test.run();
