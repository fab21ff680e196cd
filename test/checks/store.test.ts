/**
 * checks.db on real SQLite files: definitions survive a reopen, listeners
 * hear this process's writes at once and another process's (the CLI) through
 * the data_version poll, a runner takes at most 200 checks, and an import
 * applies all or nothing.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CheckStore } from '../../checks/store.js';
import { validateCheck, type CheckFields } from '../../checks/validate.js';
import { VigieError } from '../../core/errors.js';
import { tempDir, waitFor } from '../helpers/env.js';

const check = (id: string, runners: string[] = ['box']): CheckFields => {
  const checked = validateCheck({ id, kind: 'ping', target: 'example.org', name: id, runners }, { defaultRunner: 'box' });
  if (!checked.ok) throw new Error(JSON.stringify(checked.fields));
  return checked.value;
};

test('create, replace, delete; a reopen reads the same; bookkeeping kept by a replace', () => {
  const dir = tempDir('vigie-checks-');
  try {
    let clock = 1_000;
    const store = CheckStore.open(dir.path, { clock: { now: () => clock } });
    let heard = 0;
    store.onChange(() => (heard += 1));
    store.create(check('a'), 'alice');
    clock = 2_000;
    store.replace({ ...check('a'), name: 'renamed' }, 'bob');
    assert.is(heard, 2);
    assert.throws(() => store.create(check('a'), 'x'), (e: unknown) => e instanceof VigieError && e.status === 409);
    assert.throws(() => store.replace(check('nope'), 'x'), (e: unknown) => e instanceof VigieError && e.status === 404);
    store.close();
    const again = CheckStore.open(dir.path);
    const a = again.get('a')!;
    assert.equal([a.name, a.createdAt, a.updatedAt, a.createdBy], ['renamed', 1_000, 2_000, 'alice']);
    assert.ok(again.delete('a'));
    assert.not.ok(again.delete('a'));
    assert.equal(again.list(), []);
    again.close();
  } finally {
    dir.remove();
  }
});

test('a write by another connection read before the watch polls still reaches the listeners', async () => {
  const dir = tempDir('vigie-checks-');
  // A watch that never fires within the test: only the read can notice the CLI's write.
  const server = CheckStore.open(dir.path, { watch: true, watchIntervalMs: 3_600_000 });
  try {
    let heard = 0;
    server.onChange(() => (heard += 1));
    const cli = CheckStore.open(dir.path);
    cli.apply({ put: [check('imported')], delete: [] }, null);
    cli.close();
    // The ingest or the API reads first (runs(), GET /api/checks)…
    assert.equal(server.list().map((d) => d.id), ['imported']);
    // …and the config publisher must still hear of it.
    await waitFor('the listeners hear the CLI\'s write', () => heard > 0);
    assert.is(heard, 1);
  } finally {
    server.close();
    dir.remove();
  }
});

test('a write by another connection (the CLI) reaches a watching store\'s listeners', async () => {
  const dir = tempDir('vigie-checks-');
  const server = CheckStore.open(dir.path, { watch: true, watchIntervalMs: 50 });
  try {
    let heard = 0;
    server.onChange(() => (heard += 1));
    const cli = CheckStore.open(dir.path);
    cli.apply({ put: [check('from-cli')], delete: [] }, null);
    cli.close();
    await waitFor('the server hears the CLI', () => heard > 0);
    assert.equal(server.list().map((d) => d.id), ['from-cli']);
    const before = heard;
    server.savePublished('box', []);
    server.create(check('own'), null);
    assert.is(heard, before + 1, 'its own write is heard once, bookkeeping not at all');
  } finally {
    server.close();
    dir.remove();
  }
});

test('one runner runs at most 200 checks; a failing import changes nothing', () => {
  const dir = tempDir('vigie-checks-');
  const store = CheckStore.open(dir.path);
  try {
    store.apply({ put: Array.from({ length: 200 }, (_, i) => check(`c${i}`, ['busy'])), delete: [] }, null);
    assert.throws(() => store.create(check('one-more', ['idle', 'busy']), null), (e: unknown) => e instanceof VigieError && e.fields[0]?.field === 'runners' && /at most 200/.test(e.message));
    assert.throws(() => store.apply({ put: [check('x', ['idle']), check('y', ['busy']), check('z', ['busy'])], delete: ['c1'] }, null));
    assert.is(store.list().length, 200);
    assert.ok(store.get('c1'));
    assert.is(store.get('x'), null);
  } finally {
    store.close();
    dir.remove();
  }
});

test('runs(): whether a runner runs a check, from the cache, following creates, replaces, deletes and other writers', () => {
  const dir = tempDir('vigie-checks-');
  try {
    const store = CheckStore.open(dir.path);
    store.create(check('web', ['box', 'vps']), null);
    assert.equal([store.runs('vps', 'web'), store.runs('lan', 'web'), store.runs('vps', 'nope')], [true, false, false]);
    store.replace(check('web', ['lan']), null);
    assert.equal([store.runs('vps', 'web'), store.runs('lan', 'web')], [false, true]);
    // Another process (the CLI) deletes it: seen once the cache is refreshed, as the server's watch poll does.
    const cli = CheckStore.open(dir.path);
    assert.ok(cli.delete('web'));
    cli.close();
    store.list();
    assert.is(store.runs('lan', 'web'), false);
    store.close();
  } finally {
    dir.remove();
  }
});

test.run();
