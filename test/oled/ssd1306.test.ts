/**
 * The SSD1306 driver against an in-memory bus that records every I2C
 * transaction: exact bytes for the initialisation (datasheet command table),
 * a frame write, flip and contrast; and a display that disappears and comes
 * back: a warning, retries, then the panel initialised again with the
 * current frame.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startSsd1306Display } from '../../oled/display.js';
import { Framebuffer } from '../../oled/framebuffer.js';
import { createMemoryBus, type MemoryBus } from '../../oled/memory-bus.js';
import { Ssd1306 } from '../../oled/ssd1306.js';
import { waitFor } from '../helpers/env.js';
import { captureLog } from './log-capture.js';

const ADDRESS = 0x3c;
const commands = (bus: MemoryBus): number[][] => bus.writes.filter((w) => w.bytes[0] === 0x00).map((w) => w.bytes.slice(1));

test('init on a 128×64 panel sends the datasheet sequence, one command per transaction, to 0x3C', async () => {
  const bus = createMemoryBus();
  await new Ssd1306(bus, ADDRESS, { width: 128, height: 64 }).init({ contrast: 0xcf, flip: false });
  assert.ok(bus.writes.every((w) => w.address === ADDRESS));
  assert.equal(bus.writes.map((w) => w.bytes), [
    [0x00, 0xae], // display off
    [0x00, 0xd5, 0x80], // clock divide
    [0x00, 0xa8, 0x3f], // multiplex 63
    [0x00, 0xd3, 0x00], // display offset 0
    [0x00, 0x40], // start line 0
    [0x00, 0x8d, 0x14], // charge pump on
    [0x00, 0x20, 0x00], // horizontal addressing
    [0x00, 0xa1], // segment remap
    [0x00, 0xc8], // COM scan decrement
    [0x00, 0xda, 0x12], // COM pins, alternative
    [0x00, 0x81, 0xcf], // contrast
    [0x00, 0xd9, 0xf1], // pre-charge
    [0x00, 0xdb, 0x40], // VCOMH
    [0x00, 0xa4], // resume to RAM content
    [0x00, 0xa6], // normal (not inverted)
    [0x00, 0x2e], // scrolling off
    [0x00, 0xaf], // display on
  ]);
});

test('a 128×32 panel gets multiplex 31 and sequential COM pins; flip turns segment remap and COM scan', async () => {
  const bus = createMemoryBus();
  await new Ssd1306(bus, ADDRESS, { width: 128, height: 32 }).init({ contrast: 0x8f, flip: true });
  const sent = commands(bus);
  assert.equal(sent[2], [0xa8, 0x1f]);
  assert.equal(sent[7], [0xa0]);
  assert.equal(sent[8], [0xc0]);
  assert.equal(sent[9], [0xda, 0x02]);
  assert.equal(sent[10], [0x81, 0x8f]);
});

test('contrast, flip and power commands', async () => {
  const bus = createMemoryBus();
  const oled = new Ssd1306(bus, ADDRESS, { width: 128, height: 64 });
  await oled.setContrast(1);
  await oled.setContrast(999); // clamped to a byte
  await oled.setFlip(true);
  await oled.setFlip(false);
  await oled.setPower(false);
  await oled.setPower(true);
  assert.equal(commands(bus), [[0x81, 0x01], [0x81, 0xff], [0xa0], [0xc0], [0xa1], [0xc8], [0xae], [0xaf]]);
});

test('a frame write sets the column and page windows, then sends the buffer as-is behind 0x40, one page per write', async () => {
  for (const height of [64, 32] as const) {
    const bus = createMemoryBus();
    const fb = new Framebuffer({ width: 128, height });
    fb.setPixel(0, 0); // byte 0, bit 0
    fb.setPixel(127, height - 1); // last byte, bit 7
    fb.setPixel(5, 9); // page 1, column 5, bit 1
    await new Ssd1306(bus, ADDRESS, { width: 128, height }).writeFrame(fb.buffer);
    const pages = height / 8;
    assert.equal(bus.writes[0]!.bytes, [0x00, 0x21, 0, 127]);
    assert.equal(bus.writes[1]!.bytes, [0x00, 0x22, 0, pages - 1]);
    const data = bus.writes.slice(2);
    assert.is(data.length, pages);
    assert.ok(data.every((w) => w.bytes[0] === 0x40 && w.bytes.length === 129));
    const payload = data.flatMap((w) => w.bytes.slice(1));
    assert.equal(payload, [...fb.buffer], 'the framebuffer is display RAM: one copy');
    assert.is(payload[0], 0x01);
    assert.is(payload[128 + 5], 0x02);
    assert.is(payload[payload.length - 1], 0x80);
  }
});

test('a frame of the wrong size is refused before anything is sent', async () => {
  const bus = createMemoryBus();
  try {
    await new Ssd1306(bus, ADDRESS, { width: 128, height: 64 }).writeFrame(new Uint8Array(512));
    assert.unreachable('should throw');
  } catch (error) {
    assert.match((error as Error).message, /512 bytes for a 128×64 panel \(expected 1024\)/);
  }
  assert.is(bus.writes.length, 0);
});

test('a display that stops answering: one warning, retries, then init and the current frame when it is back', async () => {
  const bus = createMemoryBus();
  const { log, lines, warnings } = captureLog();
  let opens = 0;
  const display = startSsd1306Display({
    open: async () => { opens += 1; return bus; },
    bus: 1, address: ADDRESS, width: 128, height: 64, contrast: 0xcf, flip: false, retryMs: 30, log,
  });
  const fb = new Framebuffer({ width: 128, height: 64 });
  fb.text(0, 0, 'hello');
  display.show(fb);
  await waitFor('the first frame', () => bus.writes.some((w) => w.bytes[0] === 0x40));
  assert.is(display.status().on, true);

  // Unplugged: the next write fails with the kernel's "remote I/O error".
  bus.failWith = Object.assign(new Error('Remote I/O error'), { code: 'EREMOTEIO' });
  fb.text(0, 10, 'world');
  display.show(fb);
  await waitFor('the display is off', () => display.status().reason);
  assert.match(display.status().reason!, /no device answers at 0x3C on \/dev\/i2c-1 \(EREMOTEIO\).*i2cdetect -y 1/);
  await waitFor('a few retries', () => opens >= 4);
  assert.equal(warnings().filter((m) => m.startsWith('display off:')).length, 1, 'one warning, not one per retry');
  assert.ok(bus.closed >= 1, 'the failed bus is closed before reopening');

  // Plugged back: initialised again, then the latest frame.
  const before = bus.writes.length;
  bus.failWith = null;
  await waitFor('display on again', () => display.status().on);
  await waitFor('the latest frame written', () => bus.writes.slice(before).filter((w) => w.bytes[0] === 0x40).length === 8);
  const after = bus.writes.slice(before);
  assert.equal(after[0]!.bytes, [0x00, 0xae], 'init starts again');
  assert.equal(after.filter((w) => w.bytes[0] === 0x40).flatMap((w) => w.bytes.slice(1)), [...fb.buffer]);
  assert.ok(lines.some((l) => l.msg === 'display on again'));

  // Night mode: contrast and sleep go out once each, frames that did not change are not rewritten.
  const mark = bus.writes.length;
  display.setContrast(1);
  display.show(fb);
  display.setPower(false);
  await waitFor('sleep sent', () => bus.writes.slice(mark).some((w) => w.bytes[1] === 0xae));
  assert.equal(bus.writes.slice(mark).map((w) => w.bytes), [[0x00, 0x81, 0x01], [0x00, 0xae]]);

  await display.close();
  await display.close();
  assert.ok(bus.closed >= 2, 'closed on close()');
});

test('a bus that cannot be opened is a warning that says what to do, never a throw', async () => {
  const { log, warnings } = captureLog();
  const display = startSsd1306Display({
    open: async () => { throw Object.assign(new Error("ENOENT: no such file or directory, open '/dev/i2c-7'"), { code: 'ENOENT' }); },
    bus: 7, address: 0x3d, width: 128, height: 32, contrast: 0x8f, flip: false, retryMs: 20, log,
  });
  display.show(new Framebuffer({ width: 128, height: 32 }));
  await waitFor('the warning', () => warnings().length > 0);
  assert.match(warnings()[0]!, /^display off: \/dev\/i2c-7 does not exist: enable I2C \(sudo raspi-config nonint do_i2c 0/);
  assert.is(display.status().on, false);
  await display.close();
});

test.run();
