import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { harness, info, metrics, settingsOf } from './harness.js';

/** Feeds `values` one every `every` seconds (the first at the current time). */
function series(h: ReturnType<typeof harness>, key: 'cpu' | 'mem', values: number[], every = 10): void {
  for (const v of values) {
    h.feed('h', { [key]: v });
    h.advance(every);
  }
}

test('fires only once the level has held for its `for` duration (120 s)', () => {
  const h = harness();
  h.feed('h', { cpu: 90 });
  assert.equal(h.kinds('cpu'), ['pending:warning']);
  assert.is(h.activeOf('cpu')?.state, 'pending');
  for (let s = 10; s < 120; s += 10) {
    h.advance(10);
    h.feed('h', { cpu: 90 });
  }
  assert.equal(h.kinds('cpu'), ['pending:warning'], 'not yet at 110 s');
  h.advance(10);
  h.feed('h', { cpu: 90 });
  assert.equal(h.kinds('cpu'), ['pending:warning', 'firing:warning']);
  const a = h.activeOf('cpu');
  assert.is(a?.state, 'firing');
  assert.is(a?.since, h.now - 120_000);
  assert.is(a?.firedAt, h.now);
  assert.is(a?.threshold, 85);
  assert.is(a?.value, 90);
  assert.equal(a?.metric, { metric: 'cpu.usage', key: '' });
});

test('a pending alert whose value drops before `for` is cleared, never fired', () => {
  const h = harness();
  series(h, 'cpu', [90, 91, 92, 93, 90, 88, 50, 50]);
  h.advance(600);
  h.engine.tick();
  assert.equal(h.kinds('cpu'), ['pending:warning', 'cleared:warning']);
  assert.is(h.events.find((e) => e.kind === 'cleared')?.cause, 'recovered');
  assert.is(h.activeOf('cpu'), undefined);
});

test('tick() fires a pending alert whose `for` elapses without a new sample', () => {
  const h = harness();
  h.engine.status('h', { v: 1, state: 'online', reason: 'connected', agent: '1', interval: 300 });
  h.feed('h', { mem: 97 });
  h.advance(119);
  h.engine.tick();
  assert.equal(h.kinds('mem'), ['pending:critical']);
  h.advance(1);
  h.engine.tick();
  assert.equal(h.kinds('mem'), ['pending:critical', 'firing:critical']);
});

test('resolves only once the value goes below threshold − hysteresis', () => {
  const h = harness();
  series(h, 'cpu', Array(13).fill(90));
  assert.equal(h.kinds('cpu'), ['pending:warning', 'firing:warning']);
  series(h, 'cpu', [84, 82, 80.5, 80]);
  assert.is(h.activeOf('cpu')?.state, 'firing', 'still firing down to 80 (85 − 5)');
  series(h, 'cpu', [79.9]);
  assert.equal(h.kinds('cpu'), ['pending:warning', 'firing:warning', 'resolved:warning']);
  const resolved = h.events.at(-1)!;
  assert.is(resolved.alert.state, 'resolved');
  assert.is(resolved.alert.resolvedAt, h.now - 10_000);
  assert.is(resolved.cause, 'recovered');
});

test('a value wobbling inside the hysteresis band keeps the pending alert, which fires only while over the threshold', () => {
  const h = harness();
  series(h, 'cpu', [86, 82, 82, 82, 82, 82, 82, 82, 82, 82, 82, 82, 82, 82]);
  assert.equal(h.kinds('cpu'), ['pending:warning'], 'not fired while under 85');
  series(h, 'cpu', [85]);
  assert.equal(h.kinds('cpu'), ['pending:warning', 'firing:warning']);
  assert.is(h.activeOf('cpu')?.since, h.now - 150_000, 'pending since the first 86');
});

test('a noisy series oscillating ±3 around the threshold fires exactly once and never flaps', () => {
  const h = harness();
  // 85 ± 3 every 10 s for an hour: crosses 85 at nearly every sample.
  let seed = 7;
  const noise = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 6 - 3;
  for (let i = 0; i < 360; i++) {
    h.feed('h', { cpu: 85 + (i % 2 ? 3 : -3) * 0.5 + noise() * 0.5 });
    h.advance(10);
  }
  const kinds = h.kinds('cpu');
  assert.equal(kinds.filter((k) => k.startsWith('firing')).length, 1);
  assert.equal(kinds, ['pending:warning', 'firing:warning']);
  assert.is(h.activeOf('cpu')?.state, 'firing');
});

