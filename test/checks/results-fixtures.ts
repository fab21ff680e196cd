/** Check results as a runner publishes them, and an outage sequence with a known availability. */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { MINUTE_MS, floorTo } from '../../core/time.js';
import type { CheckResultPayload } from '../../protocol/schemas/check.js';
import { createTopics } from '../../protocol/topics.js';

export const topics = createTopics('vigie');

export function checkResult(ts: number, state: 'up' | 'down', o: Partial<CheckResultPayload> = {}): CheckResultPayload {
  return {
    v: 1, ts, kind: 'http', state,
    latency: state === 'up' ? 0.042 : null,
    message: state === 'up' ? '200 OK' : 'connection refused',
    ...(state === 'up' ? { status: 200, phases: { dns: 0.001, connect: 0.002, tls: 0.01, firstByte: 0.03 } } : {}),
    ...o,
  };
}

/** Every 10 s for 2 h ending an hour before `now` (minute-aligned), down for 10 minutes in the middle: 60 of 720 down, 91.67 %. */
export function outageSequence(now: number): { from: number; to: number; results: CheckResultPayload[]; expected: number } {
  const to = floorTo(now, MINUTE_MS) - 60 * MINUTE_MS;
  const from = to - 120 * MINUTE_MS;
  const downFrom = from + 50 * MINUTE_MS;
  const downTo = downFrom + 10 * MINUTE_MS;
  const results: CheckResultPayload[] = [];
  for (let ts = from; ts < to; ts += 10_000) results.push(checkResult(ts, ts >= downFrom && ts < downTo ? 'down' : 'up'));
  return { from, to, results, expected: (100 * 660) / 720 };
}

/** Publishes results in order at QoS 1, retained as a runner does, a few in flight at a time. */
export async function publishResults(client: MqttClient, runner: string, check: string, results: readonly CheckResultPayload[], retain = true): Promise<void> {
  const topic = topics.checkResult(runner, check);
  for (let i = 0; i < results.length; i += 20) {
    await Promise.all(results.slice(i, i + 20).map((r) => client.publishAsync(topic, JSON.stringify(r), { qos: 1, retain })));
  }
}

/** Rows of a series in one table of `<dataDir>/vigie.db`, read with a separate connection. */
export function storedRows(dataDir: string, table: 'points_raw' | 'points_1m' | 'points_1h', host: string, metric: string, key: string, ts?: number): number {
  const db = new Database(join(dataDir, 'vigie.db'), { readonly: true, fileMustExist: true });
  try {
    const row = db
      .prepare(`SELECT count(*) AS n FROM ${table} p JOIN series s ON s.id = p.series_id WHERE s.host = ? AND s.metric = ? AND s.key = ?${ts === undefined ? '' : ' AND p.ts = ?'}`)
      .get(...(ts === undefined ? [host, metric, key] : [host, metric, key, ts])) as { n: number };
    return row.n;
  } finally {
    db.close();
  }
}

/** Samples a rollup table holds for a series (the sum of its counts): every sample once the rollups caught up. */
export function rolledSamples(dataDir: string, table: 'points_1m' | 'points_1h', host: string, metric: string, key: string): number {
  const db = new Database(join(dataDir, 'vigie.db'), { readonly: true, fileMustExist: true });
  try {
    const row = db
      .prepare(`SELECT coalesce(sum(p.count), 0) AS n FROM ${table} p JOIN series s ON s.id = p.series_id WHERE s.host = ? AND s.metric = ? AND s.key = ?`)
      .get(host, metric, key) as { n: number };
    return row.n;
  } finally {
    db.close();
  }
}
