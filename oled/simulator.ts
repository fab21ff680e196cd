import pngjs from 'pngjs';
import type { DisplayStatus, Display } from './display.js';
import { Framebuffer, type ScreenSize } from './framebuffer.js';

/**
 * The screen without the hardware: a framebuffer as PNG (issue notes,
 * goldens), as text for a terminal (`vigie oled --simulate`), and as a
 * compact snapshot for the dashboard's live box display.
 */

/** The frame as the dashboard gets it: `bits` is base64 of the page-major buffer (see Framebuffer). */
export interface FrameSnapshot {
  width: number;
  height: number;
  bits: string;
}

export function frameSnapshot(fb: Framebuffer): FrameSnapshot {
  return { width: fb.width, height: fb.height, bits: Buffer.from(fb.buffer).toString('base64') };
}

/** The inverse of frameSnapshot; throws on a size that is not a panel's or bits of the wrong length. */
export function fromSnapshot(snap: FrameSnapshot): Framebuffer {
  if (snap.width !== 128 || (snap.height !== 64 && snap.height !== 32)) throw new RangeError(`no ${snap.width}×${snap.height} panel`);
  const fb = new Framebuffer({ width: 128, height: snap.height } as ScreenSize);
  const bytes = Buffer.from(snap.bits, 'base64');
  if (bytes.length !== fb.buffer.length) throw new RangeError(`bits: ${bytes.length} bytes, expected ${fb.buffer.length}`);
  fb.buffer.set(bytes);
  return fb;
}

const HALF_BLOCKS = [' ', '▀', '▄', '█'] as const;

/** Two pixel rows per line with half blocks (top ▀, bottom ▄, both █): 64 rows fit in 32 lines. */
export function toText(fb: Framebuffer): string {
  const lines: string[] = [];
  for (let y = 0; y < fb.height; y += 2) {
    let line = '';
    for (let x = 0; x < fb.width; x++) line += HALF_BLOCKS[(fb.getPixel(x, y) ? 1 : 0) + (fb.getPixel(x, y + 1) ? 2 : 0)];
    lines.push(line);
  }
  return `${lines.join('\n')}\n`;
}

/** The inverse of toText (golden files are stored as text). */
export function fromText(text: string, size: ScreenSize): Framebuffer {
  const fb = new Framebuffer(size);
  text.split('\n').slice(0, size.height / 2).forEach((line, row) => {
    [...line].forEach((ch, x) => {
      const code = HALF_BLOCKS.indexOf(ch as (typeof HALF_BLOCKS)[number]);
      if (code & 1) fb.setPixel(x, row * 2);
      if (code & 2) fb.setPixel(x, row * 2 + 1);
    });
  });
  return fb;
}

export type PngTheme = 'oled' | 'bw';

/** RGB of lit and dark pixels: the blue-white look of the common modules, or plain black and white. */
const THEMES: Record<PngTheme, { on: [number, number, number]; off: [number, number, number] }> = {
  oled: { on: [0xe6, 0xf2, 0xff], off: [0x0b, 0x16, 0x2e] },
  bw: { on: [0xff, 0xff, 0xff], off: [0x00, 0x00, 0x00] },
};

/** The frame as a PNG, each pixel `scale`×`scale` (default 4, the size of the real panel on a screen). */
export function toPng(fb: Framebuffer, opts: { scale?: number; theme?: PngTheme } = {}): Buffer {
  const scale = opts.scale ?? 4;
  const theme = THEMES[opts.theme ?? 'oled'];
  const png = new pngjs.PNG({ width: fb.width * scale, height: fb.height * scale, colorType: 2 });
  for (let y = 0; y < png.height; y++) {
    for (let x = 0; x < png.width; x++) {
      const [r, g, b] = fb.getPixel(Math.floor(x / scale), Math.floor(y / scale)) ? theme.on : theme.off;
      const i = (y * png.width + x) * 4;
      png.data[i] = r;
      png.data[i + 1] = g;
      png.data[i + 2] = b;
      png.data[i + 3] = 0xff;
    }
  }
  return pngjs.PNG.sync.write(png, { colorType: 2 });
}

/** A writable terminal stream (process.stdout). */
export interface TerminalStream {
  write(chunk: string): boolean;
  isTTY?: boolean;
}

/**
 * A display printing each new frame in place on a terminal: cursor home,
 * the half-block picture, then "erase below". Used by `vigie oled --simulate`.
 * Dimmed frames are printed faint, a sleeping panel as a blank box.
 */
export function simulateToTerminal(stream: TerminalStream): Display {
  let last = '';
  let frame: Framebuffer | null = null;
  let dim = false;
  let power = true;
  let closed = false;
  let cleared = false;
  const draw = (): void => {
    if (closed || !frame) return;
    const picture = power ? toText(frame) : toText(new Framebuffer({ width: 128, height: frame.height } as ScreenSize));
    // The first frame clears the screen; the next ones overwrite it from the top-left corner.
    const home = cleared ? '\u001b[H' : '\u001b[2J\u001b[H';
    const body = `${dim ? '\u001b[2m' : ''}${picture}\u001b[0m\u001b[J`;
    if (body === last) return;
    last = body;
    cleared = true;
    stream.write(home + body);
  };
  return {
    show(fb) {
      frame = new Framebuffer({ width: 128, height: fb.height } as ScreenSize);
      frame.buffer.set(fb.buffer);
      draw();
    },
    setContrast(value) {
      dim = value < 16;
      draw();
    },
    setPower(on) {
      power = on;
      draw();
    },
    status: (): DisplayStatus => ({ kind: 'terminal', on: power, reason: null }),
    close: async () => {
      if (closed) return;
      closed = true;
      stream.write('\u001b[0m\n');
    },
  };
}
