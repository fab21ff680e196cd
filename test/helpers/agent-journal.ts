import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** (seq, ts) of every sample an agent still holds on disk (a torn last line is skipped, as the agent does). */
export function journalSamples(dir: string): Array<{ seq: number; ts: number }> {
  if (!existsSync(dir)) return [];
  const out: Array<{ seq: number; ts: number }> = [];
  for (const f of readdirSync(dir).filter((name) => /^buffer-\d+\.jsonl$/.test(name))) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      try {
        const { seq, ts } = JSON.parse(line) as { seq?: number; ts?: number };
        if (typeof seq === 'number' && typeof ts === 'number') out.push({ seq, ts });
      } catch {
        // a torn or empty line
      }
    }
  }
  return out;
}
