import { createReadStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';

/**
 * A minimal POSIX ustar writer and reader (IEEE Std 1003.1-2001, "pax
 * interchange format", ustar header only): enough for a backup archive of
 * plain files in one directory, readable by GNU tar and bsdtar. The `tar`
 * npm package is not a dependency; a backup needs regular files and one
 * directory, nothing else, and the reader refuses everything else
 * (links, devices, absolute or `..` paths), so a tampered archive cannot
 * write outside its destination.
 */
export const BLOCK = 512;
/** Largest size the 11 octal digits of the size field hold (8 GiB - 1); beyond, GNU's base-256 form. */
const MAX_OCTAL_SIZE = 0o77777777777;

export interface TarEntry {
  /** Path inside the archive, `/`-separated, at most 100 bytes (no ustar prefix field needed for our names). */
  name: string;
  type: 'file' | 'dir';
  /** Permission bits stored in the header (restore applies its own, 0600/0700). */
  mode: number;
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** The 512-byte ustar header of `entry`. */
export function tarHeader(entry: TarEntry): Buffer {
  const name = Buffer.from(entry.name, 'utf8');
  if (name.length > 100) throw new Error(`tar: name longer than 100 bytes: ${entry.name}`);
  const h = Buffer.alloc(BLOCK);
  name.copy(h, 0);
  h.write(octal(entry.mode & 0o7777, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii'); // uid: restore does not use owners
  h.write(octal(0, 8), 116, 'ascii'); // gid
  const size = entry.type === 'dir' ? 0 : entry.size;
  if (size <= MAX_OCTAL_SIZE) {
    h.write(octal(size, 12), 124, 'ascii');
  } else {
    // GNU base-256: first byte 0x80, the number big-endian in the remaining 11 bytes.
    h[124] = 0x80;
    let v = BigInt(size);
    for (let i = 135; i > 124; i--) {
      h[i] = Number(v & 0xffn);
      v >>= 8n;
    }
  }
  h.write(octal(Math.floor(entry.mtime), 12), 136, 'ascii');
  h.write(entry.type === 'dir' ? '5' : '0', 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write('vigie', 265, 'ascii'); // uname
  h.write('vigie', 297, 'ascii'); // gname
  // Checksum: the byte sum with the checksum field taken as 8 spaces, as 6 octal digits, NUL, space.
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

/** Bytes of zero padding after `size` bytes of content. */
export function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** A file to archive: its header fields and where its content is read from. */
export interface TarSource extends TarEntry {
  path?: string;
  content?: Buffer;
}

/**
 * The archive's bytes, entry after entry, then the two zero blocks of the end.
 * File content is streamed from disk; a file whose size changed since `size`
 * was taken is an error (the backup's staged copies never change).
 */
export async function* tarStream(entries: readonly TarSource[]): AsyncGenerator<Buffer> {
  for (const e of entries) {
    yield tarHeader(e);
    if (e.type === 'dir') continue;
    let n = 0;
    if (e.content) {
      n = e.content.length;
      yield e.content;
    } else if (e.path) {
      for await (const chunk of createReadStream(e.path) as AsyncIterable<Buffer>) {
        n += chunk.length;
        yield chunk;
      }
    }
    if (n !== e.size) throw new Error(`tar: ${e.name} has ${n} bytes, expected ${e.size}`);
    const pad = padding(n);
    if (pad > 0) yield Buffer.alloc(pad);
  }
  yield Buffer.alloc(2 * BLOCK);
}

/** An archive that cannot be read as one; the message says what is wrong. */
export class TarFormatError extends Error {}

function readOctal(h: Buffer, offset: number, width: number, field: string): number {
  if (field === 'size' && (h[offset]! & 0x80) !== 0) {
    let v = 0n;
    for (let i = offset + 1; i < offset + width; i++) v = (v << 8n) | BigInt(h[i]!);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new TarFormatError(`tar header: ${field} too large`);
    return Number(v);
  }
  const text = h.subarray(offset, offset + width).toString('ascii').replace(/[\0 ]+$/, '').replace(/^ +/, '');
  if (!/^[0-7]*$/.test(text)) throw new TarFormatError(`tar header: ${field} is not an octal number`);
  return text === '' ? 0 : parseInt(text, 8);
}

/** Parses and checks one header block; null for an all-zero block (the end). */
export function parseHeader(h: Buffer): TarEntry | null {
  if (h.every((b) => b === 0)) return null;
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  if (readOctal(h, 148, 8, 'checksum') !== sum) throw new TarFormatError('tar header: checksum mismatch (the archive is damaged)');
  if (h.subarray(257, 262).toString('ascii') !== 'ustar') throw new TarFormatError('tar header: not a ustar archive');
  const nul = h.indexOf(0, 0);
  const name = h.subarray(0, nul === -1 || nul > 100 ? 100 : nul).toString('utf8');
  const prefixEnd = h.indexOf(0, 345);
  const prefix = h.subarray(345, prefixEnd === -1 || prefixEnd > 500 ? 500 : prefixEnd).toString('utf8');
  const flag = String.fromCharCode(h[156]!);
  if (flag !== '0' && flag !== '\0' && flag !== '5') throw new TarFormatError(`tar entry ${name}: type "${flag}" is not a plain file or directory`);
  return {
    name: prefix ? `${prefix}/${name}` : name,
    type: flag === '5' ? 'dir' : 'file',
    mode: readOctal(h, 100, 8, 'mode'),
    size: flag === '5' ? 0 : readOctal(h, 124, 12, 'size'),
    mtime: readOctal(h, 136, 12, 'mtime'),
  };
}

/** Pulls exact byte counts out of a chunked stream. */
class ByteReader {
  private buffered: Buffer[] = [];
  private length = 0;
  private readonly it: AsyncIterator<Buffer>;
  constructor(source: AsyncIterable<Buffer>) {
    this.it = source[Symbol.asyncIterator]();
  }
  private async fill(n: number): Promise<boolean> {
    while (this.length < n) {
      const next = await this.it.next();
      if (next.done) return false;
      this.buffered.push(next.value);
      this.length += next.value.length;
    }
    return true;
  }
  /** Exactly `n` bytes, or an error naming `what` at a premature end. */
  async exactly(n: number, what: string): Promise<Buffer> {
    if (!(await this.fill(n))) throw new TarFormatError(`archive truncated in ${what}`);
    const all = Buffer.concat(this.buffered);
    this.buffered = [all.subarray(n)];
    this.length = all.length - n;
    return all.subarray(0, n);
  }
  /** Streams `n` bytes to `sink` chunk by chunk (never the whole file in memory). */
  async *chunks(n: number, what: string): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.length === 0 && !(await this.fill(1))) throw new TarFormatError(`archive truncated in ${what}`);
      const head = this.buffered.shift()!;
      const take = Math.min(left, head.length);
      if (take < head.length) this.buffered.unshift(head.subarray(take));
      this.length -= take;
      left -= take;
      yield head.subarray(0, take);
    }
  }
}

/**
 * Reads an archive entry by entry. `onEntry` receives each header and its
 * content as chunks, which it must consume before the next entry is read.
 */
export async function readTar(
  source: Readable | AsyncIterable<Buffer>,
  onEntry: (entry: TarEntry, content: AsyncIterable<Buffer>) => Promise<void>,
): Promise<void> {
  const reader = new ByteReader(source as AsyncIterable<Buffer>);
  for (;;) {
    const header = await reader.exactly(BLOCK, 'a header');
    const entry = parseHeader(header);
    if (!entry) return; // end of archive (the second zero block and any trailing padding are not needed)
    let consumed = 0;
    const counted = (async function* () {
      for await (const c of reader.chunks(entry.size, entry.name)) {
        consumed += c.length;
        yield c;
      }
    })();
    await onEntry(entry, counted);
    // Whatever the caller did not read is skipped, so the next header lines up.
    if (consumed < entry.size) for await (const _ of reader.chunks(entry.size - consumed, entry.name)) void _;
    const pad = padding(entry.size);
    if (pad > 0) await reader.exactly(pad, `${entry.name}'s padding`);
  }
}

/** Writes the chunks of `content` to `sink` honouring back-pressure. */
export async function writeAll(content: AsyncIterable<Buffer>, sink: Writable): Promise<void> {
  for await (const chunk of content) {
    if (!sink.write(chunk)) await new Promise<void>((resolve) => sink.once('drain', resolve));
  }
}
