/** Nagios plugin output (agent/scripts/nagios.ts): exit codes, the message line, perfdata and its units. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nagiosStatus, parseNagiosOutput, parsePerfdata, readNagios } from '../../../agent/scripts/nagios.js';
import { scriptCheckResult } from '../../../agent/scripts/checks.js';
import { script } from './fixtures.js';

test('exit 0..3 are ok, warning, critical, unknown; any other code, a signal or a timeout is unknown', () => {
  assert.is(nagiosStatus(0), 'ok');
  assert.is(nagiosStatus(1), 'warning');
  assert.is(nagiosStatus(2), 'critical');
  assert.is(nagiosStatus(3), 'unknown');
  assert.is(nagiosStatus(4), 'unknown');
  assert.is(nagiosStatus(127), 'unknown');
  assert.is(nagiosStatus(255), 'unknown');
  assert.is(nagiosStatus(null), 'unknown');
  assert.is(nagiosStatus(0, true), 'unknown', 'a run killed at its timeout is unknown even if it exited 0 meanwhile');
});

test('the message is the first line before |; long output and perfdata per the plugin guidelines', () => {
  const out = [
    "DISK OK - free space: / 3326 MB (56%); | /=2643MB;5948;5958;0;5968",
    '/ 15272 MB (77%);',
    '/boot 68 MB (69%);',
    '/home 69357 MB (27%); | /boot=68MB;88;93;0;98',
    "/home=69357MB;253404;253409;0;253414",
    "/var/log=818MB;970;975;0;980",
  ].join('\n');
  const r = parseNagiosOutput(out);
  assert.is(r.message, 'DISK OK - free space: / 3326 MB (56%);');
  assert.is(r.long, '/ 15272 MB (77%);\n/boot 68 MB (69%);\n/home 69357 MB (27%);');
  assert.equal(r.perfdata.map((p) => p.label), ['/', '/boot', '/home', '/var/log']);
  assert.equal(r.perfdata[0], { label: '/', value: 2643 * 1024 ** 2, unit: 'B', warn: '5948', crit: '5958', min: 0, max: 5968 * 1024 ** 2 });
});

test('no perfdata, no output, CRLF and trailing blank lines', () => {
  assert.equal(parseNagiosOutput('OK'), { message: 'OK', long: '', perfdata: [] });
  assert.equal(parseNagiosOutput(''), { message: '', long: '', perfdata: [] });
  assert.equal(parseNagiosOutput('WARN - slow\r\nmore\r\n\r\n'), { message: 'WARN - slow', long: 'more', perfdata: [] });
  assert.equal(parseNagiosOutput('| x=1').message, '');
});

test('units: s/ms/us to seconds, % kept, B/KB/MB/GB/TB to bytes (1024), c a counter, none a number, unknown kept as a number', () => {
  const p = parsePerfdata("time=120ms;200;500;0 t2=3s t3=250us load=0.5 pct=99.5% b=10B kb=2KB mb=1.5MB gb=1GB tb=1TB hits=12345c sig=-67dBm");
  const by = Object.fromEntries(p.map((i) => [i.label, i]));
  assert.equal(by.time, { label: 'time', value: 0.12, unit: 's', warn: '200', crit: '500', min: 0 });
  assert.equal([by.t2!.value, by.t2!.unit], [3, 's']);
  assert.equal([by.t3!.value, by.t3!.unit], [0.00025, 's']);
  assert.equal([by.load!.value, by.load!.unit], [0.5, '']);
  assert.equal([by.pct!.value, by.pct!.unit], [99.5, '%']);
  assert.equal([by.b!.value, by.kb!.value, by.mb!.value, by.gb!.value, by.tb!.value], [10, 2048, 1.5 * 1024 ** 2, 1024 ** 3, 1024 ** 4]);
  assert.ok([by.b, by.kb, by.mb, by.gb, by.tb].every((i) => i!.unit === 'B'));
  assert.equal([by.hits!.value, by.hits!.unit], [12345, 'c']);
  assert.equal([by.sig!.value, by.sig!.unit], [-67, ''], 'an unknown unit keeps its value as a number');
});

test('quoted labels with spaces, = and escaped quotes; U values and junk are skipped; empty thresholds stay out', () => {
  const p = parsePerfdata("'in use'=5 'a=b'=1;;;0;10 'it''s'=2 bad novalue= x=U y=1;;; 'unterminated=3");
  assert.equal(p.map((i) => i.label), ['in use', 'a=b', "it's", 'y']);
  assert.equal(p[1], { label: 'a=b', value: 1, unit: '', min: 0, max: 10 });
  assert.equal(p[3], { label: 'y', value: 1, unit: '' });
  assert.equal(parsePerfdata('a=1,5').map((i) => i.value), [1.5], 'a decimal comma (some locales) reads as a point');
  assert.equal(parsePerfdata('e=1e3 neg=-2.5 dot=.5').map((i) => i.value), [1000, -2.5, 0.5]);
  assert.equal(parsePerfdata('huge=1e308TB ok=1;;;0;1e308TB').map((i) => [i.label, i.max]), [['ok', undefined]], 'values past what JSON carries are dropped');
});

test('at most 20 perfdata items, labels clipped to 64 characters', () => {
  const many = Array.from({ length: 30 }, (_, i) => `m${i}=${i}`).join(' ');
  assert.is(parsePerfdata(many).length, 20);
  assert.is(parsePerfdata(`${'x'.repeat(100)}=1`)[0]!.label.length, 64);
});

test('a script check result: state up for ok/warning, down for critical/unknown; the message says timeouts and odd exits', () => {
  const s = script({ id: 'disk', body: 'exit 0', timeout: 7 });
  const run = (exit: number | null, stdout: string, extra = {}) => scriptCheckResult(1_700_000_000_000, s, { exit, signal: null, timedOut: false, duration: 0.25, stdout, stderr: '', dropped: 0, ...extra });
  const ok = run(0, 'OK - fine | used=5%;80;90\n');
  assert.is(ok.kind, 'script');
  assert.is(ok.state, 'up');
  assert.is(ok.latency, 0.25);
  assert.is(ok.message, 'OK - fine');
  assert.equal(ok.script, { script: 'disk', version: 1, status: 'ok', exit: 0, perfdata: [{ label: 'used', value: 5, unit: '%', warn: '80', crit: '90' }] });
  assert.is(run(1, 'WARNING').state, 'up');
  assert.is(run(2, 'CRITICAL').state, 'down');
  assert.is(run(3, 'UNKNOWN').state, 'down');
  const odd = run(42, 'weird');
  assert.equal([odd.state, odd.script?.status, odd.message], ['down', 'unknown', 'exit 42 is not a Nagios status (0-3): weird']);
  const slow = run(null, '', { signal: 'SIGKILL', timedOut: true });
  assert.equal([slow.state, slow.script?.status, slow.message], ['down', 'unknown', 'timed out after 7 s']);
  assert.is(run(0, '').message, 'exit 0, no output');
  assert.is(readNagios({ exit: 2, timedOut: false, stdout: 'CRIT' }).status, 'critical');
});

test.run();