test('escalates warning → critical after the critical level holds for `for`, and de-escalates below critical − hysteresis', () => {
  const h = harness();
  series(h, 'cpu', Array(13).fill(90));
  series(h, 'cpu', [97, 97, 97]);
  assert.equal(h.kinds('cpu'), ['pending:warning', 'firing:warning'], 'a short critical spike does not escalate');
  series(h, 'cpu', Array(13).fill(97));
  assert.equal(h.kinds('cpu'), ['pending:warning', 'firing:warning', 'escalated:critical']);
  assert.is(h.events.at(-1)?.previousSeverity, 'warning');
  assert.is(h.activeOf('cpu')?.threshold, 95);
  series(h, 'cpu', [92, 90.5]);
  assert.is(h.activeOf('cpu')?.severity, 'critical', 'stays critical down to 90 (95 − 5)');
  series(h, 'cpu', [89]);
  assert.equal(h.kinds('cpu').at(-1), 'deescalated:warning');
  assert.is(h.events.at(-1)?.previousSeverity, 'critical');
  assert.is(h.activeOf('cpu')?.threshold, 85);
  series(h, 'cpu', [50]);
  assert.equal(h.kinds('cpu').at(-1), 'resolved:warning');
});

test('a value already critical for `for` fires as critical directly', () => {
  const h = harness();
  series(h, 'mem', Array(13).fill(99));
  assert.equal(h.kinds('mem'), ['pending:critical', 'firing:critical']);
});

test('disk alerts are per mount, fire at once (for 0) and end when the mount disappears', () => {
  const h = harness();
  h.feed('h', { disks: { '/': 50, '/var': 90, '/data': 97 } });
  assert.equal(h.kinds('disk:/'), []);
  assert.equal(h.kinds('disk:/var'), ['firing:warning']);
  assert.equal(h.kinds('disk:/data'), ['firing:critical']);
  assert.equal(h.activeOf('disk:/var')?.metric, { metric: 'disk.usedPercent', key: '/var' });
  h.advance(10);
  h.feed('h', { cpu: 10 }); // the disk collector failed this time: alerts stay
  assert.is(h.engine.active('h').length, 2);
  h.advance(10);
  h.feed('h', { disks: { '/': 50, '/var': 83 } }); // /data unmounted, /var inside its band
  assert.equal(h.kinds('disk:/data'), ['firing:critical', 'resolved:critical']);
  assert.is(h.events.at(-1)?.cause, 'gone');
  assert.is(h.activeOf('disk:/var')?.state, 'firing');
});

test('a mount listed twice in one sample counts with its last entry, whichever of the two is over the level', () => {
  const h = harness();
  const sample = (first: number, last: number) => {
    const m = metrics(h.now, { disks: { '/var': first } });
    m.disks!.push({ ...m.disks![0]!, usedPercent: last });
    h.engine.sample('h', m);
  };
  sample(97, 10); // the quiet last entry wins: no alert, though the first is critical
  assert.equal(h.kinds('disk:/var'), []);
  h.advance(10);
  sample(10, 97);
  assert.equal(h.kinds('disk:/var'), ['firing:critical']);
  h.advance(10);
  sample(97, 10); // and it ends the alert the same way
  assert.equal(h.kinds('disk:/var'), ['firing:critical', 'resolved:critical']);
});

test('per-host override beats the defaults: disabled rule, other threshold', () => {
  const h = harness(settingsOf({
    defaults: { mem: { for: 0 } },
    hosts: { quiet: { mem: { enabled: false } }, db: { mem: { warning: 60, critical: 70 } } },
  }));
  for (const host of ['web', 'quiet', 'db']) h.feed(host, { mem: 75 });
  assert.equal(h.kinds('mem', 'web'), [], 'web uses the default 85');
  assert.equal(h.kinds('mem', 'quiet'), []);
  assert.equal(h.kinds('mem', 'db'), ['firing:critical']);
  assert.is(h.activeOf('mem', 'db')?.threshold, 70);
  h.advance(10);
  for (const host of ['web', 'quiet']) h.feed(host, { mem: 90 });
  assert.equal(h.kinds('mem', 'web'), ['firing:warning']);
  assert.equal(h.kinds('mem', 'quiet'), [], 'disabled for quiet even over the default');
});

