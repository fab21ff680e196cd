import { CHAR_ADVANCE, GLYPH_HEIGHT, glyph } from './font.js';
import type { Icon } from './icons.js';

/** The two panel sizes of the SSD1306 modules sold for the Pi. */
export type ScreenSize = { width: 128; height: 64 } | { width: 128; height: 32 };

export interface TextOptions {
  /** Each font pixel becomes scale×scale pixels (default 1). */
  scale?: number;
  /** Draw lit pixels (default) or clear them (text on an inverted area). */
  on?: boolean;
  /** Stop drawing at this x (exclusive); the rest of the text is cut. */
  maxX?: number;
}

/**
 * A 1-bit framebuffer laid out like SSD1306 display RAM (datasheet §8.7,
 * horizontal addressing): byte `page * width + x` holds the 8 vertical pixels
 * x, 8·page … 8·page+7, bit 0 at the top. A frame write is then one copy of
 * `buffer`.
 *
 * Drawing calls take logical coordinates and add `offset` (the burn-in
 * shift); pixels that fall outside the panel are clipped. `getPixel` reads
 * the panel as it is, without the offset.
 */
export class Framebuffer {
  readonly width: number;
  readonly height: number;
  readonly buffer: Uint8Array;
  /** Added to every drawing call: moves the whole content by a pixel or two against burn-in. */
  offset = { x: 0, y: 0 };

  constructor(size: ScreenSize) {
    this.width = size.width;
    this.height = size.height;
    this.buffer = new Uint8Array((size.width * size.height) / 8);
  }

  /** Number of 8-pixel rows (SSD1306 "pages"). */
  get pages(): number {
    return this.height / 8;
  }

  clear(): void {
    this.buffer.fill(0);
  }

  /** Sets one pixel at logical (x, y) + offset; outside the panel it is ignored. */
  setPixel(x: number, y: number, on = true): void {
    const px = Math.trunc(x) + this.offset.x;
    const py = Math.trunc(y) + this.offset.y;
    if (px < 0 || py < 0 || px >= this.width || py >= this.height) return;
    const index = (py >> 3) * this.width + px;
    const mask = 1 << (py & 7);
    this.buffer[index] = on ? this.buffer[index]! | mask : this.buffer[index]! & ~mask;
  }

  /** The pixel at panel position (x, y), ignoring the offset; false outside the panel. */
  getPixel(x: number, y: number): boolean {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return false;
    return (this.buffer[(y >> 3) * this.width + x]! & (1 << (y & 7))) !== 0;
  }

  fillRect(x: number, y: number, w: number, h: number, on = true): void {
    for (let i = 0; i < w; i++) for (let j = 0; j < h; j++) this.setPixel(x + i, y + j, on);
  }

  /** A one-pixel outline. */
  strokeRect(x: number, y: number, w: number, h: number, on = true): void {
    for (let i = 0; i < w; i++) {
      this.setPixel(x + i, y, on);
      this.setPixel(x + i, y + h - 1, on);
    }
    for (let j = 0; j < h; j++) {
      this.setPixel(x, y + j, on);
      this.setPixel(x + w - 1, y + j, on);
    }
  }

  /** Flips every pixel of an area: light text on a lit band, for headers and warnings. */
  invertRect(x: number, y: number, w: number, h: number): void {
    for (let i = 0; i < w; i++) {
      for (let j = 0; j < h; j++) {
        const px = x + i + this.offset.x;
        const py = y + j + this.offset.y;
        if (px < 0 || py < 0 || px >= this.width || py >= this.height) continue;
        this.buffer[(py >> 3) * this.width + px]! ^= 1 << (py & 7);
      }
    }
  }

  /** Draws text with the 5×7 font, top-left at (x, y); returns the x after the last character. */
  text(x: number, y: number, text: string, opts: TextOptions = {}): number {
    const scale = opts.scale ?? 1;
    const on = opts.on ?? true;
    const maxX = opts.maxX ?? Number.POSITIVE_INFINITY;
    let cx = x;
    for (const ch of text) {
      if (cx + CHAR_ADVANCE * scale - scale > maxX) break;
      const columns = glyph(ch);
      columns.forEach((bits, col) => {
        for (let row = 0; row < GLYPH_HEIGHT; row++) {
          if (bits & (1 << row)) this.fillRect(cx + col * scale, y + row * scale, scale, scale, on);
        }
      });
      cx += CHAR_ADVANCE * scale;
    }
    return cx;
  }

  /** Draws text so that it ends at `right` (exclusive). */
  textRight(right: number, y: number, text: string, opts: TextOptions = {}): void {
    this.text(right - textWidth(text, opts.scale), y, text, opts);
  }

  /** A horizontal bar: an outline, filled from the left by `percent` (0–100, clamped). */
  bar(x: number, y: number, w: number, h: number, percent: number): void {
    this.strokeRect(x, y, w, h);
    const inner = w - 4;
    const p = Number.isFinite(percent) ? Math.min(100, Math.max(0, percent)) : 0;
    const filled = Math.round((inner * p) / 100);
    this.fillRect(x + 2, y + 2, filled, h - 4);
  }

  /** Draws an 8×8 icon (rows top to bottom, bit 7 at the left); `on: false` draws it dark on a lit area. */
  icon(x: number, y: number, icon: Icon, on = true): void {
    icon.forEach((row, j) => {
      for (let i = 0; i < 8; i++) if (row & (0x80 >> i)) this.setPixel(x + i, y + j, on);
    });
  }
}

/** Width in pixels of `text` drawn with `text()` (the blank column after the last glyph excluded). */
export function textWidth(text: string, scale = 1): number {
  const n = [...text].length;
  return n === 0 ? 0 : (n * CHAR_ADVANCE - 1) * scale;
}

/** Characters of the 5×7 font that fit in `pixels`. */
export function charsThatFit(pixels: number, scale = 1): number {
  return Math.max(0, Math.floor((pixels + scale) / (CHAR_ADVANCE * scale)));
}
