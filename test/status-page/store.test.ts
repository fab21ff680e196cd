import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VigieError } from '../../core/errors.js';
import { StatusPageStore } from '../../status-page/store.js';
import { tempDir } from '../helpers/env.js';

/** status-pages.db on a real SQLite file: opt-in pages, unique slugs, validation naming the field, notes without authors. */

let now = 1_700_000_000_000;
const clock = { now: () => now };
const dir = tempDir('vigie-status-store-');
let store: StatusPageStore;

test.before(() => {
  store = StatusPageStore.open(dir.path, clock);
});
test.after(() => {
  store?.close();
  dir.remove();
});

function fieldOf(fn: () => unknown): { code: string; field: string | undefined; message: string } {
  try {
    fn();
  } catch (error) {
    assert.instance(error, VigieError);
    const e = error as VigieError;
    return { code: e.code, field: e.fields[0]?.field, message: e.message };
  }
  throw new Error('expected a refusal');
}

test('a new page is off (opt-in), keeps its choices, and survives a reopen', () => {
  const page = store.create({ groupId: 3, slug: 'lab', title: '  Lab services ', hosts: ['web-1'], checks: ['site'] });
  assert.is(page.enabled, false);
  assert.is(page.showTargets, false);
  assert.is(page.title, 'Lab services');
  assert.equal(page.hosts, ['web-1']);
  assert.equal(page.checks, ['site']);
  store.close();
  store = StatusPageStore.open(dir.path, clock);
  assert.equal(store.bySlug('lab'), page);
  assert.is(store.bySlug('LAB'), null, 'slugs are lower-case only');
  assert.is(store.bySlug('../x'), null);
});

test('validation names the field', () => {
  assert.equal(fieldOf(() => store.create({ groupId: 1, slug: 'Bad Slug', title: 'x' })).field, 'slug');
  assert.equal(fieldOf(() => store.create({ groupId: 1, slug: 'a'.repeat(41), title: 'x' })).field, 'slug');
  assert.equal(fieldOf(() => store.create({ groupId: 1, slug: 'ok', title: '   ' })).field, 'title');
  assert.equal(fieldOf(() => store.create({ groupId: 1, slug: 'ok', title: 'x', hosts: ['a', 'a'] })).field, 'hosts[1]');
  const taken = fieldOf(() => store.create({ groupId: 1, slug: 'lab', title: 'again' }));
  assert.is(taken.code, 'VIGIE_ERR_CONFLICT');
  assert.is(taken.field, 'slug');
  const id = store.bySlug('lab')!.id;
  assert.equal(fieldOf(() => store.addIncident(id, { title: 'x'.repeat(121) })).field, 'title');
  assert.equal(fieldOf(() => store.addIncident(id, { title: 'ok', body: 'y'.repeat(2001) })).field, 'body');
  assert.equal(fieldOf(() => store.addIncident(id, { title: 'ok', state: 'fixed' as never })).field, 'state');
  assert.is(store.list().length, 1, 'nothing half-created');
});

test('edits, incident notes (no author), and their order', () => {
  const page = store.bySlug('lab')!;
  now += 1000;
  const updated = store.update(page.id, { enabled: true, showTargets: true, description: 'The lab', slug: 'lab-2' });
  assert.ok(updated.enabled && updated.showTargets);
  assert.is(updated.updatedAt, now);
  assert.is(store.bySlug('lab'), null);
  const first = store.addIncident(page.id, { title: 'Site slow', body: 'Looking into it.\nMore soon.' });
  assert.is(first.state, 'investigating');
  assert.not.ok('author' in first || 'createdBy' in first || 'user' in first);
  now += 1000;
  store.addIncident(page.id, { title: 'DNS', state: 'identified' });
  now += 1000;
  const resolved = store.updateIncident(page.id, first.id, { state: 'resolved' });
  assert.is(resolved.state, 'resolved');
  assert.is(resolved.body, 'Looking into it.\nMore soon.');
  assert.equal(store.incidents(page.id).map((i) => i.title), ['Site slow', 'DNS'], 'last changed first');
  assert.is(fieldOf(() => store.updateIncident(page.id + 1, first.id, { state: 'resolved' })).code, 'VIGIE_ERR_NOT_FOUND', 'a note is reached only through its page');
});

test('deleting a page removes its notes, and listeners hear every change', () => {
  let heard = 0;
  const off = store.onChange(() => heard++);
  const page = store.create({ groupId: 1, slug: 'other', title: 'Other' });
  store.addIncident(page.id, { title: 'note' });
  store.delete(page.id);
  off();
  assert.is(heard, 3);
  assert.is(store.incidents(page.id).length, 0);
  assert.is((store.db.prepare('SELECT COUNT(*) FROM status_incidents WHERE page_id = ?').pluck().get(page.id) as number), 0);
});

test.run();
