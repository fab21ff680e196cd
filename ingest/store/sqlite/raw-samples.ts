import type { Database, Statement } from 'better-sqlite3';
import type { RawSample, SampleQuery } from '../../types.js';

/** Rows read per query: big enough to be cheap, small enough that one read never holds the event loop for long. */
export const SAMPLE_PAGE_ROWS = 5000;

interface SeriesRow { id: number; metric: string; key: string }

/**
 * The raw samples of one host between `from` (inclusive) and `to`
 * (exclusive), optionally one metric (and key), in pages: series by series
 * (sorted by metric, then key), each in time order. Each page is its own
 * short read (keyset pagination on the primary key's (host_key, ts), the
 * host's other series filtered out), so an
 * export of days of samples never holds a long transaction or builds one
 * big array. Only raw samples: what the store keeps at full resolution
 * (`ingest.retention.raw`, 48 h by default); older times exist only as
 * rollups (the bucketed history).
 */
export async function* readRawSamples(db: Database, q: SampleQuery, pageRows = SAMPLE_PAGE_ROWS): AsyncGenerator<RawSample[]> {
  const seriesStmt: Statement<[{ host: string; metric: string | null; key: string | null }], SeriesRow> = db.prepare(
    `SELECT id, metric, key FROM series WHERE host = @host AND (@metric IS NULL OR metric = @metric) AND (@key IS NULL OR key = @key) ORDER BY metric, key`,
  );
  type PageParams = { hostKey: number; id: number; after: number; to: number; limit: number };
  const page: Statement<[PageParams], [number, number]> = db
    .prepare<[PageParams], [number, number]>('SELECT ts, value FROM points_raw WHERE host_key = @hostKey AND ts > @after AND ts < @to AND series_id = @id ORDER BY ts LIMIT @limit')
    .raw(true);
  const hostKey = (db.prepare('SELECT id FROM host_keys WHERE host = ?').pluck().get(q.host) as number | undefined);
  if (hostKey === undefined) return;
  const series = seriesStmt.all({ host: q.host, metric: q.metric ?? null, key: q.key ?? null });
  for (const s of series) {
    let after = q.from - 1;
    for (;;) {
      const rows = page.all({ hostKey, id: s.id, after, to: q.to, limit: pageRows });
      if (rows.length === 0) break;
      yield rows.map(([ts, value]) => ({ ts, metric: s.metric, key: s.key, value }));
      if (rows.length < pageRows) break;
      after = rows[rows.length - 1]![0];
      // Let the event loop run between pages (the ingest shares it in the server).
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}
