import type { Database, Statement } from 'better-sqlite3';
import { isMetricName, type MetricName } from '../../../protocol/metric-series.js';
import type { SeriesRef } from '../../types.js';
import type { NewHost, NewSeries } from './write-ops.js';

/**
 * The series table, (host, metric, key) → id, cached in memory: a write batch
 * resolves thousands of ids and must not run a SELECT for each (the cache is
 * loaded once at start; a new series costs one INSERT, once, in its batch).
 * It also keeps the host_keys table, host → the integer that leads the raw
 * points' primary key, allocated the same way.
 */
export class SeriesIds {
  private readonly byHost = new Map<string, Map<string, number>>();
  private readonly selectAll: Statement<[], { id: number; host: string; metric: string; key: string }>;
  private readonly selectMax: Statement<[], { max: number | null }>;
  /** Highest id taken: new series get the next ones, chosen here so a batch can be encoded before it reaches the writer. */
  private maxId = 0;
  private readonly selectHost: Statement<[string], { metric: string; key: string }>;
  private readonly hostKeys = new Map<string, number>();
  private readonly selectHostKeys: Statement<[], { id: number; host: string }>;
  private maxHostKey = 0;

  constructor(db: Database) {
    this.selectAll = db.prepare('SELECT id, host, metric, key FROM series');
    this.selectMax = db.prepare('SELECT max(id) AS max FROM series');
    this.selectHost = db.prepare('SELECT metric, key FROM series WHERE host = ? ORDER BY metric, key');
    this.selectHostKeys = db.prepare('SELECT id, host FROM host_keys');
    this.reload();
  }

  /** Re-reads the table, e.g. after a failed transaction rolled back ids the cache had taken. */
  reload(): void {
    this.byHost.clear();
    for (const row of this.selectAll.iterate()) this.hostMap(row.host).set(cacheKey(row.metric, row.key), row.id);
    this.maxId = this.selectMax.get()?.max ?? 0;
    this.hostKeys.clear();
    this.maxHostKey = 0;
    for (const row of this.selectHostKeys.iterate()) {
      this.hostKeys.set(row.host, row.id);
      if (row.id > this.maxHostKey) this.maxHostKey = row.id;
    }
  }

  hostKey(host: string): number | undefined {
    return this.hostKeys.get(host);
  }

  /** The key of a host; a new one gets the next key and is added to `created` (as getOrAllocate does for series). */
  hostKeyOrAllocate(host: string, created: NewHost[]): number {
    let key = this.hostKeys.get(host);
    if (key === undefined) {
      key = this.maxHostKey += 1;
      this.hostKeys.set(host, key);
      created.push([key, host]);
    }
    return key;
  }

  /** Every host with a series. */
  hosts(): string[] {
    return [...this.byHost.keys()];
  }

  /** The ids of a host's series. */
  idsOf(host: string): number[] {
    return [...(this.byHost.get(host)?.values() ?? [])];
  }

  /** Every known host key (retention walks them). */
  allHostKeys(): number[] {
    return [...this.hostKeys.values()];
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

  /** Drops a host's ids and key from the cache (its series and key were deleted). */
  forget(host: string): void {
    this.byHost.delete(host);
    this.hostKeys.delete(host);
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
