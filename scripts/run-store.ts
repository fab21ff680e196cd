import type { Database } from 'better-sqlite3';
import type { ScriptArgs } from '../protocol/schemas/script.js';
import type { RunState, RunTrigger, RunView } from './types.js';

/** Runs kept in scripts.db; older ones are deleted as new ones come (the event log keeps every run's line). */
export const MAX_KEPT_RUNS = 5_000;

export interface RunQuery {
  host?: string;
  script?: string;
  /** At most this many, newest first (default 50, at most 500). */
  limit?: number;
  /** Only runs on these hosts (a non-admin caller's visible hosts); absent: all. */
  hosts?: ReadonlySet<string>;
}

interface Row {
  id: string;
  script: string;
  version: number;
  host: string;
  args: string;
  by: string;
  trigger: RunTrigger;
  rule: string | null;
  state: RunState;
  exit: number | null;
  signal: string | null;
  timed_out: number;
  duration: number | null;
  output: string;
  dropped: number;
  refusal: string | null;
  started_at: number;
  finished_at: number | null;
}

/**
 * The runs of actions (scripts/run-service.ts writes them): one row per run,
 * written when it starts and at each change of state, so a run outlives a
 * restart of the server (one unfinished then is `lost`).
 */
export class RunStore {
  private writes = 0;

  constructor(private readonly db: Database) {}

  save(run: RunView): void {
    this.db
      .prepare(
        `INSERT INTO runs (id, script, version, host, args, by, trigger, rule, state, exit, signal, timed_out, duration, output, dropped, refusal, started_at, finished_at)
         VALUES (@id, @script, @version, @host, @args, @by, @trigger, @rule, @state, @exit, @signal, @timed_out, @duration, @output, @dropped, @refusal, @started_at, @finished_at)
         ON CONFLICT (id) DO UPDATE SET state = excluded.state, exit = excluded.exit, signal = excluded.signal, timed_out = excluded.timed_out,
           duration = excluded.duration, output = excluded.output, dropped = excluded.dropped, refusal = excluded.refusal, finished_at = excluded.finished_at`,
      )
      .run({
        id: run.id, script: run.script, version: run.version, host: run.host, args: JSON.stringify(run.args), by: run.by, trigger: run.trigger,
        rule: run.rule ?? null, state: run.state, exit: run.exit, signal: run.signal, timed_out: run.timedOut ? 1 : 0, duration: run.duration,
        output: run.output, dropped: run.dropped, refusal: run.refusal ? JSON.stringify(run.refusal) : null, started_at: run.startedAt, finished_at: run.finishedAt,
      });
    // Pruned now and then, not on every write.
    this.writes += 1;
    if (this.writes % 100 === 0) this.prune(MAX_KEPT_RUNS);
  }

  get(id: string): RunView | null {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as Row | undefined;
    return row ? toView(row) : null;
  }

  list(q: RunQuery = {}): RunView[] {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (q.host !== undefined) {
      where.push('host = ?');
      args.push(q.host);
    }
    if (q.script !== undefined) {
      where.push('script = ?');
      args.push(q.script);
    }
    if (q.hosts !== undefined) {
      if (q.hosts.size === 0) return [];
      // Bound parameters, one per host: never text built from input.
      where.push(`host IN (${[...q.hosts].map(() => '?').join(', ')})`);
      args.push(...q.hosts);
    }
    const limit = Math.min(Math.max(Math.trunc(q.limit ?? 50), 1), 500);
    const sql = `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, rowid DESC LIMIT ${limit}`;
    return (this.db.prepare(sql).all(...args) as Row[]).map(toView);
  }

  /** Runs left pending or running by a previous process: nobody listens for their answer any more. */
  unfinished(): RunView[] {
    return (this.db.prepare("SELECT * FROM runs WHERE state IN ('pending', 'running') ORDER BY started_at").all() as Row[]).map(toView);
  }

  /** Keeps the newest `keep` runs. */
  prune(keep: number): number {
    return this.db.prepare('DELETE FROM runs WHERE id IN (SELECT id FROM runs ORDER BY started_at DESC, rowid DESC LIMIT -1 OFFSET ?)').run(keep).changes;
  }
}

function toView(row: Row): RunView {
  return {
    id: row.id, script: row.script, version: row.version, host: row.host, args: JSON.parse(row.args) as ScriptArgs, by: row.by, trigger: row.trigger,
    ...(row.rule !== null ? { rule: row.rule } : {}),
    state: row.state, exit: row.exit, signal: row.signal, timedOut: row.timed_out === 1, duration: row.duration, output: row.output, dropped: row.dropped,
    ...(row.refusal !== null ? { refusal: JSON.parse(row.refusal) as NonNullable<RunView['refusal']> } : {}),
    startedAt: row.started_at, finishedAt: row.finished_at,
  };
}
