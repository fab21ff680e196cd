/**
 * Issue 14, script checks, on real parts: the whole `vigie up` stack and a
 * real agent process (`db-1`, scripts: checks) running real sh and python3
 * scripts in the Nagios style.
 *
 * - exit 0, 1, 2, 3 give ok, warning, critical, unknown; ok and warning are
 *   up, critical and unknown down; the first line (before `|`) is the
 *   message, the rest is long output;
 * - perfdata becomes stored series (`check.perf`, key `<check>/<label>`, in
 *   base units) readable through the history API, with `check.status`;
 * - the same agent refuses an action: `checks` is not `actions`.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CheckResultPayload } from '../../protocol/schemas/check.js';
import { waitFor } from '../helpers/env.js';
import { startScriptsStack, type ScriptsStack } from './scripts-stack.js';

const HOST = 'db-1';
/** Script checks run every 10 s at the fastest (SCRIPT_LIMITS.interval.min): room for a few runs on a busy box. */
const DEADLINE_MS = 45_000;

let s: ScriptsStack;

const PROBE = `#!/bin/sh
# A Nagios-style probe: the exit code it is told, perfdata on the first line and in the long output.
code="$1"
case "$code" in
  0) echo "OK - replication 3 s behind | lag=3s;60;300;0 used=42%;80;90;0;100 'Queue Len'=7;10;20" ;;
  1) echo "WARNING - replication 75 s behind | lag=75s;60;300;0" ;;
  2) echo "CRITICAL - replication stopped | lag=600s;60;300;0" ;;
  *) echo "UNKNOWN - cannot ask PostgreSQL: connection refused" ;;
esac
echo "standby: db-1"
echo "primary: db-0 | wal=1536KB;;;0"
exit "$code"
`;

const PY = `#!/usr/bin/env python3
import sys
print(f"OK - backup {sys.argv[1]} is 2 KB | size=2KB;;;0 age=250ms")
sys.exit(0)
`;

type Result = CheckResultPayload & { script?: { script: string; version: number; status: string; exit: number | null; perfdata: Array<{ label: string; value: number; unit: string; warn?: string; crit?: string; min?: number; max?: number }>; long?: string; refused?: string } };

async function resultOf(check: string): Promise<Result> {
  return waitFor(`a result of ${check}`, async () => {
    const view = (await s.admin.get<{ runners: Array<{ runner: string; result: Result | null }> }>(`/api/checks/${check}`)).data;
    return view.runners.find((r) => r.runner === HOST)?.result ?? null;
  }, DEADLINE_MS, 250);
}

async function series(metric: string, key: string): Promise<Array<{ avg: number }>> {
  const answer = await s.viewer.get<{ points: Array<{ avg: number }> }>(`/api/hosts/${HOST}/history?metric=${metric}&key=${encodeURIComponent(key)}&range=15m`);
  assert.is(answer.status, 200, JSON.stringify(answer.body));
  return answer.data.points;
}

test.before(async () => {
  s = await startScriptsStack();
  await s.startAgent(HOST, 'checks');
  for (const script of [
    { id: 'pg-probe', name: 'PostgreSQL replication probe', kind: 'check', interpreter: 'sh', timeout: 10, body: PROBE, params: [{ name: 'code', type: 'enum', values: ['0', '1', '2', '3'] }] },
    { id: 'backup-size', name: 'Backup size', kind: 'check', interpreter: 'python3', timeout: 10, body: PY, params: [{ name: 'name', type: 'string', pattern: '[a-z]+' }] },
    { id: 'say-hi', name: 'An action', kind: 'action', interpreter: 'sh', timeout: 10, body: '#!/bin/sh\necho hi\n', params: [] },
  ]) {
    const created = await s.admin.send('POST', '/api/scripts', { ...script, hosts: [HOST] });
    assert.is(created.status, 201, JSON.stringify(created.body));
  }
  const checks = [
    ...['0', '1', '2', '3'].map((code) => ({ id: `probe-${code}`, name: `Probe ${code}`, target: 'pg-probe', script: { id: 'pg-probe', args: { code } } })),
    { id: 'backup', name: 'Backup', target: 'backup-size', script: { id: 'backup-size', args: { name: 'nightly' } } },
  ];
  for (const check of checks) {
    // One bad run is enough to alert: the test waits for one run, not three.
    const created = await s.admin.send('POST', '/api/checks', { ...check, kind: 'script', runners: [HOST], interval: 10, alerting: { downAfter: 1 } });
    assert.is(created.status, 201, JSON.stringify(created.body));
  }
});

test.after(async () => {
  await s?.close();
});

test('exit codes 0–3 give ok, warning, critical, unknown; the first line is the message, the rest long output', async () => {
  const expected = [
    ['probe-0', 'ok', 'up', 'OK - replication 3 s behind'],
    ['probe-1', 'warning', 'up', 'WARNING - replication 75 s behind'],
    ['probe-2', 'critical', 'down', 'CRITICAL - replication stopped'],
    ['probe-3', 'unknown', 'down', 'UNKNOWN - cannot ask PostgreSQL: connection refused'],
  ] as const;
  for (const [check, status, state, message] of expected) {
    const r = await resultOf(check);
    assert.is(r.kind, 'script', JSON.stringify(r));
    assert.is(r.script?.status, status, `${check}: ${JSON.stringify(r)}`);
    assert.is(r.script?.exit, Number(check.slice(-1)));
    assert.is(r.state, state, check);
    assert.is(r.message, message, check);
    assert.is(r.script?.script, 'pg-probe');
    assert.match(r.script?.long ?? '', /standby: db-1/, 'long output kept');
    assert.ok(r.latency !== null && r.latency >= 0 && r.latency < 10, `latency is the run's duration (${r.latency})`);
  }
});

