import { getJson } from '../api.js';
import { h, type View } from '../dom.js';
import { messageLine, page, panel } from './ui.js';

/** What `GET /api/box/display` answers (in the usual envelope): base64 of the panel's page-major buffer (oled/simulator.ts). */
import type { BoxFrame } from '../../../server/api/context.js';
export type { BoxFrame };

/** Screen pixels per panel pixel: a 128×64 panel is drawn 512×256, about its real size on a desk. */
const SCALE = 4;
const LIT = '#e6f2ff';
const DARK = '#0b162e';

/**
 * Decodes a frame: `bits` holds, for each 8-pixel row band ("page") and
 * column, one byte whose bit n is the pixel n rows down — the SSD1306 RAM
 * layout. Returns one boolean per pixel, row by row; throws on a size that
 * is not a panel's or bits of the wrong length.
 */
export function decodeBoxFrame(frame: BoxFrame): boolean[] {
  const { width, height } = frame;
  if (width !== 128 || (height !== 64 && height !== 32)) throw new Error(`${width}×${height}`);
  const raw = atob(frame.bits);
  if (raw.length !== (width * height) / 8) throw new Error(`${raw.length} bytes`);
  const pixels = new Array<boolean>(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) pixels[y * width + x] = (raw.charCodeAt((y >> 3) * width + x) & (1 << (y & 7))) !== 0;
  }
  return pixels;
}

/**
 * The box's OLED, live: the same pixels as the panel on the box, fetched
 * every second and drawn on a canvas. Labels come from the caller (i18n).
 */
export function createBoxDisplayView(labels: { title: string; description: string }): View {
  const line = messageLine();
  const canvas = h('canvas', { class: 'box-display', 'data-testid': 'box-display', role: 'img', 'aria-label': labels.description, width: 128 * SCALE, height: 64 * SCALE });
  canvas.style.imageRendering = 'pixelated';
  canvas.style.maxWidth = '100%';
  const el = page(labels.title, line.el, panel(null, canvas));
  let last = '';
  let stopped = false;

  const draw = (frame: BoxFrame): void => {
    const key = `${frame.width}x${frame.height}:${frame.bits}`;
    if (key === last) return;
    const pixels = decodeBoxFrame(frame);
    last = key;
    canvas.width = frame.width * SCALE;
    canvas.height = frame.height * SCALE;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.fillStyle = DARK;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = LIT;
    pixels.forEach((on, i) => {
      if (on) ctx.fillRect((i % frame.width) * SCALE, Math.floor(i / frame.width) * SCALE, SCALE, SCALE);
    });
    canvas.dataset.frame = key.slice(0, key.indexOf(':')); // for tests: the panel size on screen
  };

  const load = async (): Promise<void> => {
    try {
      draw(await getJson<BoxFrame>('/api/box/display'));
      line.clear();
    } catch (error) {
      line.error(error);
    }
  };
  // One request at a time: the next one goes a second after the previous answered.
  const loop = async (): Promise<void> => {
    while (!stopped) {
      await load();
      await new Promise((r) => window.setTimeout(r, 1000));
    }
  };
  void loop();
  return { el, destroy: () => void (stopped = true) };
}
