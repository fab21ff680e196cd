/**
 * The sample buffer and its on-disk journal (agent/buffer.ts, agent/journal.ts)
 * on real files: bounds, torn writes, releases across restarts.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, closeSync, constants, openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SampleBuffer } from '../../agent/buffer.js';
import type { Logger } from '../../core/logger.js';
import { systemClock } from '../../core/time.js';
import type { MetricsPayload } from '../../protocol/payloads.js';
import { tempDir, waitFor } from '../helpers/env.js';

const sample = (n: number): MetricsPayload => ({ v: 1, ts: Date.now(), processes: n });

function capturingLog(): { log: Logger; lines: { level: number; msg: string; [k: string]: unknown }[] } {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as { level: number; msg: string });
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream) as unknown as Logger, lines };
}

const open = (dir: string | undefined, log: Logger, maxSamples = 100, maxBytes = 1 << 20): Promise<SampleBuffer> =>
  SampleBuffer.open({ ...(dir !== undefined ? { dir } : {}), maxSamples, maxBytes, clock: systemClock, log });

test('seq starts from the clock with no state, then counts up by one, across a reopen', async () => {
  const d = tempDir();
  const { log } = capturingLog();
  try {
    const b = await open(d.path, log);
    const e1 = await b.add(sample(1));
    const e2 = await b.add(sample(2));
    assert.ok(Math.abs(e1.seq - Date.now()) < 10_000);
    assert.is(e2.seq, e1.seq + 1);
    assert.is(JSON.parse(e2.text).seq, e2.seq, 'seq is in the payload');
    await b.close();
    const again = await open(d.path, log);
    assert.is(again.length, 2, 'kept across a restart');
    assert.is((await again.add(sample(3))).seq, e1.seq + 2);
    // Everything released: the files go, the next seq does not restart from the clock.
    again.release(e1.seq + 2);
    await again.close();
    const third = await open(d.path, log);
    assert.is(third.length, 0);
    assert.is((await third.add(sample(4))).seq, e1.seq + 3);
    await third.close();
  } finally {
    d.remove();
  }
});

test('a line torn by a crash is cut off; its seq is given again and the journal stays readable', async () => {
  const d = tempDir();
  const { log } = capturingLog();
  try {
    const b = await open(d.path, log);
    const first = await b.add(sample(1));
    await b.add(sample(2));
    await b.close();
    const file = readdirSync(d.path).find((f) => f.startsWith('buffer-'))!;
    appendFileSync(join(d.path, file), '{"v":1,"ts":17000000'); // the write a kill -9 interrupted
    const reopened = await open(d.path, log);
    assert.is(reopened.length, 2);
    assert.ok(readFileSync(join(d.path, file), 'utf8').endsWith('}\n'), 'the torn tail is gone');
    assert.is((await reopened.add(sample(3))).seq, first.seq + 2, 'the torn sample was never published: its seq is reused');
    await reopened.close();
    const last = await open(d.path, log);
    assert.is(last.length, 3);
    assert.equal([0, 1, 2].map((i) => { const s = last.nextToSend()!; return JSON.parse(s.text).processes as number; }), [1, 2, 3]);
    await last.close();
  } finally {
    d.remove();
  }
});

test('over maxSamples the oldest are dropped, counted, logged at warn, and not read back', async () => {
  const d = tempDir();
  const { log, lines } = capturingLog();
  try {
    const b = await open(d.path, log, 5);
    for (let i = 0; i < 8; i += 1) await b.add(sample(i));
    assert.is(b.length, 5);
    assert.is(b.dropped, 3);
    const warned = lines.find((l) => l.msg === 'agent buffer full: oldest samples dropped');
    assert.ok(warned, 'logged');
    assert.is(warned?.level, 40, 'at warn');
    await b.close();
    const again = await open(d.path, log, 5);
    assert.is(again.length, 5);
    assert.is(JSON.parse(again.nextToSend()!.text).processes, 3);
    await again.close();
  } finally {
    d.remove();
  }
});

test('over maxBytes the oldest are dropped; the newest is always kept', async () => {
  const { log } = capturingLog();
  const b = await open(undefined, log, 100, 250);
  for (let i = 0; i < 10; i += 1) await b.add(sample(i));
  assert.ok(b.bytes <= 250 && b.length >= 2, `${b.length} samples, ${b.bytes} bytes`);
  const tiny = await open(undefined, log, 100, 1);
  await tiny.add(sample(1));
  await tiny.add(sample(2));
  assert.is(tiny.length, 1);
  assert.is(tiny.dropped, 1);
});

test('release is by seq and rewinds nothing it should not: the send cursor follows the head', async () => {
  const { log } = capturingLog();
  const b = await open(undefined, log);
  const seqs: number[] = [];
  for (let i = 0; i < 5; i += 1) seqs.push((await b.add(sample(i))).seq);
  b.nextToSend();
  b.nextToSend();
  b.nextToSend();
  assert.is(b.release(seqs[1]!), 2);
  assert.is(b.nextToSend()?.seq, seqs[3], 'the next unsent one');
  b.rewind();
  assert.is(b.nextToSend()?.seq, seqs[2], 'after a rewind: the oldest kept');
  assert.is(b.release(seqs[0]!), 0, 'an older acknowledgement releases nothing');
});

test('a journal write that hangs (a dead disk) does not hold samples back: they go on in memory', async () => {
  if (process.platform !== 'linux') return;
  const d = tempDir();
  const { log, lines } = capturingLog();
  try {
    const b = await open(d.path, log, 8); // one sample per file: the next file's name is known
    const first = await b.add(sample(1));
    // The next file is a FIFO with no reader: opening it for writing blocks, as I/O on a dead NFS mount does.
    const fifo = join(d.path, `buffer-${first.seq + 1}.jsonl`);
    execFileSync('mkfifo', ['-m', '600', fifo]);
    const started = Date.now();
    const second = await b.add(sample(2));
    assert.ok(Date.now() - started < 4000, 'the sample is kept after the write deadline');
    assert.is(second.seq, first.seq + 1);
    assert.ok(lines.some((l) => l.level === 50 && /did not complete in time/.test(l.msg)), 'logged at error');
    const t = Date.now();
    await b.add(sample(3));
    assert.ok(Date.now() - t < 500, 'while stalled, samples do not wait for the disk');
    assert.is(b.length, 3);
    // The disk answers again: the FIFO gets a reader, the stuck open returns.
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    await waitFor('writes resume', () => lines.some((l) => /answers again/.test(l.msg)));
    closeSync(reader);
    await b.close();
  } finally {
    d.remove();
  }
});

test.run();
