/**
 * The overview at scale (issue 16, goal 7): N hosts known to the server, the
 * overview opened in real Chromium, signed in.
 *
 *   node dist/bench/dashboard/overview.js --hosts 1000,5000 --rate 2000 --live 10
 *
 * For each fleet size it starts a fresh server process (bench/pipeline/server:
 * broker + ingest + dashboard serving dist/web, so build the web app first),
 * seeds N hosts over MQTT as agents would (retained status and info, then one
 * sample each), signs in through the login form and reloads the overview.
 * Measured in the page: the time from navigation until every card is in the
 * grid, then rAF frame intervals and long tasks (PerformanceObserver) during
 * that first render and during a live phase where `--rate` samples per second
 * flow for `--live` seconds (some push hosts over the warning and critical
 * thresholds, so states and counts change); the JS heap and DOM nodes after
 * it (CDP); the `host` frames the page received over its WebSocket and their
 * mean size. Prints markdown tables.
 */
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { chromium, type Browser, type Page } from 'playwright-core';
import { openAccounts } from '../../accounts/index.js';
import { encodePayload, type InfoPayload } from '../../protocol/payloads.js';
import { createTopics } from '../../protocol/topics.js';
import { request } from '../lib/child-request.js';
import { markdownTable, percentile } from '../lib/proc-stats.js';
import { simulatedHost, simulatedMetrics } from '../pipeline/fleet.js';
import type { IngestStats } from '../../ingest/types.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- page functions see the browser's globals */

const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '1000,5000' },
    rate: { type: 'string', default: '2000' },
    live: { type: 'string', default: '10' },
    shots: { type: 'string', default: '' },
    profile: { type: 'string', default: '' },
  },
});
const sizes = String(values.hosts).split(',').map(Number);
const rate = Number(values.rate);
const liveS = Number(values.live);
/** A folder for viewport screenshots after the live phase (desktop and 390 px); none when empty. */
const shotsDir = String(values.shots);
/** A folder for the page's CPU profile of each live phase (CDP Profiler, .cpuprofile); none when empty. */
const profileDir = String(values.profile);
const CHROMIUM = '/usr/bin/chromium';
const topics = createTopics('vigie');
const USER = { name: 'bench', password: 'bench-password-1' };

function info(host: string, i: number): InfoPayload {
  return {
    v: 1, ts: Date.now(), hostname: host,
    os: { platform: 'linux', distro: i % 3 === 0 ? 'Ubuntu' : 'Debian GNU/Linux', release: i % 3 === 0 ? '24.04' : '12' },
    kernel: '6.1.0-18-amd64', arch: i % 4 === 0 ? 'arm64' : 'x64',
    cpu: { model: 'Bench CPU @ 2.0GHz', cores: 4 }, memTotal: 4 * 2 ** 30,
    disks: [{ mount: '/', fs: 'ext4', size: 64 * 2 ** 30 }, { mount: '/var', fs: 'ext4', size: 128 * 2 ** 30 }],
    addresses: [{ iface: 'eth0', ip4: `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}` }],
    bootTime: Date.now() - 86_400_000, agent: 'bench',
  };
}

/** A sample; one in ten is busy (CPU over the warning or critical threshold), so live updates change states. */
function sample(i: number, busy: boolean) {
  const m = simulatedMetrics(i, Date.now());
  if (busy && m.cpu) m.cpu.usage = 80 + Math.random() * 19;
  return encodePayload('metrics', m);
}

/** In the page before any script: frame intervals and long tasks, recorded from `mark()` on. */
function instrument(): void {
  const w = globalThis as any;
  const b = { frames: [] as number[], longTasks: [] as number[], last: 0 };
  w.__bench = b;
  new w.PerformanceObserver((list: any) => {
    for (const e of list.getEntries()) b.longTasks.push(e.duration);
  }).observe({ type: 'longtask', buffered: true });
  const frame = (t: number): void => {
    if (b.last) b.frames.push(t - b.last);
    b.last = t;
    w.requestAnimationFrame(frame);
  };
  w.requestAnimationFrame(frame);
}

interface Phase { frames: number[]; longTasks: number[] }
const takePhase = (page: Page): Promise<Phase> =>
  page.evaluate(() => {
    const b = (globalThis as any).__bench;
    const out = { frames: b.frames, longTasks: b.longTasks };
    b.frames = [];
    b.longTasks = [];
    return out;
  });

