/**
 * The registry writes what changed, not whole rows (issue 16): a metrics
 * sample rewrites a host's hot row (last seen, presence, latest sample, in
 * host_hot), never its hosts row with the info and services list, which
 * SQLite would rewrite whole. Checked on a real SQLite file with triggers
 * that record every row insert and update.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventBus } from '../../core/event-bus.js';
import { createLogger } from '../../core/logger.js';
import { startHostRegistry } from '../../ingest/host-registry.js';
import { openDatabase } from '../../ingest/store/sqlite/database.js';
import { HostRepo } from '../../ingest/store/sqlite/host-repo.js';
import type { IngestEvents } from '../../ingest/types.js';
import { info, metrics, services } from './fixtures.js';

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

test.run();
