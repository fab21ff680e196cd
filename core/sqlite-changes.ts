import type { Database } from 'better-sqlite3';

/**
 * Who must hear that a small SQLite catalog changed (checks.db, devices.db),
 * whether this process wrote it or another one did (the CLI while the server
 * runs). Writes from here are told at once (`changed`); another process's are
 * found by PRAGMA data_version, either by a read (`sync`, which still tells
 * the listeners, or the watch would then see no new version and nobody would
 * hear) or by the server's periodic `watch`. This connection's own writes
 * never move data_version (SQLite's PRAGMA data_version), so a bookkeeping
 * write here (what was published to whom) needs no special care: adjusting
 * the version after it would swallow a write another process made just
 * before (a `vigie devices add` lost that way).
 */
export class SqliteChanges {
  private readonly listeners = new Set<() => void>();
  private version: number;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  /** `dropCache` forgets what the owner read from the file. */
  constructor(
    private readonly db: Database,
    private readonly dropCache: () => void,
  ) {
    this.version = this.dataVersion();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Before a read: drops the cache when another connection wrote, and tells the listeners right after. */
  sync(): void {
    if (this.refresh()) queueMicrotask(() => this.notify());
  }

  /** After this process changed the catalog: drops the cache and tells the listeners now. */
  changed(): void {
    this.dropCache();
    this.version = this.dataVersion();
    this.notify();
  }

  /** Polls data_version every `intervalMs` (the server), so writes from the CLI are heard without a read. */
  watch(intervalMs: number): void {
    this.timer = setInterval(() => {
      if (this.refresh()) this.changed();
    }, intervalMs);
    this.timer.unref();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Stops the watch and forgets the listeners; the owner closes the database. */
  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.listeners.clear();
  }

  private dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /** Drops the cache when another connection wrote; true when it did. */
  private refresh(): boolean {
    if (this.closed) return false;
    const version = this.dataVersion();
    if (version === this.version) return false;
    this.version = version;
    this.dropCache();
    return true;
  }

  private notify(): void {
    if (this.closed) return;
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch {
        // A listener's failure is its own (the config publisher logs its errors); the others still hear.
      }
    }
  }
}
