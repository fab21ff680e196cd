/**
 * The registry writes what changed, not whole rows (issue 16): a metrics
 * sample rewrites a host's hot row (last seen, presence, latest sample, in
 * host_hot), never its hosts row with the info and services list, which
 * SQLite would rewrite whole. Checked on a real SQLite file with triggers
 * that record every row insert and update.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import BetterSqlite3 from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventBus } from '../../core/event-bus.js';
import { createLogger } from '../../core/logger.js';
import { isBusy } from '../../core/sqlite.js';
import { PERSIST_SLICE_MS, startHostRegistry, type HostRegistry } from '../../ingest/host-registry.js';
import { openDatabase } from '../../ingest/store/sqlite/database.js';
import { HostRepo, type HostWrite } from '../../ingest/store/sqlite/host-repo.js';
import type { IngestEvents } from '../../ingest/types.js';
import { info, metrics, services } from './fixtures.js';

/** A real HostRepo that records each transaction the registry asks for: its budget and how many hosts it wrote. */
class RecordingRepo extends HostRepo {
  calls: Array<{ budgetMs: number; written: number; ms: number; busy: boolean }> = [];
  afterCall?: () => void;
  override saveFor(next: () => HostWrite | undefined, budgetMs = Infinity, opts: { wait?: boolean } = {}): boolean {
    let written = 0;
    const started = performance.now();
    let busy = false;
    try {
      return super.saveFor(() => {
        const w = next();
        if (w) written += 1;
        return w;
      }, budgetMs, opts);
    } catch (error) {
      busy = isBusy(error);
      throw error;
    } finally {
      this.calls.push({ budgetMs, written, ms: performance.now() - started, busy });
      this.afterCall?.();
    }
  }
}

