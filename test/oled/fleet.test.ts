/**
 * Page (b) follows real agents: the real `vigie up` wiring, the OLED client
 * with reader credentials as `vigie credentials add --service reader --name
 * oled` makes them, two real `vigie agent` processes. Three hosts online
 * (the box and two), then one killed: two online, one offline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Value } from '@sinclair/typebox/value';
import { OledConfig } from '../../oled/config.js';
import { startOled, type OledHandle } from '../../oled/client.js';
import type { Framebuffer } from '../../oled/framebuffer.js';
import { fromSnapshot, toText } from '../../oled/simulator.js';
import { waitFor } from '../helpers/env.js';
import { addCredentials, startTestStack, type TestStack } from '../helpers/stack.js';
import { captureLog } from './log-capture.js';

const main = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
let up: TestStack;
let oled: OledHandle;
const children: ChildProcess[] = [];

function spawnAgent(host: string): ChildProcess {
  const { username, password } = addCredentials(up.dataDir, { kind: 'agent', host });
  const child = spawn(process.execPath, [main, 'agent', '--broker', up.mqttUrl, '--host', host, '--interval', '1', '--log-level', 'warn'], {
    stdio: 'ignore',
    env: { ...process.env, VIGIE_CONFIG: '', VIGIE_AGENT_USERNAME: username, VIGIE_AGENT_PASSWORD: password },
  });
  children.push(child);
  return child;
}

test.before(async () => {
  up = await startTestStack('up');
});

test.after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await oled?.close();
  await up?.close();
});

test('reader credentials: the client subscribes, and without a display it says why the display is off', async () => {
  const { log, lines } = captureLog();
  const reader = addCredentials(up.dataDir, { kind: 'service', role: 'reader', name: 'oled' });
  const config = Value.Default(OledConfig, { broker: up.mqttUrl, rotate: 1, ...reader }) as OledConfig;
  oled = startOled(config, { prefix: up.config.mqtt.prefix, host: up.stack.agent!.hostId, log, tickMs: 100 });
  await waitFor('subscribed with reader credentials', () => oled.connected());
  assert.ok(lines.some((l) => l.msg.startsWith('display off: no display configured')));
  const metrics = await waitFor('the box\'s own metrics (page a)', () => oled.state().metrics, 15_000);
  assert.ok(metrics.cpu !== null && metrics.cpu >= 0 && metrics.cpu <= 100, `cpu ${metrics.cpu}`);
});

test('page (b) counts follow real agents: 3 online, then one SIGKILLed → 2 online, 1 offline', async () => {
  const victim = spawnAgent('lab-a');
  spawnAgent('lab-b');
  const online = await waitFor('3 hosts online', () => {
    const s = oled.state().summary;
    return s && s.online === 3 && s.offline === 0 ? s : null;
  }, 20_000);
  assert.is(online.total, 3);
  assert.ok(litIn(await fleetFrame(), OFFLINE_BLOCK) < 0.3, 'only the text "0 offline" while all are online');

  victim.kill('SIGKILL');
  const after = await waitFor('2 online, 1 offline', () => {
    const s = oled.state().summary;
    return s && s.online === 2 && s.offline === 1 ? s : null;
  }, 10_000);
  assert.is(after.total, 3);
  // On screen, page (b) now shows the offline count inverted (a lit block, golden fleet-128x64). The frame on
  // screen may have been drawn just before the summary changed (a busy CI box): wait for the next drawing of page (b).
  let frame = await fleetFrame();
  await waitFor('the offline count drawn inverted', async () => {
    frame = await fleetFrame();
    return litIn(frame, OFFLINE_BLOCK) > 0.6;
  }, 10_000).catch(() => undefined);
  assert.ok(litIn(frame, OFFLINE_BLOCK) > 0.6, `offline block lit: ${litIn(frame, OFFLINE_BLOCK)}\n${toText(frame)}`);
});

/** The inverted offline count of page (b) at 128×64, inside the burn-in margin. */
const OFFLINE_BLOCK = { x: 66, y: 15, w: 58, h: 20 };

/** The next frame the client shows on page (b) (pages rotate every second here). */
async function fleetFrame(): Promise<Framebuffer> {
  return waitFor('page (b) on screen', () => (oled.page() === 'fleet' ? fromSnapshot(oled.frame()) : null), 10_000);
}

function litIn(fb: Framebuffer, r: { x: number; y: number; w: number; h: number }): number {
  let lit = 0;
  for (let x = r.x; x < r.x + r.w; x++) for (let y = r.y; y < r.y + r.h; y++) if (fb.getPixel(x, y)) lit += 1;
  return lit / (r.w * r.h);
}

test.run();
