/**
 * The agent's on-disk sample journal (pure JS: the agent is bundled without
 * native modules, so no SQLite here).
 *
 * Layout, in a 0700 directory (`<dataDir>/agent/<host>/`), files 0600:
 *   buffer-<firstSeq>.jsonl   one encoded metrics payload per line, in seq order
 *   state.json                {"v":1,"released":<seq>}: every seq ≤ it is
 *                             stored by the server or dropped; never loaded again
 *
 * Durability: a line is appended and the file fdatasync'ed before `append`
 * resolves, and the agent publishes a sample only after that, so a kill -9
 * or a power cut loses at most the sample being written (its torn line is
 * cut off at the next start). New files are made durable by an fsync of the
 * directory; state.json is replaced atomically (write, fsync, rename, fsync
 * the directory). A segment is deleted once every line in it is released
 * and it is not the one being appended to, and only after state.json says so.
 */
import { mkdir, open, readdir, readFile, rename, chmod, truncate, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../core/logger.js';
import { validatePayload } from '../protocol/payloads.js';

export interface JournalEntry {
  seq: number;
  /** The encoded metrics payload, `seq` included. */
  text: string;
}

export interface LoadedJournal {
  /** Samples not yet released, in seq order. */
  entries: JournalEntry[];
  /** Highest seq ever written or released here, if any. */
  lastSeq: number | undefined;
  /** Lines that could not be read back (torn by a crash, or damaged), skipped. */
  skipped: number;
}

export interface Journal {
  /** Appends one sample; resolves once it is on disk (fdatasync). Appends run one at a time, in call order. */
  append(entry: JournalEntry): Promise<void>;
  /** Every seq ≤ `seq` is released: state.json records it, then fully released segments are deleted. */
  release(seq: number): void;
  /** Waits for pending writes and closes the file; idempotent. */
  close(): Promise<void>;
}

interface Segment {
  path: string;
  /** Highest seq written in it (undefined: empty). */
  last: number | undefined;
  count: number;
}

const SEGMENT_FILE = /^buffer-(\d{1,16})\.jsonl$/;
const STATE_FILE = 'state.json';

/** fsync of a directory makes a created, renamed or deleted entry durable; not possible on Windows, where it is skipped. */
async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // EISDIR/EPERM on Windows: NTFS journals the metadata itself.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

async function readState(path: string, log: Logger): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const state = JSON.parse(text) as { released?: unknown };
    if (Number.isSafeInteger(state.released)) return state.released as number;
  } catch {
    // fall through
  }
  // Only costs duplicates: samples already stored are sent again and the ingest drops them by seq.
  log.warn({ path }, 'agent buffer state unreadable; keeping every sample of the journal');
  return undefined;
}

/**
 * Opens (creating it 0700) the journal directory and reads back what a
 * previous run left: torn tails are cut off, released lines are skipped,
 * fully released segments are deleted. `segmentSamples` lines per file.
 */