test('a sample rewrites only the hot columns; info and services are written when they change', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-registry-'));
  const db = openDatabase(dir);
  try {
    db.exec(`
      CREATE TABLE audit (what TEXT NOT NULL);
      CREATE TRIGGER hosts_insert AFTER INSERT ON hosts BEGIN INSERT INTO audit VALUES ('insert'); END;
      CREATE TRIGGER hosts_update AFTER UPDATE ON hosts BEGIN INSERT INTO audit VALUES ('hosts'); END;
      CREATE TRIGGER hot_insert AFTER INSERT ON host_hot BEGIN INSERT INTO audit VALUES ('hot insert'); END;
      CREATE TRIGGER hot_update AFTER UPDATE ON host_hot BEGIN INSERT INTO audit VALUES ('hot'); END;`);
    const log = createLogger('test');
    let now = Date.now();
    const registry = startHostRegistry({ repo: new HostRepo(db, log), bus: new EventBus<IngestEvents>(log), staleAfterIntervals: 3, persistInterval: 3600, clock: { now: () => now }, log });
    const audit = (): string[] => (db.prepare('SELECT what FROM audit').all() as Array<{ what: string }>).map((r) => r.what);
    const live = { retained: false };

    registry.onInfo('web1', info('web1'), live);
    registry.onServices('web1', services(), live);
    registry.onMetrics('web1', metrics(now), live);
    registry.persist();
    assert.equal(audit(), ['insert', 'hot insert'], 'a new host is written whole, once');
    db.exec('DELETE FROM audit');

    for (let i = 1; i <= 5; i++) {
      now += 5000;
      registry.onMetrics('web1', metrics(now), live);
    }
    registry.persist();
    assert.equal(audit(), ['hot'], 'samples: one update of the hot row, the hosts row (services, info) untouched');
    const row = db.prepare('SELECT last_seen, latest FROM host_hot WHERE id = ?').get('web1') as { last_seen: number; latest: string };
    assert.is(row.last_seen, now);
    assert.is((JSON.parse(row.latest) as { ts: number }).ts, now);
    assert.is((db.prepare('SELECT latest FROM hosts WHERE id = ?').get('web1') as { latest: string | null }).latest, null, 'the sample is not kept twice');
    assert.is(new HostRepo(db, log).loadAll()[0]?.lastSeen, now, 'loaded from the hot row');
    db.exec('DELETE FROM audit');

    const changed = { ...services(), services: [...services().services, { name: 'cron', state: 'running' as const, enabled: true }] };
    registry.onServices('web1', changed, live);
    registry.persist();
    assert.equal(audit(), ['insert', 'hot insert'], 'a changed services list rewrites the row');
    const reloaded = new HostRepo(db, log).loadAll().find((h) => h.id === 'web1');
    assert.is(reloaded?.services?.services.length, 2);
    assert.is(reloaded?.latest?.ts, now);

    // A row deleted behind the registry's back comes back whole on the next sample.
    db.exec('DELETE FROM hosts; DELETE FROM audit');
    registry.onMetrics('web1', metrics(now + 5000), live);
    registry.persist();
    assert.equal(audit(), ['insert', 'hot insert']);
    assert.is(new HostRepo(db, log).loadAll()[0]?.services?.services.length, 2);
    assert.is(new HostRepo(db, log).loadAll()[0]?.latest?.ts, now + 5000);
    await registry.close();
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the timer writes 1,000 hosts a slice at a time; a host removed meanwhile is not written back; close writes the rest', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-registry-'));
  const db = openDatabase(dir);
  try {
    const log = createLogger('test');
    const repo = new RecordingRepo(db, log);
    const registry = startHostRegistry({ repo, bus: new EventBus<IngestEvents>(log), staleAfterIntervals: 3, persistInterval: 0.05, clock: { now: () => Date.now() }, log });
    const live = { retained: false };
    // 250 services each: ~10 KB of JSON per hosts row, as a busy server has.
    const many = { ...services(), services: Array.from({ length: 250 }, (_, i) => ({ name: `service-${i}.service`, state: 'running' as const, enabled: true })) };
    for (let i = 0; i < 1000; i++) {
      const id = `h${String(i).padStart(3, '0')}`;
      registry.onInfo(id, info(id), live);
      registry.onServices(id, many, live);
      registry.onMetrics(id, metrics(Date.now()), live);
    }
    const count = (table: string): number => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    let removal: Promise<boolean> | undefined;
    repo.afterCall = () => {
      repo.afterCall = undefined;
      removal = registry.remove('h999');
    };
    const deadline = Date.now() + 30_000;
    while (count('hosts') < 999 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const round = repo.calls.filter((c) => c.written > 0);
    assert.ok(repo.calls.every((c) => !c.busy), 'nobody else writes here');
    assert.ok(round.length >= 2, `several transactions, not one: ${JSON.stringify(round.slice(0, 3))}`);
    assert.ok(round.every((c) => c.budgetMs === PERSIST_SLICE_MS), 'each bounded by the slice budget');
    assert.is(round.reduce((n, c) => n + c.written, 0), 999, 'every host once, the removed one skipped');
    assert.ok(round[0]!.written < 999, 'the first slice leaves the rest for later turns of the loop');
    assert.is(count('hosts'), 999);
    assert.is(count('host_hot'), 999);
    assert.ok(await removal, 'removed while the round is being written');
    assert.is(db.prepare('SELECT id FROM hosts WHERE id = ?').get('h999'), undefined, 'not written back');
    const row = db.prepare('SELECT services FROM hosts WHERE id = ?').get('h500') as { services: string };
    assert.is((JSON.parse(row.services) as { services: unknown[] }).services.length, 250);

    // A round cut short by close: what is left is written at once, and no slice runs after.
    repo.calls = [];
    for (let i = 0; i < 998; i++) registry.onInfo(`h${String(i).padStart(3, '0')}`, { ...info('x'), hostname: `renamed-${i}` }, live);
    let closing: Promise<void> | undefined;
    repo.afterCall = () => {
      repo.afterCall = undefined;
      closing = registry.close();
    };
    while (!closing && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await closing;
    const callsAtClose = repo.calls.length;
    await new Promise((r) => setTimeout(r, 100));
    assert.is(repo.calls.length, callsAtClose, 'no slice after close');
    assert.is(repo.calls.at(-1)?.budgetMs, Infinity, 'close writes in one go');
    const renamed = (db.prepare(`SELECT count(*) AS n FROM hosts WHERE json_extract(info, '$.hostname') LIKE 'renamed-%'`).get() as { n: number }).n;
    assert.is(renamed, 998, 'every change written by the time close resolves');
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('while another connection holds the write lock, the timer\'s writes wait in the queue, not asleep in the server thread', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-registry-'));
  const db = openDatabase(dir);
  // The metric store's writer: another connection to the same file, holding the write lock.
  const writer = new BetterSqlite3(db.name);
  try {
    const log = createLogger('test');
    const repo = new RecordingRepo(db, log);
    const registry = startHostRegistry({ repo, bus: new EventBus<IngestEvents>(log), staleAfterIntervals: 3, persistInterval: 0.05, clock: { now: () => Date.now() }, log });
    const live = { retained: false };
    for (let i = 0; i < 50; i++) registry.onInfo(`h${i}`, info(`h${i}`), live);
    writer.exec('BEGIN IMMEDIATE');
    const deadline = Date.now() + 30_000;
    while (repo.calls.filter((c) => c.busy).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const busy = repo.calls.filter((c) => c.busy);
    assert.ok(busy.length >= 3, 'tried again while locked');
    // SQLite's busy timeout is 5 s on every connection: a call that waited for it would take that long.
    assert.ok(busy.every((c) => c.ms < 1000 && c.written === 0), `each try gave up at once, taking nothing: ${JSON.stringify(busy.slice(0, 3))}`);
    const count = (): number => (db.prepare('SELECT count(*) AS n FROM hosts').get() as { n: number }).n;
    assert.is(count(), 0);
    writer.exec('COMMIT');
    while (count() < 50 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.is(count(), 50, 'written once the lock is free');
    assert.is(repo.calls.reduce((n, c) => n + c.written, 0), 50, 'each host once: a busy try is not a failure that rewrites every host');
    await registry.close();
  } finally {
    writer.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * A registry on a fresh SQLite file, its hosts written, and a second connection
 * standing for the metric store's writer; all closed and removed after `body`.
 */
async function withWriter(hosts: string[], body: (t: { db: BetterSqlite3.Database; writer: BetterSqlite3.Database; registry: HostRegistry }) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-registry-'));
  const db = openDatabase(dir);
  const writer = new BetterSqlite3(db.name);
  try {
    const log = createLogger('test');
    const registry = startHostRegistry({ repo: new HostRepo(db, log), bus: new EventBus<IngestEvents>(log), staleAfterIntervals: 3, persistInterval: 3600, clock: { now: () => Date.now() }, log });
    for (const id of hosts) registry.onInfo(id, info(id), { retained: false });
    registry.persist();
    await body({ db, writer, registry });
  } finally {
    writer.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('removing a host while another connection holds the write lock: the server thread is not put to sleep, the rows go once the lock is free', () =>
  withWriter(['keep', 'gone'], async ({ db, writer, registry }) => {
    const rows = (table: string): string[] => (db.prepare(`SELECT id FROM ${table} ORDER BY id`).all() as Array<{ id: string }>).map((r) => r.id);
    assert.equal(rows('hosts'), ['gone', 'keep']);
    writer.exec('BEGIN IMMEDIATE'); // the metric store's writer in the middle of a batch
    const started = performance.now();
    let done = false;
    const removal = registry.remove('gone').then((removed) => ((done = true), removed));
    // SQLite's busy timeout is 5 s: a remove that waited in it would have held this thread that long.
    assert.ok(performance.now() - started < 1000, `remove() returned at once (${Math.round(performance.now() - started)} ms)`);
    for (let turn = 0; turn < 10; turn++) await new Promise((r) => setTimeout(r, 20));
    assert.not.ok(done, 'still waiting for the lock, while the event loop turned');
    assert.equal(registry.list().map((h) => h.id), ['keep'], 'forgotten in memory at once');
    writer.exec('COMMIT');
    assert.ok(await removal);
    assert.equal(rows('hosts'), ['keep']);
    assert.equal(rows('host_hot'), ['keep']);
    assert.is(await registry.remove('gone'), false, 'unknown now');
    await registry.close();
  }));

test('a remove still waiting for the lock when the registry closes is finished by close', () =>
  withWriter(['gone'], async ({ db, writer, registry }) => {
    writer.exec('BEGIN IMMEDIATE');
    const removal = registry.remove('gone');
    await new Promise((r) => setTimeout(r, 60)); // tried, busy, waiting for its next try
    writer.exec('COMMIT');
    await registry.close(); // before that next try: close deletes it (waiting for the lock if need be)
    assert.is(db.prepare('SELECT id FROM hosts WHERE id = ?').get('gone'), undefined, 'deleted by close');
    assert.ok(await removal, 'the waiting remove resolves');
  }));

test.run();
