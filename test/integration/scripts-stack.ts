/**
 * Shared by the script end-to-end suites (issue 14): the whole `vigie up`
 * stack (real Aedes with per-agent credentials, ingest, SQLite, alerts,
 * notifications, the dashboard API with real sessions) and real agents on
 * other "machines": each one enrolled with a one-time token through the
 * standalone agent's own `enroll` command (which pins the box's key in its
 * configuration file), given its script policy there, and run as a child
 * process from that file, as an installed agent is.
 *
 * Users: `admin`, `oper` (operator, owner of the agents' hosts unless told
 * otherwise), `viewer` (a viewer who also sees those hosts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import type { Enrollment } from '../../accounts/enrollment.js';
import { ApiClient } from '../helpers/api-client.js';
import { tempDir, waitFor } from '../helpers/env.js';
import { addUser, startTestStack, type TestStack } from '../helpers/stack.js';

/** The box's own agent (`vigie up`): it sees the loop disks too, so suites keep its disk rule quiet. */
export const BOX = 'the-box';
const BUNDLE = fileURLToPath(new URL('../../agent/vigie-agent.mjs', import.meta.url));

export interface AgentChild {
  host: string;
  /** The configuration file `enroll` wrote (then edited by the suite). */
  configFile: string;
  /** What the file says after enrollment: the agent block as the agent reads it. */
  config: { agent: Record<string, unknown>; dataDir: string };
  child: ChildProcess;
  /** Everything the process wrote (stdout + stderr). */
  output(): string;
  stop(): Promise<void>;
}

export interface ScriptsStack {
  up: TestStack;
  admin: ApiClient;
  operator: ApiClient;
  viewer: ApiClient;
  operatorId: number;
  viewerId: number;
  /** Enrolls `host` with the real `vigie-agent enroll`, sets `agent.scripts` (and `extra` agent keys) in its file, and starts it. */
  startAgent(host: string, scripts: 'off' | 'checks' | 'actions', extra?: Record<string, unknown>): Promise<AgentChild>;
  close(): Promise<void>;
}

function runToEnd(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => resolve({ code, out }));
  });
}

export async function startScriptsStack(set: Record<string, string> = {}): Promise<ScriptsStack> {
  const up = await startTestStack('up', {
    set: {
      'agent.host': BOX,
      'notify.allowInternal': '127.0.0.1',
      'alerts.groupSeconds': '1',
      'alerts.diagnosis': 'false',
      'ingest.presenceGrace': '0',
      ...set,
    },
  });
  const adminUser = await addUser(up.dataDir, 'admin', 'admin');
  const oper = await addUser(up.dataDir, 'oper', 'operator');
  const view = await addUser(up.dataDir, 'viewer', 'viewer');
  const admin = await ApiClient.signIn(up.httpUrl, adminUser.name, adminUser.password);
  const operator = await ApiClient.signIn(up.httpUrl, oper.name, oper.password);
  const viewer = await ApiClient.signIn(up.httpUrl, view.name, view.password);
  // The viewer sees the operator's hosts through a group they share.
  const group = await admin.send<{ id: number }>('POST', '/api/groups', { name: 'class' });
  assert.is(group.status, 201, JSON.stringify(group.body));
  assert.is((await admin.send('PATCH', `/api/groups/${group.data.id}`, { members: [oper.id, view.id] })).status, 200);

  const dirs: Array<{ remove(): void }> = [];
  const agents: AgentChild[] = [];

  const startAgent = async (host: string, scripts: 'off' | 'checks' | 'actions', extra: Record<string, unknown> = {}): Promise<AgentChild> => {
    const made = await admin.send<Enrollment>('POST', '/api/hosts', { host, owner: oper.id, groups: [group.data.id] });
    assert.is(made.status, 201, JSON.stringify(made.body));
    const dir = tempDir(`vigie-${host}-`);
    dirs.push(dir);
    // The scripts' own folders are under the agent's data directory: the script user must be able to walk down to them.
    chmodSync(dir.path, 0o755);
    const configFile = join(dir.path, 'config.json');
    const env = { ...process.env, VIGIE_CONFIG: '', VIGIE_ENROLL_TOKEN: made.data.token };
    const enrolled = await runToEnd([BUNDLE, 'enroll', '--url', up.httpUrl, '--config', configFile], env);
    assert.is(enrolled.code, 0, `vigie-agent enroll: ${enrolled.out}`);
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as AgentChild['config'];
    assert.type(config.agent.serverKey, 'string', `enroll pinned the box's key in ${configFile}: ${JSON.stringify(config.agent)}`);
    // Short intervals for the test; the broker as this test reaches it.
    config.agent = { ...config.agent, broker: up.mqttUrl, interval: 1, scripts, ...extra };
    (config as Record<string, unknown>).log = { level: 'warn' };
    writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    const child = spawn(process.execPath, [BUNDLE, 'run', '--config', configFile], { env: { ...process.env, VIGIE_CONFIG: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const agent: AgentChild = {
      host, configFile, config, child,
      output: () => out,
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      },
    };
    agents.push(agent);
    await waitFor(`${host} online (agent output: ${out.slice(-500)})`, async () =>
      (await admin.get<{ presence: string }>(`/api/hosts/${host}`)).status === 200
        && (await admin.get<{ presence: string }>(`/api/hosts/${host}`)).data.presence === 'online', 30_000, 200);
    return agent;
  };

  // The box's own agent sees every disk of this machine, the loop disks included: only the agents under test alert on them.
  await waitFor('the box\'s agent known', async () => (await admin.get(`/api/hosts/${BOX}`)).status === 200, 30_000, 200);
  const quiet = await admin.send('PUT', `/api/hosts/${BOX}/alert-settings`, { disk: { enabled: false }, diskForecast: { enabled: false } });
  assert.is(quiet.status, 200, JSON.stringify(quiet.body));

  return {
    up, admin, operator, viewer, operatorId: oper.id, viewerId: view.id, startAgent,
    close: async () => {
      await Promise.all(agents.map((a) => a.stop()));
      await up.close();
      for (const d of dirs) d.remove();
    },
  };
}

/** The body of a cleanup action whose `path` parameter is rooted at `root`: deletes what is inside the directory, says how much it freed. */
export function cleanupScript(root: string): Record<string, unknown> {
  return {
    id: 'cleanup-dir',
    name: 'Empty a directory',
    description: 'Deletes everything inside one directory under the exports disk',
    kind: 'action',
    interpreter: 'sh',
    timeout: 30,
    params: [{ name: 'path', type: 'path', root, label: 'Directory' }],
    body: [
      '#!/bin/sh',
      'set -eu',
      'dir="$1"',
      '[ -d "$dir" ] || { echo "$dir is not a directory" >&2; exit 2; }',
      'before=$(du -sk -- "$dir" | cut -f1)',
      'find "$dir" -mindepth 1 -delete',
      'after=$(du -sk -- "$dir" | cut -f1)',
      'echo "freed $((before - after)) KiB in $dir as $(id -un)"',
    ].join('\n'),
  };
}
