/**
 * Golden pages: each page of each panel size is rendered from a fixed state
 * and compared pixel for pixel with test/oled/fixtures/<name>-128x<h>.txt
 * (half-block text, one character per two pixels: readable in a diff).
 * VIGIE_UPDATE_GOLDEN=1 rewrites the fixtures. Every page is also written as
 * a PNG to test-output/oled/ for the issue note.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import pngjs from 'pngjs';
import { render, formatValue, wrap } from '../../oled/pages.js';
import { SHIFT_EVERY_MS } from '../../oled/schedule.js';
import { fromText, toPng, toText } from '../../oled/simulator.js';
import type { Framebuffer } from '../../oled/framebuffer.js';
import { goldenCases, NOW, sampleState, SIZES } from './states.js';

// dist/test/oled/ → the sources' test/oled/fixtures/, so updates land in the repository.
const FIXTURES = fileURLToPath(new URL('../../../test/oled/fixtures/', import.meta.url));
const OUTPUT = fileURLToPath(new URL('../../../test-output/oled/', import.meta.url));
const UPDATE = process.env.VIGIE_UPDATE_GOLDEN === '1';
mkdirSync(OUTPUT, { recursive: true });

function differingPixels(a: Framebuffer, b: Framebuffer): string[] {
  const out: string[] = [];
  for (let y = 0; y < a.height; y++) for (let x = 0; x < a.width; x++) if (a.getPixel(x, y) !== b.getPixel(x, y)) out.push(`(${x},${y})`);
  return out;
}

for (const size of SIZES) {
  for (const c of goldenCases(size)) {
    const name = `${c.name}-${size.width}x${size.height}`;
    test(`golden: ${name}`, () => {
      const fb = render(c.state, c.page, NOW);
      writeFileSync(`${OUTPUT}${name}.png`, toPng(fb));
      // The three pages as the issue shows them: test-output/oled/<page>.png (128×64).
      if (size.height === 64 && c.name === c.page) writeFileSync(`${OUTPUT}${c.page}.png`, toPng(fb));
      const file = `${FIXTURES}${name}.txt`;
      if (UPDATE || !existsSync(file)) {
        assert.ok(UPDATE, `${file} is missing: run with VIGIE_UPDATE_GOLDEN=1 to create it`);
        writeFileSync(file, toText(fb));
        return;
      }
      const golden = fromText(readFileSync(file, 'utf8'), size);
      const diff = differingPixels(fb, golden);
      assert.is(diff.length, 0, `${diff.length} pixels differ from ${name}.txt, first ${diff.slice(0, 8).join(' ')}\n${toText(fb)}`);
    });
  }
}

test('rendering is pure: the same state and time give the same bytes', () => {
  const state = sampleState(SIZES[0]!);
  for (const page of ['box', 'fleet', 'alert'] as const) {
    assert.equal(render(state, page, NOW).buffer, render(state, page, NOW).buffer);
  }
});

test('burn-in: the next period moves every lit pixel one column right, and it comes back after four', () => {
  // Metrics stamped later than all the times used, so they stay fresh.
  const state = sampleState(SIZES[0]!, { metrics: { ts: NOW + 4 * SHIFT_EVERY_MS, cpu: 37.4, mem: 62.1 } });
  const base = render(state, 'box', NOW);
  const shifted = render(state, 'box', NOW + SHIFT_EVERY_MS);
  let lit = 0;
  for (let y = 0; y < base.height; y++) {
    for (let x = 0; x < base.width - 1; x++) {
      assert.is(shifted.getPixel(x + 1, y), base.getPixel(x, y), `(${x},${y}) moved to (${x + 1},${y})`);
      if (base.getPixel(x, y)) lit += 1;
    }
    assert.not.ok(base.getPixel(base.width - 1, y), 'the last column stays free for the shift');
  }
  assert.ok(lit > 300, 'the page has content');
  const down = render(state, 'box', NOW + 2 * SHIFT_EVERY_MS);
  assert.is(down.getPixel(1, 1), base.getPixel(0, 0));
  assert.equal(render(state, 'box', NOW + 4 * SHIFT_EVERY_MS).buffer, base.buffer);
});

test('every page keeps the last row and column free, so the burn-in shift never cuts a line (issue 11)', () => {
  // The start of a shift cycle: offset (0, 0); the sample states stay fresh (their metrics are stamped NOW).
  const cycleStart = NOW - (NOW % (4 * SHIFT_EVERY_MS));
  for (const size of SIZES) {
    for (const c of goldenCases(size)) {
      const fb = render(c.state, c.page, cycleStart);
      const used: string[] = [];
      for (let x = 0; x < fb.width; x++) if (fb.getPixel(x, fb.height - 1)) used.push(`(${x},${fb.height - 1})`);
      for (let y = 0; y < fb.height; y++) if (fb.getPixel(fb.width - 1, y)) used.push(`(${fb.width - 1},${y})`);
      assert.is(used.length, 0, `${c.name}-${size.width}x${size.height} lights ${used.slice(0, 6).join(' ')}\n${toText(fb)}`);
    }
  }
});

test('the PNG is the frame scaled ×4 in the blue-white look', () => {
  const fb = render(sampleState(SIZES[0]!), 'fleet', NOW);
  const png = pngjs.PNG.sync.read(toPng(fb));
  assert.equal([png.width, png.height], [512, 256]);
  const at = (x: number, y: number): number[] => [...png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 3)];
  assert.equal(at(0, 0), [0xe6, 0xf2, 0xff], 'the lit header band');
  assert.equal(at(3, 3), at(0, 0), 'one panel pixel is 4×4');
  assert.equal(at(511, 255), [0x0b, 0x16, 0x2e], 'a dark pixel');
});

test('values are short and in their unit; titles wrap on words and say when they are cut', () => {
  assert.is(formatValue({ value: 96.24, unit: 'percent' }), '96.2%');
  assert.is(formatValue({ value: 2.314, unit: 'perCore' }), '2.31/core');
  assert.is(formatValue({ value: 71.5, unit: 'celsius' }), '71.5°C');
  assert.is(formatValue({ value: 400, unit: 'seconds' }), '6 min');
  assert.is(formatValue({ value: null, unit: 'state' }), null);
  assert.equal(wrap('Disk /var is 96% full on web-01', 21, 2), ['Disk /var is 96% full', 'on web-01']);
  assert.equal(wrap('one two three four five six seven eight', 10, 2), ['one two', 'three fo..']);
  assert.equal(wrap('abcdefghijklmnopqrstuvwxyz', 10, 3), ['abcdefghij', 'klmnopqrst', 'uvwxyz']);
});

test.run();
