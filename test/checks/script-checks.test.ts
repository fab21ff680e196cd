/**
 * Script checks in the catalog (issue 14): validation names its fields and
 * checks the arguments against the script's parameters (the server's side of
 * protocol/script-args.ts), the stored form, the import file, the bundle's
 * spec, and a real CheckStore keeping them; their results become the
 * `check.up`, `check.status` and `check.perf` series.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isScriptCheck, networkSpecOf, scriptCheckSpecOf } from '../../checks/definition.js';
import { exportChecks, parseChecksFile, planImport, sameFields } from '../../checks/import-export.js';
import { CheckAccess } from '../../checks/access.js';
import { CheckStore } from '../../checks/store.js';
import { validateCheck, type ScriptParamsLookup } from '../../checks/validate.js';
import { inputOf } from '../../checks/view.js';
import { flattenCheckResult, perfLabelKey } from '../../protocol/metric-series.js';
import type { CheckResultPayload } from '../../protocol/schemas/check.js';
import type { ScriptParam } from '../../protocol/schemas/script.js';
import { tempDir } from '../helpers/env.js';

const PG_PARAMS: ScriptParam[] = [
  { name: 'max_lag', type: 'integer', min: 1, max: 3600 },
  { name: 'mode', type: 'enum', values: ['primary', 'replica'], default: 'replica' },
];
const scriptParams: ScriptParamsLookup = (id) => (id === 'pg-replication' ? PG_PARAMS : null);
const opts = { defaultRunner: 'box', scriptParams };
const pg = (over: Record<string, unknown> = {}) => ({
  id: 'pg-repl', kind: 'script', target: 'pg-replication', name: 'PostgreSQL replication',
  script: { id: 'pg-replication', args: { max_lag: 30 } }, ...over,
});
const fieldsOf = (raw: unknown, o: Parameters<typeof validateCheck>[1] = opts) => {
  const r = validateCheck(raw, o);
  return r.ok ? [] : r.fields.map((f) => `${f.field}: ${f.message}`);
};

test('a script check is valid with its script and arguments; the stored form has no network options', () => {
  const r = validateCheck(pg(), opts);
  assert.ok(r.ok, JSON.stringify(r));
  if (!r.ok) return;
  assert.is(r.value.kind, 'script');
  assert.equal(r.value.script, { id: 'pg-replication', args: { max_lag: 30 } });
  assert.equal(r.value.runners, ['box']);
  assert.is(r.value.interval, 60);
  assert.is(r.value.trace, undefined, 'no network path for a script');
  assert.ok(isScriptCheck(r.value));
  const def = { ...r.value, createdAt: 1, updatedAt: 1, createdBy: null };
  assert.is(networkSpecOf(def), null, 'never a CheckSpec of checks[]');
  assert.equal(scriptCheckSpecOf(def), { id: 'pg-repl', script: 'pg-replication', interval: 60, args: { max_lag: 30 } });
  const noArgs = validateCheck(pg({ script: { id: 'pg-replication' } }), { defaultRunner: 'box' });
  assert.ok(noArgs.ok && noArgs.value.script?.args && Object.keys(noArgs.value.script.args).length === 0, 'args default to {} without a library');
});

test('validation names the wrong field of a script check', () => {
  assert.equal(fieldsOf(pg({ script: undefined })), ['script: required for a script check: {id: "pg-replication", args: {…}} (the script and its arguments)']);
  assert.match(fieldsOf(pg({ target: 'other' }))[0]!, /^script\.id: expected the same script id as target/);
  assert.match(fieldsOf(pg({ target: 'Not A Script', script: { id: 'Not A Script' } })).join('\n'), /script\.id: expected a script id/);
  assert.match(fieldsOf(pg({ target: 'nope', script: { id: 'nope', args: {} } }))[0]!, /^script\.id: no check script nope in the library/);
  assert.equal(fieldsOf(pg({ script: { id: 'pg-replication', args: { max_lag: 0 } } })), ['script.args.max_lag: 0 is below the minimum 1']);
  assert.equal(fieldsOf(pg({ script: { id: 'pg-replication', args: { max_lag: 5, mode: 'both' } } })), ['script.args.mode: "both" is not one of primary, replica']);
  assert.match(fieldsOf(pg({ script: { id: 'pg-replication', args: { max_lag: 5, typo: 1 } } }))[0]!, /^script\.args\.typo: unknown parameter \(expected max_lag, mode\)/);
  assert.equal(fieldsOf(pg({ script: { id: 'pg-replication', args: {} } })), ['script.args.max_lag: required']);
  assert.match(fieldsOf(pg({ port: 5432 }))[0]!, /^port: not for a script check/);
  assert.match(fieldsOf(pg({ http: {} }))[0]!, /^http: only for an HTTP check \(this one is script\)/);
  assert.match(fieldsOf({ id: 'w', kind: 'http', target: 'https://example.org/', name: 'W', script: { id: 'pg-replication' } })[0]!, /^script: only for a script check \(this one is http\)/);
  assert.match(fieldsOf({ ...pg(), kind: 'bash' })[0]!, /^kind: expected one of ping, tcp, http, dns, tls, script/);
});

test('an import file with a script check: errors name the item, a re-import is unchanged, a real store keeps it', () => {
  const dir = tempDir();
  const store = CheckStore.open(dir.path);
  try {
    const access = new CheckAccess({ visibilityOf: () => () => true });
    const bad = parseChecksFile(JSON.stringify({ checks: [pg({ script: { id: 'pg-replication', args: { max_lag: 'x' } } })] }), 'json');
    try {
      planImport(bad, [], { mode: 'merge', user: null, access, defaultRunner: 'box', scriptParams });
      assert.unreachable('refused');
    } catch (error) {
      assert.match((error as Error).message, /^checks\[0\]\.script\.args\.max_lag: expected an integer/);
    }
    const items = parseChecksFile(JSON.stringify({ checks: [pg()] }), 'json');
    const { plan, outcome } = planImport(items, [], { mode: 'merge', user: null, access, defaultRunner: 'box', scriptParams });
    assert.equal(outcome.created, ['pg-repl']);
    store.apply(plan, null);
    const stored = store.get('pg-repl')!;
    assert.equal(stored.script, { id: 'pg-replication', args: { max_lag: 30 } });
    assert.ok(store.runs('box', 'pg-repl'), 'the ingest accepts its results');
    const again = planImport(parseChecksFile(exportChecks(store.list(), 'yaml'), 'yaml'), store.list(), { mode: 'merge', user: null, access, defaultRunner: 'box', scriptParams });
    assert.equal(again.outcome.unchanged, ['pg-repl'], 'export then import changes nothing');
    const reread = validateCheck(inputOf(stored), opts);
    assert.ok(reread.ok && sameFields(stored, reread.value), 'the edit form round-trips');
  } finally {
    store.close();
    dir.remove();
  }
});

const scriptResult = (status: 'ok' | 'warning' | 'critical' | 'unknown', over: Partial<CheckResultPayload> = {}): CheckResultPayload => ({
  v: 1, ts: 1_700_000_000_000, kind: 'script', state: status === 'ok' || status === 'warning' ? 'up' : 'down', latency: 0.12,
  message: `PG ${status.toUpperCase()}`,
  script: {
    script: 'pg-replication', version: 2, status, exit: { ok: 0, warning: 1, critical: 2, unknown: 3 }[status],
    perfdata: [
      { label: 'Replication Lag', value: 12, unit: 's', warn: '30', crit: '60' },
      { label: "'wal files'", value: 40, unit: '' },
      { label: 'replication lag', value: 99, unit: 's' },
      { label: '***', value: 1, unit: '' },
    ],
  },
  ...over,
});

test('series of a script result: check.up, check.latency, check.status and one check.perf per label', () => {
  const points = flattenCheckResult('pg-repl', scriptResult('warning'));
  assert.equal(points, [
    { metric: 'check.up', key: 'pg-repl', value: 100 },
    { metric: 'check.latency', key: 'pg-repl', value: 0.12 },
    { metric: 'check.status', key: 'pg-repl', value: 1 },
    { metric: 'check.perf', key: 'pg-repl/replication_lag', value: 12 },
    { metric: 'check.perf', key: 'pg-repl/wal_files', value: 40 },
  ], 'a label that sanitises like an earlier one, or to nothing, is skipped');
  const statusOf = (s: 'ok' | 'warning' | 'critical' | 'unknown') => flattenCheckResult('c', scriptResult(s)).filter((p) => p.metric === 'check.status' || p.metric === 'check.up').map((p) => p.value);
  assert.equal([statusOf('ok'), statusOf('warning'), statusOf('critical'), statusOf('unknown')], [[100, 0], [100, 1], [0, 2], [0, 3]], 'up for ok and warning (exported 100/0 as every check), status 0–3');
  const refused = scriptResult('unknown', { latency: null });
  refused.script = { ...refused.script!, perfdata: [], refused: 'scripts-off', exit: null };
  assert.equal(flattenCheckResult('c', refused), [{ metric: 'check.up', key: 'c', value: 0 }, { metric: 'check.status', key: 'c', value: 3 }]);
  assert.is(perfLabelKey('A'.repeat(100)).length, 62);
  assert.is(perfLabelKey('Disk /var (used)'), 'disk_var_used');
});

test.run();
