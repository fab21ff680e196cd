import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LIMIT_EPISODE_QUIET_MS, createHostLimiter, type HostOverLimit } from '../../ingest/host-limits.js';
import { metrics } from './fixtures.js';

const disk = (mount: string) => ({ mount, fs: 'ext4', total: 100, used: 1, free: 99, usedPercent: 1 });
const nic = (iface: string) => ({ iface, rxRate: 1, txRate: 1 });

test('known keys keep working, new ones past a limit are cut from the sample and counted, one episode event', () => {
  let now = 1_000_000;
  const episodes: HostOverLimit[] = [];
  const limiter = createHostLimiter({ seriesPerHost: 1000, mountsPerHost: 2, interfacesPerHost: 1, containersPerHost: 64 }, { now: () => now }, (e) => episodes.push(e));
  limiter.seed('h', [{ metric: 'disk.used', key: '/' }, { metric: 'cpu.usage', key: '' }]);
  const first = metrics(now, { disks: [disk('/'), disk('/a'), disk('/b')], net: [nic('eth0'), nic('eth1')] });
  const out = limiter.limit('h', first);
  assert.equal(out.disks!.map((d) => d.mount), ['/', '/a']);
  assert.equal(out.net!.map((n) => n.iface), ['eth0']);
  assert.is(out.cpu, first.cpu, 'the rest of the sample is kept');
  assert.is(episodes.length, 1);
  assert.equal({ ...episodes[0], since: 0, lastAt: 0 }, { host: 'h', mounts: 2, interfaces: 1, containers: 0, series: 12 + 2 * 2 + 6, refusedMounts: 1, refusedInterfaces: 1, refusedContainers: 0, since: 0, lastAt: 0 });
  const known = metrics(now, { disks: [disk('/a')], net: [nic('eth0')] });
  assert.is(limiter.limit('h', known), known, 'a sample with known keys only passes untouched');
  now += 1000;
  limiter.limit('h', metrics(now, { disks: [disk('/c')] }));
  assert.is(episodes.length, 1, 'still the same episode');
  assert.is(limiter.overLimit()[0]!.refusedMounts, 2);
  assert.is(limiter.refusedTotal(), 3);
  now += LIMIT_EPISODE_QUIET_MS + 1;
  assert.equal(limiter.overLimit(), [], 'the episode ended after a quiet period');
  limiter.limit('h', metrics(now, { disks: [disk('/d')] }));
  assert.is(episodes.length, 2, 'a new episode, a new event');
});

test('the series limit also bounds new mounts and interfaces', () => {
  const limiter = createHostLimiter({ seriesPerHost: 24, mountsPerHost: 64, interfacesPerHost: 64, containersPerHost: 64 }, { now: () => 0 }, () => undefined);
  // 12 unkeyed series + 2 per mount + 6 per interface (a device's): 3 mounts and 1 interface fit in 24.
  const out = limiter.limit('h', metrics(0, { disks: [disk('/1'), disk('/2'), disk('/3')], net: [nic('a'), nic('b')] }));
  assert.is(out.disks!.length, 3);
  assert.equal(out.net!.map((n) => n.iface), ['a']);
  assert.is(limiter.overLimit()[0]!.series, 24);
});

test('custom series names are bounded per host; known names keep working', () => {
  const limiter = createHostLimiter({ seriesPerHost: 1000, mountsPerHost: 64, interfacesPerHost: 64, containersPerHost: 64 }, { now: () => 0 }, () => undefined);
  const custom = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ name: `c${from + i}`, value: i, unit: '' }));
  const first = limiter.limit('h', metrics(0, { custom: custom(0, 50) }));
  assert.is(first.custom!.length, 50);
  // A publisher inventing new names every sample gets nothing new past the device limit (50)…
  const second = limiter.limit('h', metrics(1, { custom: [...custom(0, 1), ...custom(100, 10)] }));
  assert.equal(second.custom!.map((c) => c.name), ['c0']);
  assert.is(limiter.overLimit()[0]!.refusedInterfaces, 10, 'counted with the refused keyed entries');
});

test('container names are bounded per host (names churn); known names keep working and fill the series budget too', () => {
  const episodes: HostOverLimit[] = [];
  const limiter = createHostLimiter({ seriesPerHost: 1000, mountsPerHost: 64, interfacesPerHost: 64, containersPerHost: 3 }, { now: () => 0 }, (e) => episodes.push(e));
  const box = (name: string) => ({ id: '0123456789ab', name, image: 'busybox', state: 'running' as const, health: 'none' as const, restarts: 0 });
  limiter.seed('h', [{ metric: 'container.cpu', key: 'db' }]);
  const out = limiter.limit('h', metrics(0, { containers: ['db', 'web', 'job-1', 'job-2', 'job-3'].map(box) }));
  assert.equal(out.containers!.map((c) => c.name), ['db', 'web', 'job-1']);
  assert.equal({ containers: episodes[0]!.containers, refusedContainers: episodes[0]!.refusedContainers }, { containers: 3, refusedContainers: 2 });
  const known = metrics(1, { containers: [box('db'), box('job-1')] });
  assert.is(limiter.limit('h', known), known, 'known names pass untouched');
  // 12 unkeyed series + 6 per container: the series limit cuts before the name limit does.
  const tight = createHostLimiter({ seriesPerHost: 12 + 2 * 6, mountsPerHost: 64, interfacesPerHost: 64, containersPerHost: 64 }, { now: () => 0 }, () => undefined);
  assert.equal(tight.limit('h', metrics(0, { disks: [], net: [], containers: ['a', 'b', 'c'].map(box) })).containers!.map((c) => c.name), ['a', 'b']);
});

test.run();
