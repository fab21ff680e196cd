/**
 * scripts/store.ts on a real SQLite file: versions bump only when what runs
 * changes (body, parameters, interpreter, timeout), every version is kept,
 * built-ins are seeded, updated with a new version when Vigie's body changes,
 * keep an admin's "disabled", and cannot be deleted; runs are saved, listed
 * newest first, filtered by host set, and unfinished ones are found after a
 * restart; another connection's write is heard (data_version).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BUILTIN_SCRIPTS } from '../../scripts/builtins.js';
import { bodySha256, ScriptStore } from '../../scripts/store.js';
import type { RunView, ScriptFields } from '../../scripts/types.js';
import { tempDir, waitFor } from '../helpers/env.js';

const fields = (id: string, extra: Partial<ScriptFields> = {}): ScriptFields => ({
  id, name: `Script ${id}`, description: '', kind: 'action', interpreter: 'sh', body: 'echo hello\n', params: [], timeout: 30, interval: null, hosts: ['web1'], groups: [], enabled: true, ...extra,
});

const run = (id: string, host: string, startedAt: number, extra: Partial<RunView> = {}): RunView => ({
  id, script: 'clean', version: 1, host, args: {}, by: 'alice', trigger: 'manual', state: 'pending', exit: null, signal: null, timedOut: false,
  duration: null, output: '', dropped: 0, startedAt, finishedAt: null, ...extra,
});

test('create at version 1; a change of body, params, interpreter or timeout bumps the version, a rename or new hosts do not', () => {
  const dir = tempDir();
  let now = 1_800_000_000_000;
  const store = ScriptStore.open(dir.path, { clock: { now: () => now } });
  try {
    const created = store.create(fields('clean'), 'alice');
    assert.equal([created.version, created.sha256, created.builtin, created.updatedBy, created.enabled], [1, bodySha256('echo hello\n'), false, 'alice', true]);
    now += 1000;
    let r = store.replace(fields('clean', { name: 'Clean up', hosts: ['web1', 'web2'], description: 'x' }), 'bob');
    assert.equal([r.bumped, r.record.version, r.record.name, r.record.hosts, r.record.updatedBy], [false, 1, 'Clean up', ['web1', 'web2'], 'bob']);
    const steps: Array<Partial<ScriptFields>> = [{ body: 'echo bye\n' }, { params: [{ name: 'size', type: 'integer', min: 1 }] }, { interpreter: 'bash' }, { timeout: 99 }];
    let acc: Partial<ScriptFields> = {};
    for (const [i, change] of steps.entries()) {
      acc = { ...acc, ...change };
      now += 1000;
      r = store.replace(fields('clean', acc), 'bob');
      assert.equal([r.bumped, r.record.version], [true, i + 2], JSON.stringify(change));
    }
    const versions = store.versions('clean');
    assert.equal(versions.map((v) => v.version), [5, 4, 3, 2, 1], 'newest first');
    assert.equal([versions[0]!.timeout, versions[0]!.interpreter, versions[0]!.body, versions[4]!.body, versions[4]!.by], [99, 'bash', 'echo bye\n', 'echo hello\n', 'alice']);
    assert.is(versions[1]!.sha256, bodySha256('echo bye\n'));
    assert.throws(() => store.create(fields('clean'), 'x'), /already exists/);
  } finally {
    store.close();
    dir.remove();
  }
});

test('enable/disable, delete with its versions; built-ins are seeded once, cannot be deleted, keep "disabled", and get a new version when their body changes', () => {
  const dir = tempDir();
  const store = ScriptStore.open(dir.path);
  try {
    assert.equal(store.seedBuiltins(BUILTIN_SCRIPTS), BUILTIN_SCRIPTS.map((b) => b.id));
    assert.equal(store.seedBuiltins(BUILTIN_SCRIPTS), [], 'a second start changes nothing');
    const restart = store.get('vigie.service-restart')!;
    assert.equal([restart.builtin, restart.version, restart.updatedBy, restart.enabled], [true, 1, 'vigie', true]);
    store.setEnabled('vigie.service-restart', false, 'alice');
    assert.throws(() => store.delete('vigie.service-restart'), /disabled, not deleted/);
    const newer = BUILTIN_SCRIPTS.map((b) => (b.id === 'vigie.service-restart' ? { ...b, body: `${b.body}# v2\n` } : b));
    assert.equal(store.seedBuiltins(newer), ['vigie.service-restart']);
    const updated = store.get('vigie.service-restart')!;
    assert.equal([updated.version, updated.enabled, updated.builtin, updated.updatedBy], [2, false, true, 'vigie'], 'a new version, still disabled by the admin');
    assert.equal(store.versions('vigie.service-restart').map((v) => v.by), ['vigie', 'vigie']);

    store.create(fields('clean'), 'alice');
    store.replace(fields('clean', { body: 'echo 2\n' }), 'alice');
    assert.ok(store.delete('clean'));
    assert.not.ok(store.delete('clean'));
    assert.equal(store.versions('clean'), []);
    assert.throws(() => store.setEnabled('clean', true, 'a'), /No script/);
    const again = store.create(fields('clean'), 'alice');
    assert.is(again.version, 1, 're-created: starts over at version 1');
  } finally {
    store.close();
    dir.remove();
  }
});

test('runs: saved and updated, newest first, filtered by host, script and visible hosts, bounded; unfinished ones found by a new process', () => {
  const dir = tempDir();
  const store = ScriptStore.open(dir.path);
  try {
    store.runs.save(run('run-aaaa-1', 'web1', 1000, { rule: 'disk', trigger: 'rule' }));
    store.runs.save(run('run-aaaa-2', 'web2', 2000));
    store.runs.save(run('run-aaaa-3', 'web1', 3000, { state: 'done', exit: 0, output: 'ok\n', duration: 0.2, finishedAt: 3500 }));
    store.runs.save({ ...run('run-aaaa-1', 'web1', 1000, { rule: 'disk', trigger: 'rule' }), state: 'refused', refusal: { reason: 'scripts-off', message: 'off' }, finishedAt: 1100, rule: 'disk' });
    assert.equal(store.runs.list().map((r) => r.id), ['run-aaaa-3', 'run-aaaa-2', 'run-aaaa-1']);
    assert.equal(store.runs.list({ host: 'web1' }).map((r) => r.id), ['run-aaaa-3', 'run-aaaa-1']);
    assert.equal(store.runs.list({ hosts: new Set(['web2']) }).map((r) => r.id), ['run-aaaa-2']);
    assert.equal(store.runs.list({ hosts: new Set() }), []);
    assert.equal(store.runs.list({ limit: 1 }).map((r) => r.id), ['run-aaaa-3']);
    assert.equal(store.runs.get('run-aaaa-1')!.refusal, { reason: 'scripts-off', message: 'off' });
    assert.is(store.runs.get('run-aaaa-1')!.rule, 'disk');
    assert.equal(store.runs.get('run-aaaa-3')!.output, 'ok\n');
    assert.equal(store.runs.unfinished().map((r) => r.id), ['run-aaaa-2']);
    assert.is(store.runs.prune(2), 1);
    assert.is(store.runs.get('run-aaaa-1'), null, 'the oldest went');
  } finally {
    store.close();
    dir.remove();
  }
});

test('a write from another connection (the CLI) is heard by a watching store', async () => {
  const dir = tempDir();
  const server = ScriptStore.open(dir.path, { watch: true, watchIntervalMs: 50 });
  const other = ScriptStore.open(dir.path);
  try {
    let heard = 0;
    server.onChange(() => (heard += 1));
    assert.is(server.list().length, 0);
    other.create(fields('clean'), 'cli');
    await waitFor('the change is heard', () => heard > 0);
    assert.equal(server.list().map((s) => s.id), ['clean']);
  } finally {
    other.close();
    server.close();
    dir.remove();
  }
});

test.run();
