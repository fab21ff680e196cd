/**
 * Issue 14, "an action fixes an alert", end to end with real parts: the whole
 * `vigie up` stack, a real agent process enrolled with `scripts: actions`
 * (its key pinned by `vigie-agent enroll`), a real ext4 disk it watches (a
 * loop mount, test/helpers/loop-disk.ts) and a real webhook receiver.
 *
 * - the disk fills past 85 %: the disk alert fires; the operator who owns
 *   the host runs the admin's `cleanup-dir` action on it through
 *   POST /api/scripts/:id/runs; the output comes back, the disk goes under
 *   the threshold and the alert resolves;
 * - the same by a rule: the disk rule of that host runs the action by
 *   itself (opted in on the rule and on the host), once; the alert
 *   resolves and the webhook's notification says what was done; filled
 *   again within the hour, the alert fires and nothing runs again;
 * - the event log shows each run: who, where, script@version, args, result.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AlertView } from '../../alerts/service.js';
import { waitFor } from '../helpers/env.js';
import { canLoopMount, startLoopDisk, type LoopDisk } from '../helpers/loop-disk.js';
import { startRecorder, type Recorder } from '../notify/helpers.js';
import { cleanupScript, startScriptsStack, type AgentChild, type ScriptsStack } from './scripts-stack.js';

const HOST = 'web-1';
/** Generous: a busy 2-core box runs other suites; nothing here waits on a fixed delay. */
const DEADLINE_MS = 30_000;

interface RunView {
  id: string; script: string; version: number; host: string; args: Record<string, string | number>; by: string;
  trigger: 'manual' | 'rule'; rule?: string; state: string; exit: number | null; signal: string | null; timedOut: boolean;
  duration: number | null; output: string; dropped: number; refusal?: { reason: string; message: string }; startedAt: number; finishedAt: number | null;
}
interface EventView { type: string; host?: string | null; user?: string | null; message: string; data?: Record<string, unknown> | null }

