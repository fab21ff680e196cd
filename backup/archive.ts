import { createReadStream } from 'node:fs';
import { basename, dirname } from 'node:path';
import { createGunzip } from 'node:zlib';
import { create, Parser, type ReadEntry } from 'tar';
import { PRIVATE_FILE_MODE } from '../core/private-files.js';

/**
 * The backup archive, read and written with `tar` (isaacs/node-tar, npm's
 * own): a gzipped tar of one directory holding plain files. This module only
 * frames it; what an entry may be (no links, no paths out of the directory,
 * manifest.json first…) is decided by the caller, restore.ts.
 */

/** A gzip or tar framing problem of the archive (not of one file in it); the message says what and where. */
export class ArchiveError extends Error {}

/**
 * Writes `out`, a gzipped tar of the directory `dir`: the entry `<name of
 * dir>/`, then `<name of dir>/<n>` for each of `names`, in that order (so a
 * reader meets the first name first), nothing else. `portable`: no owner,
 * user or group names, and a gzip header without time or OS; modes as on
 * disk (0700, 0600). Every entry gets `mtime`. `out` is created 0600 if it
 * does not exist (create.ts makes it 0600 first anyway).
 */
export async function writeArchive(dir: string, names: readonly string[], out: string, mtime: Date): Promise<void> {
  const top = basename(dir);
  await create(
    { file: out, mode: PRIVATE_FILE_MODE, cwd: dirname(dir), gzip: true, portable: true, noDirRecurse: true, mtime, strict: true },
    [top, ...names.map((n) => `${top}/${n}`)],
  );
}

/** Zlib's error codes: the gzip layer is damaged, truncated or absent. */
const isZlibError = (error: unknown): boolean => /^Z_/.test(String((error as NodeJS.ErrnoException).code ?? ''));

/**
 * Reads `file` entry by entry, streaming (a 2 GB database is never held in
 * memory). `onEntry` runs for one entry at a time, in archive order; the next
 * is read only once it has resolved, and what it left unread of the entry's
 * content is skipped. Entries tar itself skips (types it does not know,
 * oversized pax headers) are passed too, with `entry.ignore` set and no
 * content, so the caller can refuse them rather than have them vanish.
 *
 * `strict`: tar's warnings (a header checksum failure, a truncated archive,
 * "Unrecognized archive format") are errors. The first error, from the
 * file, gzip, tar or `onEntry`, stops everything: reading stops, the entry
 * being read ends early (a short read), and the promise rejects, with
 * `onEntry`'s error as it was thrown or an ArchiveError naming the archive
 * and the entry, only once `onEntry` has returned, so the caller can then
 * remove what it wrote. The gzip layer is required, and unzipped here
 * rather than by tar, so a plain tar is refused and zlib's errors are told
 * apart.
 */
export function readArchive(file: string, onEntry: (entry: ReadEntry) => Promise<void>): Promise<void> {
  const name = basename(file);
  const source = createReadStream(file);
  const gunzip = createGunzip();
  let failure: { error: unknown } | null = null;
  let current: ReadEntry | null = null;
  /** The path of the last good header tar read (it reads ahead of onEntry): where a damage is, for the message. */
  let lastPath: string | null = null;
  let queue: Promise<void> = Promise.resolve();
  let settle: { resolve: () => void; reject: (e: unknown) => void };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));

  const describe = (error: unknown): unknown => {
    if (error instanceof ArchiveError) return error;
    const e = error as Error & { tarCode?: string; entry?: ReadEntry };
    const after = lastPath ? ` after "${lastPath}"` : ' at its start';
    if (isZlibError(e)) return new ArchiveError(`${name}: not a gzip archive, or a truncated or damaged one (${e.message})`);
    const message = e.message.replace(/^TAR_[A-Z_]+: /, '');
    if (e.tarCode === 'TAR_BAD_ARCHIVE' && e.entry) return new ArchiveError(`${name}: archive truncated in "${e.entry.path}" (${message}); the archive is damaged`);
    if (e.tarCode === 'TAR_BAD_ARCHIVE') return new ArchiveError(`${name}: not a tar archive inside the gzip, or a damaged one (${message})`);
    if (e.tarCode === 'TAR_ENTRY_INVALID') return new ArchiveError(`${name}: damaged tar header${after} (${message}); the archive is damaged or was altered`);
    if (e.tarCode) return new ArchiveError(`${name}: tar: ${message}${after}`);
    return error;
  };

  const fail = (error: unknown): void => {
    if (failure) return;
    failure = { error: describe(error) };
    source.destroy();
    gunzip.destroy();
    // abort() re-emits the error as TAR_ABORT; `fail` ignores it, failure being set.
    parser.abort(error instanceof Error ? error : new Error(String(error)));
    // The entry being read gets no more data: ended here, its reader sees a short read and returns (what it
    // throws then is ignored, this failure came first) rather than wait for data forever. Destroying it would
    // not do: a reader not waiting on it at that very moment would hang on its next read. Ended on the next
    // turn, unless tar did: a truncation is reported from inside tar's own end(), which then still writes the
    // last bytes to the entry and ends it ("write after end" otherwise).
    const cut = current;
    if (cut) setImmediate(() => cut.writable && cut.end());
    void queue.then(() => settle.reject(failure!.error));
  };

  const take = (entry: ReadEntry): void => {
    queue = queue.then(async () => {
      if (failure) return void entry.resume();
      current = entry;
      try {
        await onEntry(entry);
        entry.resume(); // skips what onEntry did not read; the parser goes on once the entry ends
      } catch (error) {
        fail(error);
      } finally {
        current = null;
      }
    });
  };

  // `filter` keeps every entry; tar calls it as it reads each header, which is what tells where it is.
  const parser = new Parser({ strict: true, onReadEntry: take, filter: (path) => Boolean((lastPath = path)) });
  source.on('error', fail);
  gunzip.on('error', fail);
  parser.on('error', fail);
  parser.on('ignoredEntry', take);
  // 'end' comes once the last entry is consumed; its onEntry may still be closing its file.
  parser.on('end', () => void queue.then(() => (failure ? undefined : settle.resolve())));
  // pipe() honours back-pressure: the parser's write() is false while an entry's content waits for its reader.
  source.pipe(gunzip).pipe(parser as unknown as NodeJS.WritableStream);
  return done;
}
