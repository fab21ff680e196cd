import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { io, type Socket } from 'socket.io-client';
import type { HostSummary } from '../../../ingest/types.js';
import type { LiveEvents } from '../../../dashboard/server/live.js';
import { waitFor } from '../../helpers/env.js';
import { connectClient } from '../../helpers/mqtt.js';
import { infoPayload, metricsPayload, startDashboardStack, statusPayload, type DashboardStack } from '../stack.js';

type Env<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };

let s: DashboardStack;
const sockets: Socket[] = [];

async function connect(cookie = s.admin.cookieHeader()): Promise<Socket> {
  const socket = io(s.url, { path: '/socket.io', transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { cookie } });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

function ask<T>(socket: Socket, event: string, arg?: unknown): Promise<Env<T>> {
  return new Promise((resolve) => (arg === undefined ? socket.emit(event, resolve) : socket.emit(event, arg, resolve)));
}

test.before(async () => {
  s = await startDashboardStack({ overviewThrottle: 1 });
});

test.after(async () => {
  for (const socket of sockets) socket.disconnect();
  await s?.close();
});

test('a client in a host room gets that host\'s samples, and only those', async () => {
  const socket = await connect();
  const joined = await ask<{ host: string }>(socket, 'subscribe', { host: 'RoomHost' });
  assert.equal(joined, { ok: true, data: { host: 'roomhost' } });
  const got: Array<LiveEvents['sample']> = [];
  socket.on('sample', (e: LiveEvents['sample']) => got.push(e));
  await s.publish('otherhost', 'metrics', metricsPayload(5));
  await s.publish('roomhost', 'metrics', metricsPayload(77));
  await waitFor('a sample for roomhost', () => got.length > 0);
  assert.is(got[0]?.host, 'roomhost');
  assert.is(got[0]?.metrics.cpu?.usage, 77);
  assert.ok(got.every((e) => e.host === 'roomhost'), 'no sample of another host');

  await ask(socket, 'unsubscribe', { host: 'roomhost' });
  const before = got.length;
  await s.publish('roomhost', 'metrics', metricsPayload(78));
  // A second client still subscribed proves the sample went out; the first must not have it.
  const witness = await connect();
  await ask(witness, 'subscribe', { host: 'roomhost' });
  const seen: number[] = [];
  witness.on('sample', (e: LiveEvents['sample']) => seen.push(e.metrics.cpu?.usage ?? -1));
  await s.publish('roomhost', 'metrics', metricsPayload(79));
  await waitFor('the witness sample', () => seen.includes(79));
  assert.is(got.length, before, 'unsubscribed client got nothing more');
});

test('the overview stream is throttled: many samples in 1 s give at most 2 updates, the last with the newest values', async () => {
  const socket = await connect();
  const list = await ask<HostSummary[]>(socket, 'overview');
  assert.ok(list.ok && Array.isArray(list.data));
  const updates: HostSummary[] = [];
  socket.on('hosts', (hs: HostSummary[]) => { for (const h of hs) if (h.id === 'busy') updates.push(h); });

  await s.publish('busy', 'status', statusPayload());
  await waitFor('the first overview update of busy', () => updates.length > 0);
  updates.length = 0;

  const base = Date.now();
  await Promise.all(Array.from({ length: 20 }, (_, i) => s.publish('busy', 'metrics', metricsPayload(40 + i, base + i))));
  const sentWithin = Date.now() - base;
  await waitFor('an update carrying the newest sample', () => updates.some((h) => h.latest?.cpu?.usage === 59), 5000);
  await new Promise((r) => setTimeout(r, 1300)); // let a stray extra update show up if there were one
  assert.ok(sentWithin < 1000, `20 samples published within 1 s (took ${sentWithin} ms)`);
  assert.ok(updates.length >= 1 && updates.length <= 2, `at most 2 updates, got ${updates.length}`);
  assert.is(updates.at(-1)?.latest?.cpu?.usage, 59, 'the last update carries the newest values');
  assert.ok(s.dashboard.live().overviewUpdates > 0);
});

/** Joins the overview stream and collects each `hosts` frame that holds a host named `prefix`…: its host ids. */
async function overviewFrames(prefix: string): Promise<string[][]> {
  const socket = await connect();
  await ask(socket, 'overview');
  const frames: string[][] = [];
  socket.on('hosts', (hs: HostSummary[]) => {
    if (hs.some((h) => h.id.startsWith(prefix))) frames.push(hs.map((h) => h.id));
  });
  return frames;
}

test('hosts changing together share one overview frame, each host once in it', async () => {
  const frames = await overviewFrames('fleet-');
  const ids = Array.from({ length: 10 }, (_, i) => `fleet-${i}`);
  const base = Date.now();
  await Promise.all(ids.flatMap((id, i) => [s.publish(id, 'metrics', metricsPayload(i, base)), s.publish(id, 'metrics', metricsPayload(i + 1, base + 1))]));
  await waitFor('every host in the overview stream', () => ids.every((id) => frames.some((f) => f.includes(id))), 5000);
  await new Promise((r) => setTimeout(r, 1300)); // the trailing batch, if any
  assert.ok(frames.some((f) => f.filter((id) => id.startsWith('fleet-')).length >= 2), `several hosts in one frame (frames: ${JSON.stringify(frames)})`);
  assert.ok(frames.every((f) => new Set(f).size === f.length), 'each host once per frame');
  assert.ok(frames.length <= 4, `a few frames for 10 hosts, 20 samples (got ${frames.length})`);
});

test('a large batch goes out 100 hosts per frame at most, every host in it', async () => {
  const frames = await overviewFrames('crowd-');
  const ids = Array.from({ length: 250 }, (_, i) => `crowd-${i}`);
  await Promise.all(ids.map((id, i) => s.publish(id, 'metrics', metricsPayload(i % 100))));
  await waitFor('every host in the overview stream', () => ids.every((id) => frames.some((f) => f.includes(id))), 10_000);
  assert.ok(frames.every((f) => f.length <= 100), `frame sizes ${frames.map((f) => f.length).join(', ')}`);
  assert.ok(frames.some((f) => f.length === 100), `a full frame (sizes ${frames.map((f) => f.length).join(', ')})`);
});

test('overview frames carry each host\'s label as it is when the batch goes out', async () => {
  const socket = await connect();
  await ask(socket, 'overview');
  const labels = new Map<string, Array<string | null>>();
  socket.on('hosts', (hs: Array<HostSummary & { label: string | null }>) => {
    for (const h of hs) if (h.id.startsWith('tagged-')) labels.set(h.id, [...(labels.get(h.id) ?? []), h.label]);
  });
  s.accounts.hostAccess.setLabel('tagged-a', 'Lab bench <1>');
  await Promise.all([s.publish('tagged-a', 'metrics', metricsPayload(1)), s.publish('tagged-b', 'metrics', metricsPayload(2))]);
  await waitFor('both hosts in the overview stream', () => labels.has('tagged-a') && labels.has('tagged-b'), 5000);
  assert.is(labels.get('tagged-a')![0], 'Lab bench <1>');
  assert.is(labels.get('tagged-b')![0], null);
  s.accounts.hostAccess.setLabel('tagged-a', 'Spare box');
  await s.publish('tagged-a', 'metrics', metricsPayload(3, Date.now() + 1));
  await waitFor('the renamed host in the overview stream', () => labels.get('tagged-a')!.includes('Spare box'), 5000);
});

/** The CPU usage of an overview entry's sample. */
const usage = (h: Record<string, unknown>): number | undefined => (h.latest as { cpu?: { usage?: number } } | null)?.cpu?.usage;

/** Every `hosts` entry of `id` on this socket, as received. */
function entriesOf(socket: Socket, id: string): Array<Record<string, unknown>> {
  const got: Array<Record<string, unknown>> = [];
  socket.on('hosts', (hs: Array<Record<string, unknown>>) => {
    for (const h of hs) if (h.id === id) got.push(h);
  });
  return got;
}

test('compact overview frames leave out the info and status a socket holds, and carry them again once they change', async () => {
  await s.publish('compact-a', 'status', statusPayload());
  await s.publish('compact-a', 'info', infoPayload('first-name'));
  await waitFor('compact-a known with its info', () => s.ingest.getHost('compact-a')?.info?.hostname === 'first-name');
  const compact = await connect();
  const list = await ask<Array<HostSummary & { label: string | null }>>(compact, 'overview', { omitUnchanged: true });
  assert.is(list.ok && list.data.find((h) => h.id === 'compact-a')?.info?.hostname, 'first-name', 'the answer is whole');
  const full = await connect();
  await ask(full, 'overview');
  const small = entriesOf(compact, 'compact-a');
  const whole = entriesOf(full, 'compact-a');

  // The admins' compact frames are one broadcast: the first after joining may carry what its answer did.
  await s.publish('compact-a', 'metrics', metricsPayload(10, Date.now()));
  await waitFor('a first sample', () => small.some((h) => usage(h) === 10));
  await s.publish('compact-a', 'metrics', metricsPayload(11, Date.now() + 1));
  await waitFor('the sample in both streams', () => small.some((h) => usage(h) === 11) && whole.some((h) => usage(h) === 11));
  const sample = small.find((h) => usage(h) === 11)!;
  assert.ok(!('info' in sample) && !('status' in sample), `held parts left out: ${Object.keys(sample).join(', ')}`);
  assert.equal(Object.keys(sample).sort(), ['firstSeen', 'id', 'label', 'lastSeen', 'latest', 'presence', 'reason', 'state']);
  assert.ok(whole.every((h) => (h.info as { hostname?: string } | null)?.hostname === 'first-name' && h.status !== undefined), 'a socket that did not ask gets whole summaries');

  // The agent restarts with a new hostname: the next entry carries the new info, the one after leaves it out again.
  await s.publish('compact-a', 'info', infoPayload('second-name'));
  await waitFor('the new info in the compact stream', () => small.some((h) => (h.info as { hostname?: string } | undefined)?.hostname === 'second-name'), 5000);
  const before = small.length;
  await s.publish('compact-a', 'metrics', metricsPayload(12, Date.now() + 2));
  await waitFor('the next sample', () => small.slice(before).some((h) => usage(h) === 12), 5000);
  assert.ok(small.slice(before).every((h) => !('info' in h)), 'the new info is held now');

  // Asking again in full leaves the compact room: whole summaries, once per batch.
  await ask(compact, 'overview');
  const after = small.length;
  await s.publish('compact-a', 'metrics', metricsPayload(13, Date.now() + 3));
  await waitFor('a whole summary', () => small.slice(after).some((h) => usage(h) === 13), 5000);
  assert.ok(small.slice(after).every((h) => (h.info as { hostname?: string } | null)?.hostname === 'second-name'), 'whole again');
  assert.is(new Set(small.slice(after).map((h) => (h.latest as { ts: number }).ts)).size, small.slice(after).length, 'not sent twice (one room)');
});

test('overview options are checked: a wrong one is refused, naming the field', async () => {
  const socket = await connect();
  for (const bad of [{ omitUnchanged: 'yes' }, 'compact', 42]) {
    const answer = await ask(socket, 'overview', bad);
    assert.is(answer.ok, false, JSON.stringify(bad));
    if (!answer.ok) {
      assert.is(answer.error.code, 'VIGIE_ERR_BAD_REQUEST');
      assert.match(answer.error.message, /omitUnchanged: true \| false/);
    }
  }
  const good = await ask<HostSummary[]>(socket, 'overview', { omitUnchanged: false });
  assert.ok(good.ok && Array.isArray(good.data));
});

test('bad socket messages are answered with an error ack and ignored', async () => {
  const socket = await connect();
  const bad = await ask(socket, 'subscribe', { host: '+/#' });
  assert.is(bad.ok, false);
  if (!bad.ok) {
    assert.is(bad.error.code, 'VIGIE_ERR_BAD_HOST_ID');
    assert.match(bad.error.message, /subscribe: host id/);
  }
  const notObject = await ask(socket, 'subscribe', 'mypc');
  assert.is(notObject.ok, false);
  if (!notObject.ok) assert.match(notObject.error.message, /expected \{ host: "<host id>" \}/);
  const tooLong = await ask(socket, 'unsubscribe', { host: 'x'.repeat(300) });
  assert.is(tooLong.ok, false);
  socket.emit('subscribe', null); // no ack at all: must not throw on the server
  socket.emit('subscribe', { host: 42 });
  const still = await ask<{ host: string }>(socket, 'subscribe', { host: 'fine' });
  assert.equal(still, { ok: true, data: { host: 'fine' } }, 'the connection still works');
  assert.ok(s.dashboard.live().invalid >= 5);
});

test('MQTT over WebSocket at /mqtt works beside Socket.IO on the same server', async () => {
  const client = await connectClient(`${s.url.replace('http', 'ws')}/mqtt`, { clientId: 'ws-beside-socketio' });
  assert.ok(client.connected);
  client.end(true);
});

test('close() detaches the dashboard and leaves the shared HTTP server to its owner', async () => {
  await s.dashboard.close();
  await s.dashboard.close(); // idempotent
  const res = await fetch(`${s.url}/api/health`);
  assert.is(res.status, 503);
  const body = (await res.json()) as Env<unknown>;
  assert.is(body.ok, false);
  const client = await connectClient(`${s.url.replace('http', 'ws')}/mqtt`, { clientId: 'ws-after-close' });
  assert.ok(client.connected, 'the broker\'s WebSocket still answers');
  client.end(true);
});

test.run();