test('perfdata is parsed into base units: ms → s, % , KB → bytes (1024), plain numbers', async () => {
  const ok = await resultOf('probe-0');
  const perf = Object.fromEntries(ok.script!.perfdata.map((p) => [p.label, p]));
  assert.equal([perf.lag?.value, perf.lag?.unit, perf.lag?.warn, perf.lag?.crit, perf.lag?.min], [3, 's', '60', '300', 0]);
  assert.equal([perf.used?.value, perf.used?.unit, perf.used?.max], [42, '%', 100]);
  assert.equal([perf['Queue Len']?.value, perf['Queue Len']?.unit], [7, ''], 'a quoted label with a space');
  assert.equal([perf.wal?.value, perf.wal?.unit], [1536 * 1024, 'B'], 'perfdata after | in the long output');
  const py = await resultOf('backup');
  assert.is(py.script?.status, 'ok', JSON.stringify(py));
  assert.is(py.message, 'OK - backup nightly is 2 KB', 'the python3 script got its argument');
  const pyPerf = Object.fromEntries(py.script!.perfdata.map((p) => [p.label, p]));
  assert.equal([pyPerf.size?.value, pyPerf.size?.unit], [2048, 'B']);
  assert.equal([pyPerf.age?.value, pyPerf.age?.unit], [0.25, 's']);
});

test('perfdata and statuses are stored series, readable through the history API', async () => {
  const lag = await waitFor('check.perf probe-0/lag stored', async () => (await series('check.perf', 'probe-0/lag')).at(-1), DEADLINE_MS, 500);
  assert.is(lag.avg, 3);
  const lag2 = await waitFor('check.perf probe-2/lag stored', async () => (await series('check.perf', 'probe-2/lag')).at(-1), DEADLINE_MS, 500);
  assert.is(lag2.avg, 600);
  const wal = await waitFor('check.perf probe-0/wal stored', async () => (await series('check.perf', 'probe-0/wal')).at(-1), DEADLINE_MS, 500);
  assert.is(wal.avg, 1536 * 1024);
  const size = await waitFor('check.perf backup/size stored', async () => (await series('check.perf', 'backup/size')).at(-1), DEADLINE_MS, 500);
  assert.is(size.avg, 2048);
  for (const [check, status] of [['probe-0', 0], ['probe-1', 1], ['probe-2', 2], ['probe-3', 3]] as const) {
    const point = await waitFor(`check.status ${check}`, async () => (await series('check.status', check)).at(-1), DEADLINE_MS, 500);
    assert.is(point.avg, status, check);
  }
  const up = await waitFor('check.up probe-1', async () => (await series('check.up', 'probe-1')).at(-1), DEADLINE_MS, 500);
  assert.is(up.avg, 100, 'a warning is up: check.up is 100 (up) or 0 (down), as for network checks, so its average is the availability');
  const down = await waitFor('check.up probe-3', async () => (await series('check.up', 'probe-3')).at(-1), DEADLINE_MS, 500);
  assert.is(down.avg, 0, 'unknown is down (0)');
});

test('script checks alert through the engine: warning warns, critical and unknown are critical, ok is quiet', async () => {
  const firing = async (): Promise<Array<{ rule: string; severity: string; title: string; host: string }>> =>
    (await s.admin.get<Array<{ rule: string; severity: string; title: string; host: string }>>(`/api/alerts?state=firing&host=${HOST}`)).data;
  const all = await waitFor('the alerts of probe-1, probe-2 and probe-3', async () => {
    const now = await firing();
    return ['check:probe-1', 'check:probe-2', 'check:probe-3'].every((r) => now.some((a) => a.rule === r)) ? now : null;
  }, DEADLINE_MS, 250);
  const of = (rule: string) => all.find((a) => a.rule === rule)!;
  assert.equal([of('check:probe-1').severity, of('check:probe-2').severity, of('check:probe-3').severity], ['warning', 'critical', 'critical']);
  assert.match(of('check:probe-1').title, /^Probe 1 WARNING on db-1/);
  assert.match(of('check:probe-2').title, /^Probe 2 CRITICAL on db-1/);
  assert.match(of('check:probe-3').title, /^Probe 3 UNKNOWN on db-1/);
  assert.not.ok(all.some((a) => a.rule === 'check:probe-0' || a.rule === 'check:backup'), 'ok checks do not alert');
});

test('the same agent, with scripts: checks, refuses an action and says what to set', async () => {
  const asked = await s.operator.send<{ run: { id: string } }>('POST', '/api/scripts/say-hi/runs', { host: HOST, args: {} });
  assert.is(asked.status, 202, JSON.stringify(asked.body));
  const run = await waitFor('the run refused', async () => {
    const r = (await s.operator.get<{ run: { state: string; refusal?: { reason: string; message: string } } }>(`/api/runs/${asked.data.run.id}`)).data.run;
    return r.state === 'pending' || r.state === 'running' ? null : r;
  }, DEADLINE_MS, 200);
  assert.is(run.state, 'refused', JSON.stringify(run));
  assert.is(run.refusal?.reason, 'checks-only');
  assert.match(run.refusal!.message, /"?actions"?/);
});

test.run();
