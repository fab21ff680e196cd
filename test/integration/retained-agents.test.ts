/**
 * The broker's retained messages (broker/retained-index.ts) on the real data
 * path: real `vigie agent` processes on the real `vigie up` wiring, one killed
 * with SIGKILL so its Last Will is what is retained, a broker restart on the
 * same port, and a client that is not ours (Debian's mosquitto_sub) reading
 * the retained statuses through a wildcard filter.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requireProgram, tempDir, waitFor } from '../helpers/env.js';
import { addCredentials, startTestStack, type TestStack } from '../helpers/stack.js';

const main = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
// mosquitto_sub exits 1 even on --version (programRuns wants 0): spawning it without ENOENT says it is there.
const enabled = requireProgram('mosquitto_sub (Debian mosquitto-clients)', spawnSync('mosquitto_sub', ['--help']).error === undefined);
const dir = tempDir();
let up: TestStack | undefined;
const children: ChildProcess[] = [];

function spawnAgent(host: string, credentials: { username: string; password: string }): ChildProcess {
  const child = spawn(process.execPath, [
    main, 'agent', '--broker', up!.mqttUrl, '--host', host, '--interval', '1', '--log-level', 'warn', '--set', 'agent.reconnectMax=1',
  ], { stdio: 'ignore', env: { ...process.env, VIGIE_CONFIG: '', VIGIE_AGENT_USERNAME: credentials.username, VIGIE_AGENT_PASSWORD: credentials.password } });
  children.push(child);
  return child;
}

/**
 * Every retained `<prefix>/+/status` mosquitto_sub reads at once, as host → {state, reason}. Run
 * asynchronously: the broker it reads lives in this process.
 */
async function retainedStatuses(reader: { username: string; password: string }): Promise<Map<string, { state: string; reason: string }>> {
  const stdout = await promisify(execFile)('mosquitto_sub', [
    '-h', '127.0.0.1', '-p', new URL(up!.mqttUrl).port, '-u', reader.username, '-P', reader.password,
    '-t', 'vigie/+/status', '-v', '--retained-only', '-W', '2',
  ], { encoding: 'utf8' }).then((r) => r.stdout, (e: { stdout?: string }) => e.stdout ?? ''); // -W ends it with status 27
  const out = new Map<string, { state: string; reason: string }>();
  for (const line of stdout.split('\n')) {
    const space = line.indexOf(' ');
    if (space < 0) continue;
    const p = JSON.parse(line.slice(space + 1)) as { state: string; reason: string };
    out.set(line.slice(0, space).split('/')[1]!, { state: p.state, reason: p.reason });
  }
  return out;
}

test.after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await up?.close();
  dir.remove();
});

test('kill -9 leaves the Last Will retained for a wildcard reader; after a broker restart the agents\' new statuses replace the lost ones', async () => {
  if (!enabled) return;
  up = await startTestStack('up', { dataDir: dir.path });
  const port = up.stack.broker!.port;
  const a = addCredentials(dir.path, { kind: 'agent', host: 'rt-a' });
  const b = addCredentials(dir.path, { kind: 'agent', host: 'rt-b' });
  const reader = addCredentials(dir.path, { kind: 'service', role: 'reader', name: 'rt-sub' });
  const victim = spawnAgent('rt-a', a);
  spawnAgent('rt-b', b);
  await waitFor('rt-a and rt-b online for mosquitto_sub', async () => {
    const s = await retainedStatuses(reader);
    return s.get('rt-a')?.state === 'online' && s.get('rt-b')?.state === 'online' ? s : null;
  }, 30_000, 200);

  victim.kill('SIGKILL');
  const afterKill = await waitFor('rt-a\'s Last Will retained', async () => {
    const s = await retainedStatuses(reader);
    return s.get('rt-a')?.state === 'offline' ? s : null;
  }, 20_000, 200);
  assert.equal(afterKill.get('rt-a'), { state: 'offline', reason: 'lost' });
  assert.is(afterKill.get('rt-b')?.state, 'online');

  // The broker keeps retained messages in memory: a restart loses them, and the agents that live publish theirs again.
  await up.close();
  up = await startTestStack('up', { dataDir: dir.path, set: { 'broker.port': String(port) } });
  const afterRestart = await waitFor('rt-b back, its status retained again', async () => {
    const s = await retainedStatuses(reader);
    return s.get('rt-b')?.state === 'online' ? s : null;
  }, 30_000, 200);
  assert.not.ok(afterRestart.has('rt-a'), 'a dead agent\'s will is not invented after the restart');

  spawnAgent('rt-a', a);
  await waitFor('rt-a online again', async () => (await retainedStatuses(reader)).get('rt-a')?.state === 'online', 30_000, 200);
});

test.run();