async function publishAll(clients: mqtt.MqttClient[], messages: Array<[string, Buffer | string, boolean]>): Promise<void> {
  let k = 0;
  const CHUNK = 500;
  for (let start = 0; start < messages.length; start += CHUNK) {
    await Promise.all(messages.slice(start, start + CHUNK).map(([topic, payload, retain]) => new Promise<void>((resolve, reject) => {
      clients[k++ % clients.length]!.publish(topic, payload, { qos: 1, retain }, (e) => (e ? reject(e) : resolve()));
    })));
  }
}

interface Row {
  hosts: number; firstRenderMs: number; first: Phase; live: Phase; heapMiB: number; nodes: number;
  updatesPerS: number; framesPerS: number; bytesPerUpdate: number; listBytes: number;
}

async function runOne(browser: Browser, hosts: number): Promise<Row> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigie-bench-overview-'));
  // Lab mode (any client may publish for any host) so a few connections can play N agents.
  // Hosts announce a 60 s interval: none goes stale (offline alerts for all) while the bench runs.
  const server = fork(fileURLToPath(new URL('../pipeline/server.js', import.meta.url)), [dataDir], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, BENCH_CONFIG: JSON.stringify({ 'broker.allowAnonymous': true }) },
  });
  const ready = await request<{ mqttPort: number; httpUrl: string }>(server, 'ready');
  const accounts = openAccounts(dataDir);
  await accounts.users.create({ name: USER.name, password: USER.password, role: 'admin' });
  accounts.close();
  const clients = await Promise.all(Array.from({ length: 4 }, (_, i) => mqtt.connectAsync(`mqtt://127.0.0.1:${ready.mqttPort}`, { clientId: `bench-overview-${i}` })));

  const seed: Array<[string, Buffer | string, boolean]> = [];
  for (let i = 0; i < hosts; i++) {
    const host = simulatedHost(i);
    seed.push([topics.host(host, 'status'), encodePayload('status', { v: 1, state: 'online', reason: 'connected', agent: 'bench', interval: 60, ts: Date.now() }), true]);
    seed.push([topics.host(host, 'info'), encodePayload('info', info(host, i)), true]);
    seed.push([topics.host(host, 'metrics'), sample(i, i % 10 === 0), false]);
  }
  await publishAll(clients, seed);
  const deadline = Date.now() + 120_000;
  while ((await request<{ stats: IngestStats }>(server, 'stats')).stats.accepted < seed.length) {
    if (Date.now() > deadline) throw new Error('the ingest did not take the seed within 2 minutes');
    await new Promise((r) => setTimeout(r, 200));
  }
  await new Promise((r) => setTimeout(r, 1500)); // let the seed's overview updates go out before the page opens

  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-GB' });
  const page = await context.newPage();
  await page.addInitScript(instrument);
  let hostFrames = 0;
  let hostUpdates = 0;
  let hostBytes = 0;
  let listBytes = 0;
  let counting = false;
  page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => {
    const text = typeof payload === 'string' ? payload : payload.toString('utf8');
    if (counting && text.startsWith('42["hosts"')) {
      hostFrames += 1;
      hostUpdates += (JSON.parse(text.slice(2)) as [string, unknown[]])[1].length;
      hostBytes += text.length;
    }
    if (/^43\d*\[\{"ok":true,"data":\[/.test(text)) listBytes = Math.max(listBytes, text.length); // the overview ack
  }));
  await page.goto(`${ready.httpUrl}/#/`);
  await page.getByTestId('login-form').waitFor({ timeout: 10_000 });
  await page.getByTestId('login-name').fill(USER.name);
  await page.getByTestId('login-password').fill(USER.password);
  await page.getByTestId('login-password').press('Enter');
  await page.locator('header [data-testid=user-name]').waitFor({ timeout: 10_000 });

  // First render: a fresh load of the overview, from navigation start until every card is in the grid.
  await page.reload();
  const firstRenderMs = await page.evaluate((n) => new Promise<number>((resolve) => {
    const w = globalThis as any;
    const check = (): void => {
      const grid = w.document.querySelector('.grid.cards');
      if (grid && grid.childElementCount >= n) w.requestAnimationFrame(() => resolve(w.performance.now()));
      else w.requestAnimationFrame(check);
    };
    check();
  }), hosts);
  await new Promise((r) => setTimeout(r, 1000)); // the frames right after it belong to the first render too
  const first = await takePhase(page);

  // Live phase: `rate` samples per second over random hosts, for `liveS` seconds.
  const cdp = await context.newCDPSession(page);
  if (profileDir) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.start');
    await browser.startTracing(page, { categories: ['devtools.timeline'] });
  }
  counting = true;
  const t0 = Date.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const due = Math.min(rate * liveS, Math.round(((Date.now() - t0) / 1000) * rate));
      for (; sent < due; sent++) {
        const i = Math.floor(Math.random() * hosts);
        clients[sent % clients.length]!.publish(topics.host(simulatedHost(i), 'metrics'), sample(i, Math.random() < 0.1), { qos: 1 });
      }
      if (sent >= rate * liveS) {
        clearInterval(tick);
        resolve();
      }
    }, 10);
  });
  await new Promise((r) => setTimeout(r, 1000));
  counting = false;
  const liveElapsed = (Date.now() - t0) / 1000;
  const live = await takePhase(page);
  if (profileDir) {
    const { profile } = await cdp.send('Profiler.stop');
    mkdirSync(profileDir, { recursive: true });
    writeFileSync(join(profileDir, `overview-live-${hosts}.trace.json`), await browser.stopTracing());
    writeFileSync(join(profileDir, `overview-live-${hosts}.cpuprofile`), JSON.stringify(profile));
  }

  await cdp.send('HeapProfiler.collectGarbage');
  const heap = await cdp.send('Runtime.getHeapUsage');
  await cdp.send('Performance.enable');
  const metrics = (await cdp.send('Performance.getMetrics')).metrics;
  const nodes = metrics.find((m) => m.name === 'Nodes')?.value ?? Number.NaN;
  const cards = await page.locator('.grid.cards > .card').count();
  if (cards !== hosts) throw new Error(`${cards} cards for ${hosts} hosts`);

  if (shotsDir) {
    mkdirSync(shotsDir, { recursive: true });
    await page.screenshot({ path: join(shotsDir, `bench-overview-${hosts}-desktop.png`) });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(shotsDir, `bench-overview-${hosts}-390.png`) });
  }

  await context.close();
  for (const c of clients) await c.endAsync(true); // QoS 1 messages still in flight do not matter any more
  server.send({ type: 'stop' });
  await new Promise((r) => server.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
  return {
    hosts, firstRenderMs, first, live, nodes,
    heapMiB: heap.usedSize / 2 ** 20,
    updatesPerS: hostUpdates / liveElapsed,
    framesPerS: hostFrames / liveElapsed,
    bytesPerUpdate: hostUpdates ? hostBytes / hostUpdates : Number.NaN,
    listBytes,
  };
}