if (canLoopMount('the scripts end-to-end suite')) {
  let s: ScriptsStack;
  let disk: LoopDisk;
  let agent: AgentChild;
  let hook: Recorder;
  let rule: string;
  const runs: RunView[] = [];

  const alertOf = async (state: 'firing' | 'resolved'): Promise<AlertView | undefined> =>
    (await s.admin.get<AlertView[]>(`/api/alerts?host=${HOST}`)).data.find((a) => a.rule === rule && a.state === state);
  const firing = (): Promise<AlertView> => waitFor(`the ${rule} alert firing on ${HOST} (disk at ${disk.usedPercent().toFixed(1)} %)`, () => alertOf('firing'), DEADLINE_MS, 200);
  const resolvedAfter = (id: number): Promise<AlertView> =>
    waitFor(`alert ${id} resolved (disk at ${disk.usedPercent().toFixed(1)} %)`, async () =>
      (await s.admin.get<AlertView[]>(`/api/alerts?host=${HOST}`)).data.find((a) => a.id === id && a.state === 'resolved'), DEADLINE_MS, 200);
  const settled = (id: string): Promise<RunView> =>
    waitFor(`run ${id} settled`, async () => {
      const r = (await s.operator.get<{ run: RunView }>(`/api/runs/${id}`)).data.run;
      return ['done', 'refused', 'lost'].includes(r.state) ? r : null;
    }, DEADLINE_MS, 200);

  test.before(async () => {
    disk = startLoopDisk({ sizeMiB: 16, owner: 'nobody' });
    rule = `disk:${disk.mount}`;
    hook = await startRecorder();
    s = await startScriptsStack();
    agent = await s.startAgent(HOST, 'actions');
    const channel = await s.admin.send('POST', '/api/channels', { type: 'webhook', name: 'Ops hook', url: `${hook.base}/vigie` });
    assert.is(channel.status, 201, JSON.stringify(channel.body));
    const created = await s.admin.send<{ id: string; version: number; kind: string }>('POST', '/api/scripts', { ...cleanupScript(disk.mount), hosts: [HOST] });
    assert.is(created.status, 201, JSON.stringify(created.body));
    // The agent sees its new disk (the disks collector reads /proc/self/mounts at every sample).
    await waitFor(`${HOST} reports ${disk.mount}`, async () =>
      (await s.admin.get<{ latest: { disks?: Array<{ mount: string }> } | null }>(`/api/hosts/${HOST}`)).data.latest?.disks?.some((d) => d.mount === disk.mount), DEADLINE_MS, 200);
  });

  test.after(async () => {
    await s?.close();
    await hook?.close();
    disk?.close();
  });

  test('a filling disk fires; the operator runs cleanup-dir on it; the output comes back, the disk drops and the alert resolves', async () => {
    disk.fillTo(90);
    const alert = await firing();
    assert.ok(alert.value! >= 85, `fired at ${alert.value} %`);

    const offered = await s.operator.get<{ actions: Array<{ id: string; version: number; params: Array<{ name: string }> }> }>(`/api/hosts/${HOST}/actions`);
    assert.is(offered.status, 200, JSON.stringify(offered.body));
    const action = offered.data.actions.find((a) => a.id === 'cleanup-dir');
    assert.ok(action, `cleanup-dir offered on ${HOST}: ${offered.data.actions.map((a) => a.id).join(', ')}`);
    assert.equal(action.params.map((p) => p.name), ['path']);

    const started = await s.operator.send<{ run: RunView }>('POST', '/api/scripts/cleanup-dir/runs', { host: HOST, args: { path: disk.fillDir } });
    assert.is(started.status, 202, JSON.stringify(started.body));
    assert.equal([started.data.run.by, started.data.run.trigger, started.data.run.host], ['oper', 'manual', HOST]);
    const run = await settled(started.data.run.id);
    runs.push(run);
    assert.is(run.state, 'done', JSON.stringify(run));
    assert.equal([run.exit, run.signal, run.timedOut], [0, null, false], run.output);
    // The script ran as the agent's script user (the agent is root here: nobody), in its own folder, and said what it did.
    assert.match(run.output, new RegExp(`^freed \\d+ KiB in ${disk.fillDir} as nobody\\n?$`));
    assert.ok(disk.usedPercent() < 80, `the disk is back under the hysteresis band (${disk.usedPercent().toFixed(1)} %)`);
    const resolved = await resolvedAfter(alert.id);
    assert.is(resolved.endCause, 'recovered');
  });

  test('the same by a rule: the disk rule runs the action by itself once, the alert resolves, the notification says what was done', async () => {
    hook.requests.length = 0;
    await setAutoAction(s, HOST, disk.fillDir);
    disk.fillTo(90);
    const alert = await firing();
    const auto = await waitFor('a run started by the rule', async () =>
      (await s.operator.get<{ runs: RunView[] }>(`/api/runs?host=${HOST}&script=cleanup-dir`)).data.runs.find((r) => r.trigger === 'rule'), DEADLINE_MS, 200);
    assert.is(auto.rule, rule);
    const run = await settled(auto.id);
    runs.push(run);
    assert.is(run.state, 'done', JSON.stringify(run));
    assert.is(run.exit, 0, run.output);
    await resolvedAfter(alert.id);

    const said = await waitFor('a notification naming the automatic action', () =>
      hook.requests.find((r) => r.body.includes('cleanup-dir') && /freed|exit/i.test(r.body)), DEADLINE_MS, 200);
    const body = JSON.parse(said.body) as { notices: Array<Record<string, unknown>> };
    const text = JSON.stringify(body.notices);
    assert.match(text, /cleanup-dir/);
    assert.match(text, new RegExp(disk.fillDir.replace(/[/.]/g, '\\$&')), 'with its arguments');

    // Within the hour, the rule does not run it again: the alert fires and stays.
    disk.fillTo(90);
    const again = await firing();
    assert.ok(again.id !== alert.id);
    await new Promise((r) => setTimeout(r, 3000)); // room for a wrong second run to show up
    const ruleRuns = (await s.operator.get<{ runs: RunView[] }>(`/api/runs?host=${HOST}&script=cleanup-dir`)).data.runs.filter((r) => r.trigger === 'rule');
    assert.is(ruleRuns.length, 1, 'once per hour per host and rule');
    disk.empty();
    await resolvedAfter(again.id);
  });

  test('the event log shows every run: who, where, script@version, args, result', async () => {
    const events = (await s.admin.get<EventView[]>(`/api/events?host=${HOST}&type=script.*&limit=200`)).data;
    assert.ok(events.length > 0, 'script events logged');
    for (const run of runs) {
      const about = events.filter((e) => JSON.stringify(e).includes(run.id));
      assert.ok(about.length > 0, `run ${run.id} is in the event log: ${JSON.stringify(events.slice(0, 5))}`);
      const text = JSON.stringify(about);
      assert.ok(text.includes(run.trigger === 'rule' ? `rule:${rule}` : '"oper"'), `who: ${text}`);
      assert.ok(text.includes(HOST), `where: ${text}`);
      assert.ok(text.includes(`cleanup-dir@${run.version}`) || (text.includes('cleanup-dir') && text.includes(`"version":${run.version}`)), `script@version: ${text}`);
      assert.ok(text.includes(disk.fillDir), `args: ${text}`);
      assert.ok(/"exit":0|exit(ed)? 0/.test(text), `result: ${text}`);
    }
    // The library change is there too.
    const library = (await s.admin.get<EventView[]>('/api/events?type=script.*&limit=200')).data;
    assert.ok(library.some((e) => e.type.startsWith('script.') && JSON.stringify(e).includes('cleanup-dir') && !JSON.stringify(e).includes(agent.host + '"') || e.type === 'script.created'), 'the script\'s creation is logged');
  });
}

/** Opts the disk rule of `host` in to running cleanup-dir on `path` (the rule and the host both). Shape: docs/alerts.md, "Automatic actions". */
async function setAutoAction(s: ScriptsStack, host: string, path: string): Promise<void> {
  const put = await s.operator.send('PUT', `/api/hosts/${host}/alert-settings`, { disk: { autoAction: { script: 'cleanup-dir', args: { path } } }, autoActions: true });
  assert.is(put.status, 200, JSON.stringify(put.body));
}

test.run();
