/**
 * The Docker Engine API parsers on recorded answers (podman 4.3's, recorded
 * by podman.test.ts with VIGIE_RECORD=1, and Docker-shaped ones written from
 * the Engine API reference), and the client against a hostile socket:
 * silent, trickling, oversized, not JSON, or absent.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createContainersCollector } from '../../../agent/containers/collector.js';
import { createEngineClient, negotiatedPrefix } from '../../../agent/containers/engine-client.js';
import { cleanImage, cleanName, cpuPercent, parseContainerList, parseInspect, parseStats } from '../../../agent/containers/parse.js';
import { PROTOCOL_VERSION, validatePayload } from '../../../protocol/payloads.js';
import { tempDir } from '../../helpers/env.js';

const dir = join(process.cwd(), 'test', 'agent', 'containers', 'fixtures');
const fixture = (name: string): unknown => JSON.parse(readFileSync(join(dir, name), 'utf8'));

test('podman list: names without "/", sorted, states as the engine says', () => {
  const list = parseContainerList(fixture('podman-list.json'));
  assert.equal(list.map((c) => [c.name, c.state]), [['job', 'exited'], ['loop', 'running'], ['sick', 'running'], ['web', 'running']]);
  assert.ok(list.every((c) => c.image === 'localhost/vigie-test:1' && /^[0-9a-f]{64}$/.test(c.id)));
});

test('podman inspect: exit code of an exited container, health of a failing check, none without one', () => {
  const job = parseInspect(fixture('podman-inspect-job.json'));
  assert.is(job.state, 'exited');
  assert.is(job.exitCode, 3);
  assert.is(job.health, 'none');
  const sick = parseInspect(fixture('podman-inspect-sick.json'));
  assert.is(sick.health, 'unhealthy');
  assert.is(sick.exitCode, undefined);
  assert.ok(parseInspect(fixture('podman-inspect-loop.json')).restarts >= 2);
  assert.is(parseInspect(fixture('podman-inspect-web.json')).health, 'none', 'podman answers "" for no healthcheck');
});

test('podman stats: empty precpu, one "network" interface, usage and limit as given', () => {
  const s = parseStats(fixture('podman-stats-web.json'));
  assert.is(s.pre, null);
  assert.is(s.memLimit, 67108864);
  assert.ok(s.memUsed! > 0);
  assert.ok(s.rxBytes !== null && s.txBytes !== null);
  assert.ok(s.cpuTotal > 0);
  assert.is(s.readAt, Date.parse('2026-12-03T15:40:45.398Z'), 'the engine\'s read time, to the millisecond');
});

test('podman CPU %: one busy thread is 100 %, though podman\'s system_cpu_usage counts only the CPU used', () => {
  // Two podman readings 2 s apart on a 2-core box where the container's thread is all that runs:
  // system_cpu_usage (the root cgroup's usage) grows by the same 2e9 ns as the container.
  // Docker's formula, container / system × online CPUs, would say 200 %.
  const at = (sec: number, cpu: number): unknown => {
    const base = fixture('podman-stats-web.json') as Record<string, unknown> & { cpu_stats: Record<string, unknown> };
    return { ...base, read: `2026-12-03T15:40:${sec}.398036345Z`, cpu_stats: { ...base.cpu_stats, cpu_usage: { total_usage: cpu }, system_cpu_usage: 66259279530078 + cpu } };
  };
  const a = parseStats(at(45, 867318882));
  const b = parseStats(at(47, 867318882 + 2e9));
  assert.is(cpuPercent(a, b, 5000), 100, 'over the engine\'s 2 s between readings, not the agent\'s 5 s');
});

test('podman /version gives a 1.x ApiVersion, negotiated down to what the client knows', () => {
  const v = fixture('podman-version.json') as { ApiVersion: string };
  assert.match(negotiatedPrefix(v.ApiVersion), /^\/v1\.\d+$/);
  assert.is(negotiatedPrefix('1.45'), '/v1.43');
  assert.is(negotiatedPrefix('1.12'), '');
  assert.is(negotiatedPrefix('../../x'), '');
  assert.is(negotiatedPrefix(42), '');
});

test('Docker stats: precpu gives a first CPU %, inactive file cache is not "used", every interface summed', () => {
  const s = parseStats(fixture('docker-stats.json'));
  assert.equal(s.pre, { cpuTotal: 100093996, readAt: Date.parse('2015-01-08T22:57:30.547Z') });
  // (600215355 − 100093996) ns over the 1 s between preread and read; Docker's own formula,
  // / (739310590000000 − 739306590000000) system ns × 4 CPUs, gives the same 50.01.
  assert.is(cpuPercent(s.pre!, s, 0), 50.01);
  assert.is(s.memUsed, 7585792 - 1048576);
  assert.is(s.memLimit, 67108864);
  assert.is(s.rxBytes, 5338 + 4641);
  assert.is(s.txBytes, 648 + 690);
});

test('Docker inspect: a restarting container keeps its exit code, health and restart count', () => {
  assert.equal(parseInspect(fixture('docker-inspect.json')), {
    state: 'restarting', health: 'unhealthy', restarts: 7, exitCode: 137, startedAt: Date.parse('2024-05-01T10:00:00Z'),
  });
});

test('hostile list entries: bad ids, unknown states and nameless ones dropped; names and images cleaned to the contract', () => {
  const list = parseContainerList(fixture('docker-list.json'));
  assert.equal(list.map((c) => c.name), ['c_script_alert_1___script_', 'db', 'web-1']);
  const evil = list[0]!;
  assert.is(evil.image, 'evil_image____');
  const group = { containers: list.map((c) => ({ id: c.id.slice(0, 12), name: c.name, image: c.image, state: c.state, health: 'none' as const, restarts: 0 })) };
  const checked = validatePayload('metrics', { v: PROTOCOL_VERSION, ts: Date.now(), ...group });
  assert.ok(checked.ok, checked.ok ? '' : checked.error);
  assert.equal(parseContainerList([{ Id: 'dddddddddddd', Names: ['/loop'], Image: 'x', State: 'stopped' }, { Id: 'eeeeeeeeeeee', Names: ['/new'], Image: 'x', State: 'configured' }]).map((c) => c.state), ['exited', 'created'], 'podman\'s own states mapped');
  assert.is(cleanName('/-x'), 'c-x');
  assert.is(cleanName('a'.repeat(300)).length, 128);
  assert.is(cleanImage('"""'), 'unknown');
  assert.throws(() => parseContainerList({ not: 'an array' }));
  assert.throws(() => parseStats({ cpu_stats: {} }));
  assert.is(parseContainerList(Array(500).fill(0).map((_, i) => ({ Id: i.toString(16).padStart(12, '0'), Names: [`/c${i}`], Image: 'x', State: 'running' })), 100).length, 100);
});

test('CPU %: a counter that went back gives none; without the engine\'s read times, the agent\'s clock is the base', () => {
  const cur = { cpuTotal: 1e9, readAt: null, pre: null, rxBytes: null, txBytes: null };
  assert.is(cpuPercent({ cpuTotal: 2e9, readAt: null }, cur, 1000), null);
  assert.is(cpuPercent({ cpuTotal: 0.5e9, readAt: null }, cur, 1000), 50);
  assert.is(cpuPercent({ cpuTotal: 0.5e9, readAt: 1000 }, { ...cur, readAt: 1000 }, 0), null, 'no interval at all');
});

/** A unix socket server that answers each request with `answer(socket, requestText)`. */
async function fakeEngine(answer: (s: Socket, req: string) => void): Promise<{ path: string; close: () => Promise<void> }> {
  const t = tempDir('vigie-engine-');
  const path = join(t.path, 'engine.sock');
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n\r\n')) answer(s, buf);
    });
  });
  await new Promise<void>((r) => server.listen(path, r));
  return {
    path,
    close: () => new Promise((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => { t.remove(); r(); });
    }),
  };
}
const http = (body: string, status = 200): string => `HTTP/1.1 ${status} X\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;

test('a socket that never answers fails the request at its deadline', async () => {
  const engine = await fakeEngine(() => undefined);
  const t0 = Date.now();
  const client = createEngineClient({ socket: engine.path, timeoutMs: 200 });
  const error = await client.get('/containers/json').then(() => null, (e: Error) => e);
  assert.match(String(error?.message), /no answer within 200 ms/);
  assert.ok(Date.now() - t0 < 3000);
  await engine.close();
});

test('an oversized or non-JSON answer is refused; an HTTP error names the status', async () => {
  const engine = await fakeEngine((s, req) => {
    if (req.startsWith('GET /_ping')) return void s.end(http('OK'));
    if (req.startsWith('GET /version')) return void s.end(http('{"ApiVersion":"1.41"}'));
    if (req.includes('/big')) return void s.end(http(`[${'"x",'.repeat(300_000)}"x"]`));
    if (req.includes('/html')) return void s.end(http('<html>'));
    s.end(http('{"message":"no such container"}', 404));
  });
  const client = createEngineClient({ socket: engine.path, timeoutMs: 2000, maxBytes: 100_000 });
  const err = (p: Promise<unknown>): Promise<string> => p.then(() => 'resolved', (e: Error) => e.message);
  assert.match(await err(client.get('/big')), /larger than 100000 bytes/);
  assert.match(await err(client.get('/html')), /not JSON/);
  assert.match(await err(client.get('/containers/x/json')), /HTTP 404/);
  assert.is(client.prefix, '/v1.41');
  await engine.close();
});

test('collector: no socket → no group (auto) or a named failure (enabled: on); a broken engine rejects, never throws synchronously', async () => {
  const t = tempDir();
  const missing = join(t.path, 'nope.sock');
  assert.equal(await createContainersCollector({ socket: missing }).collect(), {});
  assert.equal(await createContainersCollector({ socket: missing, enabled: 'off' }).collect(), {});
  const e = await createContainersCollector({ socket: missing, enabled: 'on' }).collect().then(() => null, (x: Error) => x);
  assert.match(String(e?.message), /no container engine socket at .*nope\.sock/);
  const engine = await fakeEngine((s) => s.end(http('{"ApiVersion":"1.41"}')));
  const bad = await createContainersCollector({ socket: engine.path, timeout: 0.5 }).collect().then(() => null, (x: Error) => x);
  assert.match(String(bad?.message), /expected an array/);
  await engine.close();
  t.remove();
});

test.run();
