/** The framebuffer's layout and drawing, the snapshot and text codecs, and the schedule (rotation, night). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Framebuffer, textWidth } from '../../oled/framebuffer.js';
import { NETWORK } from '../../oled/icons.js';
import { nightMode, Pager } from '../../oled/schedule.js';
import { frameSnapshot, fromSnapshot, fromText, simulateToTerminal, toText } from '../../oled/simulator.js';

test('pixels are stored page-major like SSD1306 RAM: byte page*width+x, bit y%8 from the top', () => {
  const fb = new Framebuffer({ width: 128, height: 64 });
  assert.is(fb.buffer.length, 1024);
  assert.is(fb.pages, 8);
  fb.setPixel(0, 0);
  fb.setPixel(3, 7);
  fb.setPixel(127, 63);
  fb.setPixel(200, 3); // clipped
  fb.setPixel(-1, 3); // clipped
  assert.is(fb.buffer[0], 0x01);
  assert.is(fb.buffer[3], 0x80);
  assert.is(fb.buffer[1023], 0x80);
  assert.is(fb.buffer.reduce((n, b) => n + b.toString(2).split('1').length - 1, 0), 3);
  fb.setPixel(3, 7, false);
  assert.is(fb.buffer[3], 0);
  assert.ok(fb.getPixel(127, 63));
  fb.clear();
  assert.ok(fb.buffer.every((b) => b === 0));
});

test('the offset moves every drawing call; getPixel reads the panel as it is', () => {
  const fb = new Framebuffer({ width: 128, height: 32 });
  fb.offset = { x: 1, y: 1 };
  fb.setPixel(0, 0);
  fb.icon(10, 0, NETWORK);
  assert.ok(fb.getPixel(1, 1));
  assert.not.ok(fb.getPixel(0, 0));
  assert.ok(fb.getPixel(14, 1), 'row 0 of the icon, bit 3 → x 10+3+1');
});

test('bars: outline plus a fill proportional to the percent, clamped', () => {
  const fb = new Framebuffer({ width: 128, height: 64 });
  fb.bar(0, 0, 104, 9, 50); // inner width 100
  const filled = (y: number): number => Array.from({ length: 100 }, (_, i) => fb.getPixel(2 + i, y)).filter(Boolean).length;
  assert.is(filled(4), 50);
  assert.ok(fb.getPixel(0, 0) && fb.getPixel(103, 8), 'corners of the outline');
  assert.not.ok(fb.getPixel(1, 4), 'a gap between outline and fill');
  fb.clear();
  fb.bar(0, 0, 104, 9, 250);
  assert.is(filled(4), 100);
  fb.clear();
  fb.bar(0, 0, 104, 9, Number.NaN);
  assert.is(filled(4), 0);
});

test('text: 6 pixels per character, inverted areas, accents dropped, unknown characters shown as ?', () => {
  const fb = new Framebuffer({ width: 128, height: 64 });
  assert.is(fb.text(0, 0, 'AB'), 12);
  assert.is(textWidth('AB'), 11);
  assert.is(textWidth('AB', 2), 22);
  const a = new Framebuffer({ width: 128, height: 64 });
  a.text(0, 0, 'é');
  const e = new Framebuffer({ width: 128, height: 64 });
  e.text(0, 0, 'e');
  assert.equal(a.buffer, e.buffer);
  const q = new Framebuffer({ width: 128, height: 64 });
  q.text(0, 0, '✓');
  const mark = new Framebuffer({ width: 128, height: 64 });
  mark.text(0, 0, '?');
  assert.equal(q.buffer, mark.buffer);
  fb.clear();
  fb.fillRect(0, 0, 10, 8);
  fb.invertRect(0, 0, 20, 8);
  assert.not.ok(fb.getPixel(5, 5));
  assert.ok(fb.getPixel(15, 5));
  fb.clear();
  fb.text(0, 0, 'WWWWW', { maxX: 17 });
  assert.not.ok([...Array(8).keys()].some((y) => fb.getPixel(18, y) || fb.getPixel(22, y)), 'cut at maxX');
});

test('snapshot: base64 of the page-major buffer, and back; half-block text and back', () => {
  const fb = new Framebuffer({ width: 128, height: 32 });
  fb.text(3, 2, 'Vigie 1.2.3');
  const snap = frameSnapshot(fb);
  assert.equal([snap.width, snap.height], [128, 32]);
  assert.is(Buffer.from(snap.bits, 'base64').length, 512);
  assert.equal(fromSnapshot(snap).buffer, fb.buffer);
  assert.throws(() => fromSnapshot({ ...snap, bits: 'AAAA' }), /bits: 3 bytes, expected 512/);
  const text = toText(fb);
  assert.is(text.split('\n').length - 1, 16, '32 rows in 16 lines');
  assert.ok(/[▀▄█]/.test(text));
  assert.equal(fromText(text, { width: 128, height: 32 }).buffer, fb.buffer);
});

test('the terminal simulator draws in place, only when the picture changes', () => {
  const out: string[] = [];
  const term = simulateToTerminal({ write: (s: string) => out.push(s) > 0 });
  const fb = new Framebuffer({ width: 128, height: 64 });
  fb.text(0, 0, 'x');
  term.show(fb);
  term.show(fb);
  assert.is(out.length, 1);
  assert.ok(out[0]!.startsWith('\u001b[2J\u001b[H'), 'the first frame clears the screen');
  assert.is(out[0]!.split('\n').length, 33);
  fb.text(10, 0, 'y');
  term.show(fb);
  assert.ok(out[1]!.startsWith('\u001b[H') && !out[1]!.includes('\u001b[2J'), 'then cursor home only');
  term.setContrast(1);
  assert.ok(out[2]!.includes('\u001b[2m'), 'dimmed is faint');
});

test('night schedule: a window across midnight, one within a day, none', () => {
  const night = { from: '22:00', to: '07:00', mode: 'dim' as const };
  const at = (h: number, m: number): Date => new Date(2025, 0, 15, h, m);
  assert.is(nightMode(night, at(21, 59)), null);
  assert.is(nightMode(night, at(22, 0)), 'dim');
  assert.is(nightMode(night, at(3, 30)), 'dim');
  assert.is(nightMode(night, at(7, 0)), null);
  assert.is(nightMode({ from: '12:00', to: '14:00', mode: 'off' }, at(13, 0)), 'off');
  assert.is(nightMode({ from: '12:00', to: '14:00', mode: 'off' }, at(14, 0)), null);
  assert.is(nightMode(undefined, at(3, 0)), null);
});

test('pages rotate every period; show() puts one up for a full period', () => {
  const pager = new Pager(5000, 0);
  assert.is(pager.page(0), 'box');
  assert.is(pager.page(4999), 'box');
  assert.is(pager.page(5000), 'fleet');
  assert.is(pager.page(10_000), 'alert');
  assert.is(pager.page(15_000), 'box');
  assert.is(pager.page(15_000 + 3 * 5000 * 1000 + 5000), 'fleet', 'a long gap skips whole cycles');
  pager.show('alert', 100_000_000);
  assert.is(pager.page(100_004_999), 'alert');
  assert.is(pager.page(100_005_000), 'box');
});

test.run();
