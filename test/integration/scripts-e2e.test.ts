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
import { haveChromium, launchChromium, SHOTS, signInThroughForm } from '../dashboard/web/browser-helpers.js';
import { waitFor } from '../helpers/env.js';
import { canLoopMount, startLoopDisk, type LoopDisk } from '../helpers/loop-disk.js';
import { startRecorder, type Recorder } from '../notify/helpers.js';
import { cleanupScript, startScriptsStack, type ScriptsStack } from './scripts-stack.js';

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
    await s.startAgent(HOST, 'actions');
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
    // The alert view suggests a fix (a built-in action) to whoever may run it.
    const fix = (alert as AlertView & { fix?: { script: string; label: string } }).fix;
    assert.ok(fix && fix.script.startsWith('vigie.') && fix.label.length > 0, `suggested fix: ${JSON.stringify(fix)}`);

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

    // The fired notice said it was running; the follow-up says what was done and what came of it.
    const label = `cleanup-dir path=${disk.fillDir}`;
    const notices = async (): Promise<Array<{ title: string; detail?: string; kind?: string }>> =>
      hook.requests.flatMap((r) => (JSON.parse(r.body) as { notices: Array<{ title: string; detail?: string; kind?: string }> }).notices);
    const outcome = await waitFor('the notification of what the automatic action did', async () =>
      (await notices()).find((n) => n.title.startsWith(`Automatic action on ${HOST}: ${label}`)), DEADLINE_MS, 200);
    assert.match(outcome.title, / — done \(exit 0 after [\d.]+ s\)$/, outcome.title);
    assert.match(outcome.detail ?? '', new RegExp(`Run by rule ${rule.replace(/[/.]/g, '\\$&')}`));
    const fired = (await notices()).find((n) => (n.detail ?? '').includes(`Automatic action: ${label}, running now.`));
    assert.ok(fired, `the fired notice says an action runs: ${JSON.stringify(await notices())}`);

    // Within the hour, the rule does not run it again: the alert fires and stays.
    disk.fillTo(90);
    const again = await firing();
    assert.ok(again.id !== alert.id);
    // The rule says so in the event log rather than running again.
    const skipped = await waitFor('the automatic action skipped (cooldown)', async () =>
      (await s.admin.get<EventView[]>(`/api/events?host=${HOST}&type=alert.auto_action_skipped`)).data.find((e) => e.data?.rule === rule), DEADLINE_MS, 200);
    assert.is(skipped.data?.why, 'cooldown');
    assert.is(skipped.data?.script, 'cleanup-dir');
    const ruleRuns = (await s.operator.get<{ runs: RunView[] }>(`/api/runs?host=${HOST}&script=cleanup-dir`)).data.runs.filter((r) => r.trigger === 'rule');
    assert.is(ruleRuns.length, 1, 'once per hour per host and rule');
    disk.empty();
    await resolvedAfter(again.id);
  });

  test('the event log shows every run: who, where, script@version, args, result', async () => {
    assert.is(runs.length, 2, 'the operator\'s run and the rule\'s');
    const events = (await s.admin.get<EventView[]>(`/api/events?host=${HOST}&type=script.*&limit=200`)).data;
    for (const run of runs) {
      const logged = events.find((e) => e.type === 'script.run' && e.data?.run === run.id);
      assert.ok(logged, `run ${run.id} is in the event log: ${JSON.stringify(events.map((e) => e.message))}`);
      const who = run.trigger === 'rule' ? `rule:${rule}` : 'oper';
      assert.is(logged.host, HOST, 'where');
      assert.is(logged.user ?? null, run.trigger === 'rule' ? null : 'oper', 'a person, or nobody for a rule');
      assert.equal(
        [logged.data?.by, logged.data?.script, logged.data?.version, logged.data?.args, logged.data?.trigger, logged.data?.state, logged.data?.exit],
        [who, 'cleanup-dir', run.version, { path: disk.fillDir }, run.trigger, 'done', 0],
      );
      // The line people read says it all: who ran what, where, with which arguments, and what came of it.
      assert.match(logged.message, new RegExp(`^Run cleanup-dir@${run.version} on ${HOST} by ${who.replace(/[/.]/g, '\\$&')} \\(path=${disk.fillDir.replace(/[/.]/g, '\\$&')}\\): exit 0 in [\\d.]+ s$`));
    }
    const created = (await s.admin.get<EventView[]>('/api/events?type=script.created&limit=10')).data.find((e) => e.data && JSON.stringify(e.data).includes('cleanup-dir'));
    assert.ok(created, 'the script\'s creation is logged');
    assert.is(created.user, 'admin');
  });

  test('the host page shows both runs to the operator, with who ran them and their output (screenshot)', async () => {
    if (!haveChromium()) return;
    const browser = await launchChromium();
    try {
      const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
      await signInThroughForm(page, s.up.httpUrl, 'oper', 'oper-password-1');
      await page.goto(`${s.up.httpUrl}/#/host/${HOST}`);
      const rows = page.getByTestId('host-run');
      await waitFor('both runs listed', async () => (await rows.count()) === 2, DEADLINE_MS, 200);
      const by = await page.getByTestId('host-run-by').allTextContents();
      assert.ok(by.some((t) => t.includes('oper')) && by.some((t) => t.includes(rule)), `who ran them: ${by.join(' | ')}`);
      assert.equal(await page.getByTestId('host-run-exit').allTextContents(), ['0', '0']);
      await page.getByTestId('host-run-toggle').first().click();
      await page.getByTestId('host-run-output').first().filter({ hasText: 'freed' }).waitFor({ timeout: 10_000 });
      await page.getByTestId('host-actions').scrollIntoViewIfNeeded();
      await page.getByTestId('host-actions').screenshot({ path: new URL('issue-14-e2e-host-runs.png', SHOTS).pathname });
    } finally {
      await browser.close();
    }
  });
}

/**
 * Opts in twice (docs/alerts.md, "Automatic actions"): the admin gives the
 * disk rule its action with `auto: true` in the defaults (every host's disk
 * rule), and the host's operator opts `host` in with `autoAction: true` in
 * its own override.
 */
async function setAutoAction(s: ScriptsStack, host: string, path: string): Promise<void> {
  const settings = (await s.admin.get<{ defaults: Record<string, Record<string, unknown>>; hosts: Record<string, unknown> }>('/api/alert-settings')).data;
  settings.defaults.disk = { ...settings.defaults.disk, action: { script: 'cleanup-dir', args: { path }, auto: true } };
  const rule = await s.admin.send('PUT', '/api/alert-settings', settings);
  assert.is(rule.status, 200, JSON.stringify(rule.body));
  const current = (await s.operator.get<{ override: Record<string, Record<string, unknown>> }>(`/api/hosts/${host}/alert-settings`)).data.override;
  const opted = await s.operator.send('PUT', `/api/hosts/${host}/alert-settings`, { ...current, disk: { ...current.disk, autoAction: true } });
  assert.is(opted.status, 200, JSON.stringify(opted.body));
}

test.run();
