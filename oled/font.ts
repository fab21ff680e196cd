import { createRequire } from 'node:module';

/**
 * The 5×7 bitmap font of `oled-font-5x7`: 5 column bytes per glyph, bit 0 at
 * the top — the same layout as SSD1306 display RAM, so a glyph column is one
 * byte to OR in when the text sits on a page boundary.
 */
interface FontTable {
  width: number;
  height: number;
  fontData: number[];
  lookup: string[];
}

// The package is CommonJS without type declarations: load it with require and
// state the shape we use.
const table = createRequire(import.meta.url)('oled-font-5x7') as FontTable;

export const GLYPH_WIDTH = table.width;
export const GLYPH_HEIGHT = table.height;
/** Horizontal advance of one character: the glyph and one blank column. */
export const CHAR_ADVANCE = GLYPH_WIDTH + 1;

const glyphs = new Map<string, readonly number[]>(
  table.lookup.map((ch, i) => [ch, table.fontData.slice(i * GLYPH_WIDTH, (i + 1) * GLYPH_WIDTH)]),
);
const FALLBACK = glyphs.get('?')!;

/**
 * The columns of one character. Accented letters the font lacks (é, à, ç —
 * alert titles are in the server language) lose their accent; anything else
 * unknown becomes `?`.
 */
export function glyph(ch: string): readonly number[] {
  const direct = glyphs.get(ch);
  if (direct) return direct;
  const bare = ch.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  return glyphs.get(bare) ?? FALLBACK;
}
