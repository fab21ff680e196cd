import { connection } from '../live.js';
import type { CheckResultRecord } from '../model.js';

/**
 * Live check results: the dashboard socket emits `check` (a
 * CheckResultRecord) to every user who may see that check. `resync` runs on
 * each reconnect, since results may have been missed meanwhile.
 */
export function watchChecks(onResult: (rec: CheckResultRecord) => void, resync: () => void): () => void {
  const s = connection();
  let first = !s.connected;
  const onConnect = (): void => {
    if (!first) resync();
    first = false;
  };
  const handler = (rec: unknown): void => {
    // Shape-checked: a newer or older server must not break the page.
    const r = rec as Partial<CheckResultRecord> | null;
    if (r && typeof r.runner === 'string' && typeof r.check === 'string' && r.result && typeof r.result === 'object') onResult(r as CheckResultRecord);
  };
  s.on('check', handler);
  s.on('connect', onConnect);
  return () => {
    s.off('check', handler);
    s.off('connect', onConnect);
  };
}
