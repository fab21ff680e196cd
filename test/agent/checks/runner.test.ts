/** The check runner: envelopes, traces of failed runs (real tracepath/traceroute), their rate limit, config key errors. */
import { existsSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Value } from '@sinclair/typebox/value';
import { startCheckRunner, TRACE_EVERY_MS } from '../../../agent/checks/index.js';
import { createNetworkPolicy } from '../../../agent/checks/network-policy.js';
import type { Timers } from '../../../agent/checks/scheduler.js';
import { createTracer } from '../../../agent/checks/trace.js';
import type { ProbeResult } from '../../../agent/checks/types.js';
import { AgentChecksConfig } from '../../../agent/config.js';
import { createLogger } from '../../../core/logger.js';
import { validatePayload, type CheckResultPayload, type CheckSpec } from '../../../protocol/payloads.js';
import { requireProgram, waitFor } from '../../helpers/env.js';

const defaults = (): AgentChecksConfig => Value.Default(AgentChecksConfig, {}) as AgentChecksConfig;
const spec = (id: string, extra: Partial<CheckSpec> = {}): CheckSpec => ({ id, kind: 'tcp', target: '127.0.0.1', port: 1, interval: 10, timeout: 5, ...extra });

/** Real timers with every interval tick fired at once (the timeouts stay real). */
const immediate: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms >= 9000 ? 0 : ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

test('the defaults of agent.checks: 4 at once, everything allowed but link-local', () => {
  assert.equal(defaults(), { concurrency: 4, allow: ['0.0.0.0/0', '::/0'], deny: ['169.254.0.0/16', 'fe80::/10'] });
});

test('a bad network or CA file is an error naming the key', () => {
  assert.throws(() => createNetworkPolicy(['10.0.0.0/8', 'lan'], []), /^agent\.checks\.allow\[1\]: expected a network in CIDR form/);
  assert.throws(() => createNetworkPolicy([], ['10.0.0.0/33']), /agent\.checks\.deny\[0\]/);
  const base = { clock: { now: Date.now }, log: createLogger('test'), publish: () => undefined, clear: () => undefined };
  assert.throws(() => startCheckRunner({ ...base, config: { ...defaults(), ca: '/nonexistent/ca.pem' } }), /^agent\.checks\.ca: cannot read/);
});

test('a failed run gets a trace at most once per check per 10 minutes; an HTTP excerpt replaces it; trace:false has none', async () => {
  let now = Date.UTC(2026, 11, 3);
  const traced: string[] = [];
  const published: Array<[string, CheckResultPayload]> = [];
  const results: Record<string, ProbeResult> = {
    down: { state: 'down', latency: null, message: 'connection refused', address: '127.0.0.1' },
    excerpt: { state: 'down', latency: 0.1, message: 'keyword "x" not found', excerpt: 'body', address: '127.0.0.1' },
    quiet: { state: 'down', latency: null, message: 'connection refused', address: '127.0.0.1' },
  };
  const runner = startCheckRunner({
    config: defaults(),
    clock: { now: () => now },
    log: createLogger('test'),
    timers: immediate,
    random: () => 0,
    tracer: { trace: async (address) => (traced.push(address), `1: ${address} reached`) },
    probes: { tcp: async (s) => results[s.id]! },
    publish: (id, r) => void published.push([id, r]),
    clear: () => undefined,
  });
  try {
    runner.apply({ v: 1, ts: 0, checks: [spec('down'), spec('excerpt'), spec('quiet', { trace: false })] });
    await waitFor('three results', () => published.length >= 3);
    const first = new Map<string, CheckResultPayload>();
    for (const [id, r] of published) if (!first.has(id)) first.set(id, r);
    assert.is(first.get('down')!.trace, '1: 127.0.0.1 reached', JSON.stringify(published.slice(0, 4)) + JSON.stringify(traced));
    assert.is(first.get('excerpt')!.trace, undefined);
    assert.is(first.get('excerpt')!.excerpt, 'body');
    assert.is(first.get('quiet')!.trace, undefined);
    for (const r of first.values()) {
      assert.ok(validatePayload('checkResult', r).ok, 'fits the contract');
      assert.is(r.v, 1);
      assert.is(r.kind, 'tcp');
      assert.is(r.ts, Date.UTC(2026, 11, 3));
      assert.not.ok('address' in r, 'the probed address stays inside the runner');
    }
    assert.equal(traced, ['127.0.0.1']);
    await waitFor('more runs', () => published.filter(([id]) => id === 'down').length >= 3);
    assert.equal(traced, ['127.0.0.1'], 'no second trace within 10 minutes');
    now += TRACE_EVERY_MS;
    const seen = published.length;
    await waitFor('a run after 10 minutes', () => published.slice(seen).some(([id]) => id === 'down'));
    assert.equal(traced, ['127.0.0.1', '127.0.0.1']);
  } finally {
    await runner.close();
  }
});

test('a probe that throws is a down result, and the other checks go on', async () => {
  const published: Array<[string, CheckResultPayload]> = [];
  const runner = startCheckRunner({
    config: defaults(), clock: { now: Date.now }, log: createLogger('test'), timers: immediate, random: () => 0,
    tracer: { trace: async () => null },
    probes: { tcp: async () => { throw new Error('boom'); }, ping: async () => ({ state: 'up', latency: 0.001, message: 'fine' }) },
    publish: (id, r) => void published.push([id, r]), clear: () => undefined,
  });
  try {
    runner.apply({ v: 1, ts: 0, checks: [spec('bad'), spec('good', { kind: 'ping' })] });
    await waitFor('both', () => published.some(([id]) => id === 'bad') && published.some(([id]) => id === 'good'));
    const bad = published.find(([id]) => id === 'bad')![1];
    assert.is(bad.state, 'down');
    assert.is(bad.message, 'probe error: boom');
  } finally {
    await runner.close();
  }
});

test('the real tracer: tracepath, else traceroute, else nothing', async () => {
  if (!requireProgram('tracepath', existsSync('/usr/bin/tracepath') || existsSync('/usr/sbin/tracepath'))) return;
  const text = await createTracer().trace('127.0.0.1');
  assert.ok(text?.includes('127.0.0.1'), String(text));
  const fallback = createTracer([{ program: 'vigie-no-such-tool', args: [] }, { program: 'traceroute', args: ['-n', '-q', '1', '-w', '1', '-m', '15'] }]);
  if (requireProgram('traceroute', existsSync('/usr/sbin/traceroute') || existsSync('/usr/bin/traceroute'))) {
    assert.match(String(await fallback.trace('127.0.0.1')), /traceroute to 127\.0\.0\.1/);
  }
  assert.is(await createTracer([{ program: 'vigie-no-such-tool', args: [] }]).trace('127.0.0.1'), null);
  assert.is(await createTracer().trace('-n'), null, 'never an option');
});

test.run();
