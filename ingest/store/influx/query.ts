import { VigieError } from '../../../core/errors.js';
import type { InfluxTarget } from './target.js';

/** One series of an InfluxQL answer (JSON of /query with epoch=ms). */
export interface QuerySeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

interface QueryJson {
  results?: Array<{ statement_id?: number; error?: string; series?: QuerySeries[] }>;
  error?: string;
}

/** An InfluxQL identifier: always double-quoted, so any name is safe. */
export function ident(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** An InfluxQL string literal; values are never spliced in unquoted. */
export function literal(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

/**
 * Runs InfluxQL through the 1.x-compatible /query endpoint (v1 servers; 2.x
 * through DBRP mappings; 3.x). Several statements may be separated by `;`:
 * the answer has one series list per statement. Timestamps come back in ms.
 * Rejects with VIGIE_ERR_UNAVAILABLE when InfluxDB cannot answer, naming why.
 */
export async function influxQL(target: InfluxTarget, q: string, timeoutMs: number): Promise<QuerySeries[][]> {
  const params = new URLSearchParams({ ...target.queryParams, epoch: 'ms' });
  let res: Response;
  try {
    res = await fetch(`${target.queryUrl}?${params}`, {
      method: 'POST', // DROP SERIES needs POST; SELECT and SHOW accept it
      body: new URLSearchParams({ q }),
      headers: { ...target.headers, accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const e = error as Error & { cause?: { code?: string } };
    throw new VigieError('VIGIE_ERR_UNAVAILABLE', `InfluxDB ${target.describe}: ${e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.message)}`);
  }
  const text = await res.text();
  let json: QueryJson;
  try {
    json = JSON.parse(text) as QueryJson;
  } catch {
    throw new VigieError('VIGIE_ERR_UNAVAILABLE', `InfluxDB ${target.describe} answered ${res.status} with no JSON: ${text.slice(0, 200)}`);
  }
  const failed = json.error ?? json.results?.find((r) => r.error)?.error;
  if (!res.ok || failed) throw new VigieError('VIGIE_ERR_UNAVAILABLE', `InfluxDB ${target.describe} answered ${res.status}: ${failed ?? text.slice(0, 200)}`);
  return (json.results ?? []).map((r) => r.series ?? []);
}