export async function openJournal(dir: string, opts: { segmentSamples: number; log: Logger }): Promise<{ journal: Journal; loaded: LoadedJournal }> {
  const log = opts.log;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700); // an existing directory keeps its old mode otherwise
  const statePath = join(dir, STATE_FILE);
  const released = (await readState(statePath, log)) ?? -1;
  let lastSeq: number | undefined = released >= 0 ? released : undefined;

  const names = (await readdir(dir))
    .map((name) => ({ name, first: Number(SEGMENT_FILE.exec(name)?.[1] ?? NaN) }))
    .filter((f) => Number.isSafeInteger(f.first))
    .sort((a, b) => a.first - b.first);
  const segments: Segment[] = [];
  const entries: JournalEntry[] = [];
  let skipped = 0;
  let previous: number | undefined;
  for (const { name } of names) {
    const path = join(dir, name);
    await chmod(path, 0o600);
    let text = await readFile(path, 'utf8');
    const end = text.lastIndexOf('\n') + 1;
    if (end < text.length) {
      // A line without its newline was being written when the process died: cut it off, so the next append starts clean.
      skipped += 1;
      await truncate(path, Buffer.byteLength(text.slice(0, end)));
      text = text.slice(0, end);
    }
    const segment: Segment = { path, last: undefined, count: 0 };
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const seq = parseLine(line);
      if (seq === undefined || (previous !== undefined && seq <= previous)) {
        skipped += 1;
        continue;
      }
      previous = seq;
      segment.count += 1;
      segment.last = seq;
      if (lastSeq === undefined || seq > lastSeq) lastSeq = seq;
      if (seq > released) entries.push({ seq, text: line });
    }
    segments.push(segment);
  }
  if (skipped > 0) log.warn({ dir, skipped }, 'agent buffer: lines that could not be read back were skipped');

  let current: { segment: Segment; handle: FileHandle } | undefined;
  /** Deletes the segments whose every line is released (or that are empty), except the one being appended to. */
  const prune = async (): Promise<void> => {
    for (let i = 0; i < segments.length; i += 1) {
      const s = segments[i]!;
      if (s === current?.segment || (s.last !== undefined && s.last > stateWritten)) continue;
      await unlink(s.path).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      segments.splice(i, 1);
      i -= 1;
    }
  };
  let chain: Promise<void> = Promise.resolve();
  let closed = false;
  // state.json writes are coalesced: one at a time, the latest watermark wins.
  let stateWriting: Promise<void> | undefined;
  let stateWanted = released;
  let stateWritten = released;

  const writeState = async (): Promise<void> => {
    while (stateWritten < stateWanted) {
      const target = stateWanted;
      const tmp = `${statePath}.tmp`;
      const handle = await open(tmp, 'w', 0o600);
      try {
        await handle.writeFile(JSON.stringify({ v: 1, released: target }));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, statePath);
      await syncDir(dir);
      stateWritten = target;
      // Deleted only now: a crash before this point finds the segments, and state.json says which lines are gone.
      await prune();
    }
  };
  /** Starts writing the state unless a write runs (it loops until caught up); after a failure, the next release tries again. */
  const kick = (): void => {
    if (stateWriting || closed || stateWritten >= stateWanted) return;
    stateWriting = writeState()
      .catch((error: unknown) => log.error({ err: error, dir }, 'agent buffer: could not record released samples; they may be sent again after a restart'))
      .finally(() => {
        stateWriting = undefined;
      });
  };
  const release = (seq: number): void => {
    if (seq > stateWanted) stateWanted = seq;
    kick();
  };

  const roll = async (first: number, segmentSamples: number): Promise<{ segment: Segment; handle: FileHandle }> => {
    if (current && current.segment.count < segmentSamples) return current;
    await current?.handle.close();
    const path = join(dir, `buffer-${first}.jsonl`);
    const handle = await open(path, 'a', 0o600);
    await syncDir(dir);
    const segment: Segment = { path, last: undefined, count: 0 };
    segments.push(segment);
    current = { segment, handle };
    return current;
  };

  const journal: Journal = {
    append(entry) {
      if (closed) return Promise.reject(new Error('agent buffer closed'));
      const write = chain.then(async () => {
        const target = await roll(entry.seq, opts.segmentSamples);
        await target.handle.write(`${entry.text}\n`);
        await target.handle.datasync();
        target.segment.count += 1;
        target.segment.last = entry.seq;
      });
      chain = write.catch(() => undefined);
      return write;
    },
    release,
    async close() {
      if (closed) return;
      closed = true;
      await chain;
      await stateWriting;
      // The last releases, so the next start does not send them again.
      if (stateWritten < stateWanted) await writeState().catch((error: unknown) => log.error({ err: error, dir }, 'agent buffer: could not record released samples'));
      await current?.handle.close().catch(() => undefined);
      current = undefined;
    },
  };
  // What the previous run released but had not deleted yet, and files left empty by a torn first line.
  await prune();
  return { journal, loaded: { entries, lastSeq, skipped } };
}

/** The seq of a journal line, or undefined when it is not a valid metrics payload with a seq. */
function parseLine(line: string): number | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  const checked = validatePayload('metrics', value);
  return checked.ok ? checked.value.seq : undefined;
}
