/**
 * Diagnosis end to end through the real wiring of `vigie up` (broker with
 * authentication and topic ACL on): the ingest asks the local agent over
 * `cmd/req/<id>` and gets its answer from `cmd/res/<id>`.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor } from '../helpers/env.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

let up: TestStack;
let hostId: string;
/** A mount the local agent reports in its metrics: `/` when it does, else its first. */
let mount: string;

test.before(async () => {
  up = await startTestStack('up');
  hostId = up.stack.agent!.hostId;
  const disks = await waitFor('the local agent reporting its disks', () => up.stack.ingest!.getHost(hostId)?.latest?.disks);
  const mounts = disks.map((d) => d.mount);
  mount = mounts.includes('/') ? '/' : mounts[0]!;
});
test.after(async () => {
  await up.close();
});

test('top: the agent\'s own processes, by CPU and by memory', async () => {
  const res = await up.stack.ingest!.command(hostId, 'top', { limit: 5 }, { timeoutMs: 5000 });
  assert.ok(res.ok, JSON.stringify(res));
  if (!res.ok) return;
  assert.is(res.data.byCpu.length, 5);
  assert.is(res.data.byMem.length, 5);
  assert.ok(res.data.cores >= 1);
  assert.ok(res.data.byMem.every((p, i) => i === 0 || res.data.byMem[i - 1]!.rss >= p.rss), 'byMem largest first');
  assert.ok(res.data.byCpu.every((p, i) => i === 0 || res.data.byCpu[i - 1]!.cpu >= p.cpu), 'byCpu largest first');
  // This test process runs the whole stack: a node process with tens of MiB resident is among the largest.
  assert.ok(res.data.byMem.some((p) => p.pid === process.pid) || res.data.byMem[0]!.rss > 10 * 1024 * 1024);
});

test('du of a mount the agent reports: depth 1 within a short budget', async () => {
  // The agent gets the wait minus 1 s, and walks at most that minus 0.2 s.
  const res = await up.stack.ingest!.command(hostId, 'du', { mount, depth: 1, limit: 5 }, { timeoutMs: 3000 });
  assert.ok(res.ok, JSON.stringify(res));
  if (!res.ok) return;
  assert.is(res.data.mount, mount);
  assert.ok(res.data.entries.length > 0 && res.data.entries.length <= 5, `${res.data.entries.length} entries`);
  const prefix = mount.endsWith('/') ? mount : `${mount}/`;
  for (const e of res.data.entries) {
    assert.ok(e.path.startsWith(prefix) && !e.path.slice(prefix.length).includes('/'), `${e.path} is one level below ${mount}`);
  }
  assert.ok(res.data.entries.every((e, i) => i === 0 || res.data.entries[i - 1]!.bytes >= e.bytes), 'largest first');
  assert.ok(res.data.elapsed <= 2.5, `walk took ${res.data.elapsed} s`);
  assert.ok(res.data.total >= res.data.entries[0]!.bytes);
});

test('refusals come back through the same channel', async () => {
  const notReported = await up.stack.ingest!.command(hostId, 'du', { mount: '/definitely/not/a/mount' }, { timeoutMs: 3000 });
  assert.is(!notReported.ok && notReported.error.code, 'VIGIE_ERR_BAD_REQUEST');
  assert.match(!notReported.ok ? notReported.error.message : '', /not a mount this agent reports/);
  const log = await up.stack.ingest!.command(hostId, 'service-log', { service: 'vigie-test-none', lines: 3 }, { timeoutMs: 5000 });
  // With systemd the service must be one the agent lists (it is not); without, there is no log source.
  if (log.ok) assert.is(log.data.source, 'none');
  else assert.is(log.error.code, 'VIGIE_ERR_BAD_REQUEST');
});

test('another host gets no answer: nobody else can reply for it', async () => {
  const res = await up.stack.ingest!.command('no-such-host', 'top', {}, { timeoutMs: 1000 });
  assert.is(!res.ok && res.error.code, 'VIGIE_ERR_UNAVAILABLE');
});

test.run();