const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
const ms = (x: number): number => Math.round(x * 10) / 10;

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const rows: Row[] = [];
try {
  for (const hosts of sizes) {
    process.stderr.write(`overview: ${hosts} hosts: seeding, first render, then ${rate} samples/s for ${liveS} s…\n`);
    const row = await runOne(browser, hosts);
    rows.push(row);
    process.stderr.write(`overview: ${hosts} hosts: first render ${Math.round(row.firstRenderMs)} ms, ${row.first.longTasks.length} + ${row.live.longTasks.length} long tasks\n`);
  }
} finally {
  await browser.close();
}

const phaseCells = (p: Phase): number[] => {
  const f = sorted(p.frames);
  return [ms(percentile(f, 50)), ms(percentile(f, 99)), ms(f.at(-1) ?? Number.NaN), p.longTasks.length, Math.round(p.longTasks.reduce((a, b) => a + b, 0))];
};
process.stdout.write(`\n${markdownTable(
  ['hosts', 'first render ms', 'frame p50 ms', 'p99 ms', 'max ms', 'long tasks', 'long task ms', 'list KiB'],
  rows.map((r) => [r.hosts, Math.round(r.firstRenderMs), ...phaseCells(r.first), Math.round(r.listBytes / 1024)]),
)}\n\nFirst render: navigation start (a reload, signed in) until every card is in the grid, then 1 s more of frames.\n`);
process.stdout.write(`\n${markdownTable(
  ['hosts', 'samples/s sent', 'host updates/s', 'frames/s', 'bytes/update', 'frame p50 ms', 'p99 ms', 'max ms', 'long tasks', 'long task ms', 'JS heap MiB', 'DOM nodes'],
  rows.map((r) => [r.hosts, rate, Math.round(r.updatesPerS), Math.round(r.framesPerS * 10) / 10, Math.round(r.bytesPerUpdate), ...phaseCells(r.live), Math.round(r.heapMiB), r.nodes]),
)}\n\nLive phase: ${rate} samples/s over random hosts for ${liveS} s (one in ten over the CPU thresholds); the server sends the hosts that changed in one batch per second at most, each host once, in \`hosts\` frames of up to 100 hosts. Frame intervals from requestAnimationFrame, long tasks (> 50 ms) from PerformanceObserver.\n`);
process.exit(process.exitCode ?? 0);