test('disabling a rule in the settings ends its alert at the next tick, with cause `disabled`', () => {
  const h = harness(settingsOf({ defaults: { swap: { for: 0 } } }));
  h.feed('h', { swap: 90 });
  assert.equal(h.kinds('swap'), ['firing:critical']);
  h.setSettings(settingsOf({ defaults: { swap: { for: 0 } }, hosts: { h: { swap: { enabled: false } } } }));
  h.engine.tick();
  assert.equal(h.kinds('swap'), ['firing:critical', 'resolved:critical']);
  assert.is(h.events.at(-1)?.cause, 'disabled');
});

test('load is divided by the core count from the info payload, and waits for it', () => {
  const h = harness(settingsOf({ defaults: { load: { for: 0 } } }));
  h.feed('h', { load1: 8 });
  assert.equal(h.kinds('load'), [], 'no core count yet: skipped');
  h.engine.info('h', info(h.now, 8));
  h.advance(10);
  h.feed('h', { load1: 8 });
  assert.equal(h.kinds('load'), [], '8 on 8 cores is 1 per core');
  h.engine.info('h', info(h.now, 4));
  h.advance(10);
  h.feed('h', { load1: 8 });
  assert.equal(h.kinds('load'), ['firing:warning'], '8 on 4 cores is 2 per core');
  const a = h.activeOf('load');
  assert.is(a?.value, 2);
  assert.is(a?.unit, 'perCore');
  assert.is(a?.threshold, 1.5);
  assert.equal(a?.metric, { metric: 'cpu.load1', key: '' });
});

test('load falls back to the metrics payload\'s own core count', () => {
  const h = harness(settingsOf({ defaults: { load: { for: 0 } } }));
  h.feed('h', { load1: 14, cores: 4 });
  assert.equal(h.kinds('load'), ['firing:critical']);
});

test('temperature: a null reading leaves the alert as it is', () => {
  const h = harness(settingsOf({ defaults: { temperature: { for: 0 } } }));
  h.feed('h', { temperature: 80 });
  assert.equal(h.kinds('temperature'), ['firing:warning']);
  assert.is(h.activeOf('temperature')?.unit, 'celsius');
  h.advance(10);
  h.feed('h', { temperature: null });
  assert.is(h.activeOf('temperature')?.value, 80);
  h.advance(10);
  h.feed('h', { temperature: 60 });
  assert.equal(h.kinds('temperature'), ['firing:warning', 'resolved:warning']);
});

test('an older sample (agent backlog) and a redelivered one do not change the current state', () => {
  const h = harness(settingsOf({ defaults: { cpu: { for: 0 } } }));
  h.feed('h', { cpu: 50 });
  const ts = h.now;
  h.advance(10);
  h.engine.sample('h', { v: 1, ts: ts - 60_000, cpu: { usage: 99, load1: 0, load5: 0, load15: 0 } });
  h.engine.sample('h', { v: 1, ts, cpu: { usage: 99, load1: 0, load5: 0, load15: 0 } });
  assert.equal(h.kinds('cpu'), []);
});

test('removeHost ends its alerts with cause `removed` and forgets it', () => {
  const h = harness();
  h.feed('h', { disks: { '/': 99 } });
  h.engine.removeHost('h');
  assert.equal(h.kinds('disk:/'), ['firing:critical', 'resolved:critical']);
  assert.is(h.events.at(-1)?.cause, 'removed');
  assert.equal(h.engine.active(), []);
});

test('a throwing listener does not stop the others nor the engine', () => {
  const h = harness(settingsOf({ defaults: { cpu: { for: 0 } } }));
  const seen: string[] = [];
  h.engine.onTransition(() => { throw new Error('boom'); }, 'bad');
  const off = h.engine.onTransition((t) => seen.push(t.kind), 'good');
  h.feed('h', { cpu: 99 });
  assert.equal(seen, ['firing']);
  off();
  h.advance(10);
  h.feed('h', { cpu: 10 });
  assert.equal(seen, ['firing'], 'unsubscribed');
  assert.equal(h.kinds('cpu'), ['firing:critical', 'resolved:critical']);
});

test.run();
