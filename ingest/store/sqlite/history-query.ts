import type { Database, Statement } from 'better-sqlite3';
import type { HistoryPoint, Tier } from '../../types.js';

type Row = [number, number, number, number, number];
interface Params { hostKey: number; id: number; from: number; to: number; step: number; stale: number }

/**
 * Range queries, aggregated into `step` buckets aligned on multiples of step.
 * Rollup tiers are read up to `stale` — the first bucket a pending rollup
 * would still change — and raw samples fill in from there, so the newest
 * minutes are never missing and the answer is exact either way. Raw points
 * are read by their key's (host_key, ts) range, then filtered to the series.
 */
export class HistoryStatements {
  private readonly raw: Statement<[Omit<Params, 'stale'>], Row>;
  private readonly rolled: Record<'1m' | '1h', Statement<[Params], Row>>;

  constructor(db: Database) {
    this.raw = db
      .prepare<[Omit<Params, 'stale'>], Row>(`
        SELECT ts - ts % @step AS b, avg(value), min(value), max(value), count(*)
        FROM points_raw WHERE host_key = @hostKey AND ts >= @from AND ts < @to AND series_id = @id
        GROUP BY b ORDER BY b`)
      .raw(true);
    const rolled = (table: string): Statement<[Params], Row> =>
      db
        .prepare<[Params], Row>(`
          SELECT b, sum(s) / sum(c), min(mn), max(mx), sum(c) FROM (
            SELECT ts - ts % @step AS b, sum AS s, count AS c, min AS mn, max AS mx FROM ${table}
            WHERE series_id = @id AND ts >= @from AND ts < @to AND ts < @stale
            UNION ALL
            SELECT ts - ts % @step, value, 1, value, value FROM points_raw
            WHERE host_key = @hostKey AND ts >= max(@from, @stale) AND ts < @to AND series_id = @id
          ) GROUP BY b ORDER BY b`)
        .raw(true);
    this.rolled = { '1m': rolled('points_1m'), '1h': rolled('points_1h') };
  }

  /** `stale` is ignored for raw; for a rollup tier it must be aligned to the tier's bucket. `withCount` adds each bucket's sample count. */
  query(tier: Tier, p: Params, withCount = false): HistoryPoint[] {
    const rows = tier === 'raw' ? this.raw.all({ hostKey: p.hostKey, id: p.id, from: p.from, to: p.to, step: p.step }) : this.rolled[tier].all(p);
    return withCount ? rows.map(([ts, avg, min, max, count]) => ({ ts, avg, min, max, count })) : rows.map(([ts, avg, min, max]) => ({ ts, avg, min, max }));
  }
}
