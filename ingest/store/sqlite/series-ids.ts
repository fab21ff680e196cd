import type { Database, Statement } from 'better-sqlite3';
import { isMetricName, type MetricName } from '../../../protocol/metric-series.js';
import type { SeriesRef } from '../../types.js';
import type { NewSeries } from './write-ops.js';

/**
 * The series table, (host, metric, key) → id, cached in memory: a write batch
 * resolves thousands of ids and must not run a SELECT for each (the cache is
 * loaded once at start; a new series costs one INSERT, once, in its batch).
 */
export class SeriesIds {
  private readonly byHost = new Map<string, Map<string, number>>();
  private readonly selectAll: Statement<[], { id: number; host: string; metric: string; key: string }>;
  private readonly selectMax: Statement<[], { max: number | null }>;
  /** Highest id taken: new series get the next ones, chosen here so a batch can be encoded before it reaches the writer. */
  private maxId = 0;
  private readonly selectHost: Statement<[string], { metric: string; key: string }>;

  constructor(db: Database) {
    this.selectAll = db.prepare('SELECT id, host, metric, key FROM series');
    this.selectMax = db.prepare('SELECT max(id) AS max FROM series');
    this.selectHost = db.prepare('SELECT metric, key FROM series WHERE host = ? ORDER BY metric, key');
    this.reload();
  }

  /** Re-reads the table, e.g. after a failed transaction rolled back ids the cache had taken. */
  reload(): void {
    this.byHost.clear();
    for (const row of this.selectAll.iterate()) this.hostMap(row.host).set(cacheKey(row.metric, row.key), row.id);
    this.maxId = this.selectMax.get()?.max ?? 0;
  }

  get(host: string, metric: string, key: string): number | undefined {
    return this.byHost.get(host)?.get(cacheKey(metric, key));
  }

  /**
   * The id of a series; a new one gets the next id and is added to `created`,
   * for the write batch to insert (one writer: ids cannot collide). If that
   * batch rolls back, reload() forgets it.
   */
  getOrAllocate(host: string, metric: string, key: string, created: NewSeries[]): number {
    const map = this.hostMap(host);
    const k = cacheKey(metric, key);
    let id = map.get(k);
    if (id === undefined) {
      id = this.maxId += 1;
      map.set(k, id);
      created.push([id, host, metric, key]);
    }
    return id;
  }

  /** Drops a host's ids from the cache (its series were deleted). */
  forget(host: string): void {
    this.byHost.delete(host);
  }

  /** Every known series id (retention walks them). */
  allIds(): number[] {
    const out: number[] = [];
    for (const map of this.byHost.values()) for (const id of map.values()) out.push(id);
    return out;
  }

  /** The series of one host, sorted by metric then key. */
  list(host: string): SeriesRef[] {
    return this.selectHost
      .all(host)
      .filter((r): r is { metric: MetricName; key: string } => isMetricName(r.metric))
      .map((r) => ({ metric: r.metric, key: r.key }));
  }

  private hostMap(host: string): Map<string, number> {
    let map = this.byHost.get(host);
    if (!map) this.byHost.set(host, (map = new Map()));
    return map;
  }
}

// Most series have no key: use the metric name as is and only build a string for keyed ones.
const cacheKey = (metric: string, key: string): string => (key === '' ? metric : `${metric}\u0000${key}`);
