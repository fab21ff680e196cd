/**
 * The request runner on its own (no broker): what it checks against the
 * agent's own report, the timeout, the real journalctl call, and answers
 * kept under the payload limit.
 */
import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkMount, checkService, fitPayload, startDiagnostics } from '../../../agent/diagnostics/index.js';
import { parseJournal } from '../../../agent/diagnostics/service-log.js';
import { createLogger } from '../../../core/logger.js';
import { systemClock } from '../../../core/time.js';
import { encodePayload, MAX_PAYLOAD_BYTES, type CommandResponsePayload } from '../../../protocol/payloads.js';
import { waitFor } from '../../helpers/env.js';

function runner(opts: { services?: string[] | null; journalUnavailable?: () => Promise<string | null> } = {}) {
  const answers: CommandResponsePayload[] = [];
  const diagnostics = startDiagnostics({
    clock: systemClock,
    log: createLogger('test'),
    mounts: () => ['/'],
    services: () => opts.services ?? null,
    respond: (_id, payload) => answers.push(payload),
    ...(opts.journalUnavailable ? { journalUnavailable: opts.journalUnavailable } : {}),
  });
  const request = (id: string, body: object): void =>
    diagnostics.handle(id, Buffer.from(JSON.stringify({ v: 1, ts: Date.now(), id, timeout: 5, ...body })));
  const answer = (id: string): Promise<CommandResponsePayload> => waitFor(`answer ${id}`, () => answers.find((a) => a.id === id));
  return { diagnostics, request, answer, answers };
}

test('mounts and services are checked against what the agent reports', () => {
  assert.is(checkMount('/', ['/', '/boot']), '/');
  assert.throws(() => checkMount('/boot/../etc', ['/', '/boot']), /"\.\."/);
  assert.throws(() => checkMount('/home', ['/', '/boot']), /not a mount this agent reports \(\/, \/boot\)/);
  assert.is(checkService('nginx', ['cron.service', 'nginx.service']), 'nginx.service', 'the reported name is used');
  assert.throws(() => checkService('apache2', ['nginx.service']), /not a service this agent reports/);
  assert.is(checkService('anything-well-formed', null), 'anything-well-formed', 'no list: the schema pattern holds');
});

test('service-log refuses a service the agent does not report', async () => {
  const r = runner({ services: ['nginx.service'], journalUnavailable: async () => 'no journal in this test' });
  r.request('s1', { action: 'service-log', args: { service: 'apache2' } });
  const res = await r.answer('s1');
  assert.ok(!res.ok && res.error.code === 'VIGIE_ERR_BAD_REQUEST', JSON.stringify(res));
  r.request('s2', { action: 'service-log', args: { service: 'nginx' } });
  const ok = await r.answer('s2');
  assert.equal(ok.ok && ok.action === 'service-log' ? ok.data : null, { service: 'nginx.service', source: 'none', lines: [], note: 'no journal in this test' });
  await r.diagnostics.close();
});

test('a request waiting behind a stuck one still answers by its own deadline, and the queue moves on', async () => {
  let release: (v: string | null) => void = () => {};
  const r = runner({ journalUnavailable: () => new Promise((resolve) => { release = resolve; }) });
  r.request('stuck', { action: 'service-log', args: { service: 'cron' }, timeout: 30 });
  r.request('queued', { action: 'service-log', args: { service: 'cron' }, timeout: 0.5 });
  assert.is(r.diagnostics.stats().waiting, 1);
  const res = await r.answer('queued');
  assert.ok(!res.ok && res.error.code === 'VIGIE_ERR_UNAVAILABLE', JSON.stringify(res));
  assert.match(!res.ok ? res.error.message : '', /timed out after 0.5 s waiting for other diagnoses/);
  assert.is(r.diagnostics.stats().waiting, 0);
  release('no journal in this test');
  const first = await r.answer('stuck');
  assert.ok(first.ok, JSON.stringify(first));
  r.request('after', { action: 'service-log', args: { service: 'cron' } });
  assert.ok((await r.answer('after')).ok, 'the next request runs once the first is done');
  await r.diagnostics.close();
});

test('the request timeout is honoured even if the action never finishes', async () => {
  const r = runner({ journalUnavailable: () => new Promise(() => {}) });
  r.request('slow', { action: 'service-log', args: { service: 'cron' }, timeout: 0.5 });
  const res = await r.answer('slow');
  assert.ok(!res.ok && res.error.code === 'VIGIE_ERR_UNAVAILABLE', JSON.stringify(res));
  assert.match(!res.ok ? res.error.message : '', /timed out after 0.5 s/);
  await r.diagnostics.close(); // bounded even with the action stuck
});

const hasJournalctl = ((): boolean => {
  try {
    execFileSync('journalctl', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

test('with a journal, journalctl runs with the name as one argument and its output is cut to lines', async () => {
  if (!hasJournalctl) return console.log('SKIP (this test): journalctl is not installed');
  const r = runner({ journalUnavailable: async () => null });
  r.request('j1', { action: 'service-log', args: { service: 'vigie-no-such-unit.service', lines: 3 } });
  const res = await r.answer('j1');
  assert.ok(res.ok && res.action === 'service-log', JSON.stringify(res));
  if (res.ok && res.action === 'service-log') {
    assert.is(res.data.source, 'journalctl');
    assert.ok(res.data.lines.length <= 3);
    assert.not.ok(res.data.lines.some((l) => l.startsWith('-- ')), 'journalctl markers left out');
  }
  await r.diagnostics.close();
});

test('journal output is cut: last lines, markers dropped, control characters replaced, long lines shortened', () => {
  const out = ['-- Boot 1 --', 'one', 'two\u0007bell', 'x'.repeat(900), 'four', '-- No entries --', ''].join('\n');
  const lines = parseJournal(out, 3);
  assert.equal(lines.map((l) => l.length), [8, 500, 4]);
  assert.is(lines[0], 'two?bell');
});

test('an answer that would pass the payload limit is trimmed to fit', () => {
  // 50 lines of 500 two-byte characters: ~50 KB of UTF-8, under the limit; as control characters
  // (escaped \u0001 by JSON, 6 bytes each) they would need ~150 KB.
  const answer = (char: string): CommandResponsePayload => ({
    v: 1, ts: Date.now(), id: 'fit', action: 'service-log', ok: true,
    data: { service: 'x', source: 'journalctl', lines: Array.from({ length: 50 }, (_, i) => `${i} `.padEnd(500, char)) },
  });
  const small = answer('é');
  assert.is(fitPayload(small), small, 'an answer under the limit is left as it is');
  const huge = answer('\u0001');
  const fitted = fitPayload(huge);
  assert.ok(Buffer.byteLength(encodePayload('commandResponse', fitted)) <= MAX_PAYLOAD_BYTES);
  if (fitted.ok && fitted.action === 'service-log' && huge.ok && huge.action === 'service-log') {
    assert.ok(fitted.data.lines.length < 50 && fitted.data.lines.length > 10, `${fitted.data.lines.length} lines kept`);
    assert.is(fitted.data.lines.at(-1), huge.data.lines.at(-1), 'the newest lines are kept');
  }
});

test.run();
