import type { Database, Statement } from 'better-sqlite3';
import { HOUR_MS, MINUTE_MS, floorTo } from '../../../core/time.js';
import type { MinuteAcc } from './minute-partials.js';

/**
 * Rollup and retention statements. A bucket is rebuilt from the finer tier
 * with INSERT OR REPLACE, so running it twice, or after late samples arrived,
 * gives the exact same rows as if every sample had been there from the
 * start. The one increment: new raw points' sums added to their 1m bucket
 * once (minute-partials.ts says when that is exact, and rebuilds otherwise).
 */
export class RollupStatements {
  private readonly minuteFromRaw: Statement<[number, number]>;
  private readonly minuteAdd: Statement<[number, number, number, number, number, number]>;
  private readonly hourFromMinute: Statement<[number, number]>;
  private readonly deleteRaw: Statement<[number, number]>;
  private readonly deleteMinute: Statement<[number, number]>;
  private readonly deleteHour: Statement<[number, number]>;

  constructor(db: Database) {
    // Raw points are keyed by host first: one range read rebuilds every series of the host.
    this.minuteFromRaw = db.prepare(`
      INSERT OR REPLACE INTO points_1m (series_id, ts, sum, count, min, max)
      SELECT series_id, ts - ts % ${MINUTE_MS}, sum(value), count(*), min(value), max(value)
      FROM points_raw WHERE host_key = ? AND ts >= ?
      GROUP BY series_id, ts - ts % ${MINUTE_MS}`);
    this.minuteAdd = db.prepare(`
      INSERT INTO points_1m (series_id, ts, sum, count, min, max) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (series_id, ts) DO UPDATE SET sum = sum + excluded.sum, count = count + excluded.count,
        min = min(min, excluded.min), max = max(max, excluded.max)`);
    this.hourFromMinute = db.prepare(`
      INSERT OR REPLACE INTO points_1h (series_id, ts, sum, count, min, max)
      SELECT series_id, ts - ts % ${HOUR_MS}, sum(sum), sum(count), min(min), max(max)
      FROM points_1m WHERE series_id = ? AND ts >= ?
      GROUP BY series_id, ts - ts % ${HOUR_MS}`);
    this.deleteRaw = db.prepare('DELETE FROM points_raw WHERE host_key = ? AND ts < ?');
    this.deleteMinute = db.prepare('DELETE FROM points_1m WHERE series_id = ? AND ts < ?');
    this.deleteHour = db.prepare('DELETE FROM points_1h WHERE series_id = ? AND ts < ?');
  }

  /**
   * Rebuilds the 1m buckets of every series of a host from the minute
   * holding `from`. Raw rows must be complete from there on (the caller
   * clamps `from` to the raw retention bound).
   */
  minutesOfHost(hostKey: number, from: number): void {
    this.minuteFromRaw.run(hostKey, floorTo(from, MINUTE_MS));
  }

  /** Adds new raw points' sums to a 1m bucket (ingest/store/sqlite/minute-partials.ts). */
  addToMinute(seriesId: number, minute: number, acc: MinuteAcc): void {
    this.minuteAdd.run(seriesId, minute, acc.sum, acc.count, acc.min, acc.max);
  }

  /** Rebuilds the 1h buckets of a series from the hour holding `from`, after its 1m buckets. */
  hoursOfSeries(seriesId: number, from: number): void {
    this.hourFromMinute.run(seriesId, floorTo(from, HOUR_MS));
  }

  /** Deletes a host's raw rows older than `before`; returns rows deleted. */
  deleteRawOlder(hostKey: number, before: number): number {
    return this.deleteRaw.run(hostKey, before).changes;
  }

  /** Deletes the rollup rows of a series older than each tier's bound; returns rows deleted. */
  deleteRollupsOlder(seriesId: number, before: { '1m': number; '1h': number }): number {
    return this.deleteMinute.run(seriesId, before['1m']).changes + this.deleteHour.run(seriesId, before['1h']).changes;
  }
}
