/**
 * Script check results through a real broker, the real ingest and its
 * SQLite file (issue 14): Nagios exits 0–3 with perfdata, published as a
 * runner publishes them, are accepted (kind `script`) and stored as
 * `check.up`, `check.status` and one `check.perf` series per label.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CheckResultRecord } from '../../checks/types.js';
import { startIngest } from '../../ingest/index.js';
import type { CheckResultPayload } from '../../protocol/schemas/check.js';
import type { NagiosStatus } from '../../protocol/schemas/script.js';
import { connectClient, startTestBroker } from '../helpers/mqtt.js';
import { tempDir, waitFor } from '../helpers/env.js';
import { ingestConfig } from '../ingest/fixtures.js';
import { topics } from './results-fixtures.js';

const EXIT: Record<NagiosStatus, number> = { ok: 0, warning: 1, critical: 2, unknown: 3 };

function result(ts: number, status: NagiosStatus, lag: number): CheckResultPayload {
  return {
    v: 1, ts, kind: 'script', state: status === 'ok' || status === 'warning' ? 'up' : 'down', latency: 0.05,
    message: `PG ${status.toUpperCase()} - lag ${lag} s`,
    script: { script: 'pg-replication', version: 1, status, exit: EXIT[status], perfdata: [{ label: 'Lag', value: lag, unit: 's', warn: '30', crit: '60' }, { label: 'wal', value: 7, unit: '' }] },
  };
}

/** The stored values of one series, oldest first. */
function values(dataDir: string, metric: string, key: string): number[] {
  const db = new Database(join(dataDir, 'vigie.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT p.value FROM points_raw p JOIN series s ON s.id = p.series_id WHERE s.host = ? AND s.metric = ? AND s.key = ? ORDER BY p.ts').all('db-1', metric, key) as { value: number }[]).map((r) => r.value);
  } finally {
    db.close();
  }
}

test('exits 0–3 with perfdata: the right states and series', async () => {
  const broker = await startTestBroker();
  const dir = tempDir();
  const ingest = await startIngest({ ingest: ingestConfig(broker.url, { clientId: `vigie-ingest-script-${process.pid}` }), dataDir: dir.path, prefix: 'vigie' }, { acceptCheck: (r, c) => r === 'db-1' && c === 'pg-repl' });
  const seen: CheckResultRecord[] = [];
  ingest.bus.on('test', 'check', (e) => seen.push(e));
  const runner = await connectClient(broker.url);
  try {
    await waitFor('ingest subscribed', () => ingest.stats().connected);
    const t0 = Date.now() - 60_000;
    const statuses: NagiosStatus[] = ['ok', 'warning', 'critical', 'unknown'];
    for (const [i, status] of statuses.entries()) {
      await runner.publishAsync(topics.checkResult('db-1', 'pg-repl'), JSON.stringify(result(t0 + i * 10_000, status, 10 * (i + 1))), { qos: 1, retain: true });
    }
    await waitFor('four results', () => seen.length === 4);
    assert.equal(seen.map((r) => `${r.result.state}/${r.result.script?.status}`), ['up/ok', 'up/warning', 'down/critical', 'down/unknown']);
    await waitFor('stored', () => values(dir.path, 'check.perf', 'pg-repl/wal').length === 4);
    assert.equal(values(dir.path, 'check.up', 'pg-repl'), [100, 100, 0, 0]);
    assert.equal(values(dir.path, 'check.status', 'pg-repl'), [0, 1, 2, 3]);
    assert.equal(values(dir.path, 'check.perf', 'pg-repl/lag'), [10, 20, 30, 40], 'the label lower-cased in the key');
    assert.equal(values(dir.path, 'check.perf', 'pg-repl/wal'), [7, 7, 7, 7]);
  } finally {
    await runner.endAsync();
    await ingest.close();
    await broker.close();
    dir.remove();
  }
});

test.run();
