import type { InfluxConfig } from '../../config.js';

/**
 * Where and how to talk to one InfluxDB, for either API generation. The
 * writer and the query client share it; only URLs and credentials differ:
 * - v2 (InfluxDB 2.x, 3.x, 1.8+): POST /api/v2/write?org=&bucket=&precision=ms
 *   with `Authorization: Token <token>`; reads through the 1.x-compatible
 *   /query with db=<bucket> (a DBRP mapping on 2.x; 3.x maps it itself).
 * - v1 (InfluxDB 1.x, including Debian's 1.6): POST /write?db=&rp=&precision=ms
 *   and /query?db=&rp=, with basic auth when a username is set.
 */
export interface InfluxTarget {
  api: 'v1' | 'v2';
  writeUrl: string;
  /** The /query URL for one InfluxQL text (sent as a POST form; `q` is added by the caller). */
  queryUrl: string;
  /** db (and rp) parameters of /query. */
  queryParams: Record<string, string>;
  /** Authorization header (or none). */
  headers: Record<string, string>;
  /** Where a host's points are deleted: v1 uses DROP SERIES over /query, v2 POST /api/v2/delete. */
  deleteUrl?: string;
  /** Shown in logs and on the health page: the URL and database/bucket, never a credential. */
  describe: string;
}

function base(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Builds the target; throws an Error naming the config key that is missing. */
export function createTarget(cfg: InfluxConfig): InfluxTarget {
  const root = base(cfg.url);
  if (cfg.api === 'v2') {
    for (const key of ['token', 'org', 'bucket'] as const) {
      if (!cfg[key]) throw new Error(`ingest.influx.${key}: required when ingest.influx.api is "v2"`);
    }
    const q = new URLSearchParams({ org: cfg.org as string, bucket: cfg.bucket as string, precision: 'ms' });
    const del = new URLSearchParams({ org: cfg.org as string, bucket: cfg.bucket as string });
    return {
      api: 'v2',
      writeUrl: `${root}/api/v2/write?${q}`,
      queryUrl: `${root}/query`,
      queryParams: { db: cfg.bucket as string },
      headers: { authorization: `Token ${cfg.token as string}` },
      deleteUrl: `${root}/api/v2/delete?${del}`,
      describe: `${root} (v2, org ${cfg.org as string}, bucket ${cfg.bucket as string})`,
    };
  }
  const q = new URLSearchParams({ db: cfg.database, precision: 'ms' });
  const db: Record<string, string> = { db: cfg.database };
  if (cfg.retentionPolicy) {
    q.set('rp', cfg.retentionPolicy);
    db.rp = cfg.retentionPolicy;
  }
  const headers: Record<string, string> = {};
  // Basic auth rather than u/p parameters: credentials stay out of URLs (and logs of proxies).
  if (cfg.username) headers.authorization = `Basic ${Buffer.from(`${cfg.username}:${cfg.password ?? ''}`).toString('base64')}`;
  return {
    api: 'v1',
    writeUrl: `${root}/write?${q}`,
    queryUrl: `${root}/query`,
    queryParams: db,
    headers,
    describe: `${root} (v1, database ${cfg.database}${cfg.retentionPolicy ? `, rp ${cfg.retentionPolicy}` : ''})`,
  };
}
