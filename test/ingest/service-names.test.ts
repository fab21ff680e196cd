/**
 * The registry keeps every host's services list in memory; the names and
 * whole entries repeat from host to host (issue 16: 124,000 name strings for
 * 1,000 hosts, ~700,000 entry objects for 5,000). Checked
 * by the heap: 400 hosts list the same 100 services under long names, each
 * host's payload parsed from its own JSON text as the ingest does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventBus } from '../../core/event-bus.js';
import { createLogger } from '../../core/logger.js';
import { startHostRegistry, type HostRegistry } from '../../ingest/host-registry.js';
import { openDatabase } from '../../ingest/store/sqlite/database.js';
import { HostRepo } from '../../ingest/store/sqlite/host-repo.js';
import type { IngestEvents } from '../../ingest/types.js';
import type { ServicesPayload } from '../../protocol/payloads.js';
import { settledHeapUsed } from '../helpers/heap.js';


/** A host registry on a fresh SQLite file, closed and removed after `body`. */
async function withRegistry(body: (registry: HostRegistry) => Promise<void> | void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-services-'));
  const db = openDatabase(dir);
  try {
    const log = createLogger('test');
    const registry = startHostRegistry({ repo: new HostRepo(db, log), bus: new EventBus<IngestEvents>(log), staleAfterIntervals: 3, persistInterval: 3600, clock: { now: () => Date.now() }, log });
    await body(registry);
    await registry.close();
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the same service names from many hosts are held once', () =>
  withRegistry((registry) => {
    const hosts = 400;
    const perHost = 100;
    const nameLength = 200;
    const text = JSON.stringify({
      v: 1, ts: Date.now(),
      services: Array.from({ length: perHost }, (_, i) => ({ name: `${'long-unit-name-'.repeat(13)}${String(i).padStart(5, '0')}.service`, state: 'running', enabled: true })),
    });
    const before = settledHeapUsed();
    // Each host's own parse: fresh strings, as when each message is decoded.
    for (let h = 0; h < hosts; h++) registry.onServices(`h${h}`, JSON.parse(text) as ServicesPayload, { retained: false });
    const grown = settledHeapUsed() - before;
    const namesIfCopied = hosts * perHost * nameLength;
    assert.is(registry.get('h399')?.services?.services.length, perHost);
    assert.ok(grown < namesIfCopied / 2, `the registry grew by ${(grown / 2 ** 20).toFixed(1)} MiB; one copy of the names per host alone is ${(namesIfCopied / 2 ** 20).toFixed(1)} MiB`);
  }),
);

test('the same service entries from many hosts are one frozen object; a different state or flag is another', () =>
  withRegistry((registry) => {
    const payload = (state: string, extra: object = {}) => JSON.parse(JSON.stringify({
      v: 1, ts: Date.now(), services: [{ name: 'ssh.service', state: 'running', enabled: true }, { name: 'cron.service', state, enabled: true, ...extra }],
    })) as ServicesPayload;
    registry.onServices('a', payload('running'), { retained: false });
    registry.onServices('b', payload('running', { note: 'x'.repeat(1000) }), { retained: false });
    registry.onServices('c', payload('failed'), { retained: false });
    const of = (host: string) => registry.get(host)!.services!.services;
    assert.ok(of('a')[0] === of('b')[0] && of('a')[0] === of('c')[0], 'ssh.service running enabled: one object for three hosts');
    assert.ok(of('a')[1] === of('b')[1], 'an unknown field is not kept');
    assert.equal(Object.keys(of('b')[1]!), ['name', 'state', 'enabled']);
    assert.ok(of('a')[1] !== of('c')[1]);
    assert.is(of('c')[1]!.state, 'failed');
    assert.is(of('a')[1]!.state, 'running', "another host's state is its own");
    assert.ok(Object.isFrozen(of('a')[0]), 'shared, so frozen');
  }),
);

test.run();
