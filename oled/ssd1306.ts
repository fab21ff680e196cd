/**
 * A thin SSD1306 driver over a two-method I2C bus. References are to the
 * Solomon Systech SSD1306 datasheet rev 1.1: §8.1.5 (I2C write: a control
 * byte, Co/D#C, then commands or data), §9 (command table), §10.1 (command
 * descriptions) and the application note's initialisation flow.
 */

/** What the driver needs from an I2C bus; `i2c-bus`'s promisified bus fits through `openI2cBus`. */
export interface I2cBus {
  /** One I2C write transaction (START, address, bytes, STOP) to the 7-bit `address`. */
  write(address: number, bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** Control byte before command bytes: Co = 0, D/C# = 0 (§8.1.5.2). */
export const CONTROL_COMMAND = 0x00;
/** Control byte before display RAM data: Co = 0, D/C# = 1. */
export const CONTROL_DATA = 0x40;

/** Command codes (§9, table 9-1). */
export const CMD = {
  SET_CONTRAST: 0x81,
  DISPLAY_FOLLOW_RAM: 0xa4,
  DISPLAY_NORMAL: 0xa6,
  DISPLAY_OFF: 0xae,
  DISPLAY_ON: 0xaf,
  MEMORY_MODE: 0x20,
  COLUMN_ADDRESS: 0x21,
  PAGE_ADDRESS: 0x22,
  DEACTIVATE_SCROLL: 0x2e,
  START_LINE_0: 0x40,
  SEGMENT_REMAP_0: 0xa0,
  SEGMENT_REMAP_127: 0xa1,
  MULTIPLEX_RATIO: 0xa8,
  COM_SCAN_INC: 0xc0,
  COM_SCAN_DEC: 0xc8,
  DISPLAY_OFFSET: 0xd3,
  CLOCK_DIV: 0xd5,
  PRECHARGE: 0xd9,
  COM_PINS: 0xda,
  VCOMH_DESELECT: 0xdb,
  CHARGE_PUMP: 0x8d,
} as const;

export interface PanelGeometry {
  width: number;
  height: 64 | 32;
}

/**
 * The orientation commands: the usual mounting (segment remap 127→SEG0, COM
 * scan from COM[N-1]) or, flipped, the panel turned 180° (§10.1.12, §10.1.14).
 */
export function orientationCommands(flip: boolean): number[][] {
  return flip ? [[CMD.SEGMENT_REMAP_0], [CMD.COM_SCAN_INC]] : [[CMD.SEGMENT_REMAP_127], [CMD.COM_SCAN_DEC]];
}

/**
 * The initialisation sequence, one command (with its arguments) per entry,
 * in the order of the datasheet's application example: off, timing,
 * geometry, charge pump (internal DC-DC for 3.3 V modules), addressing,
 * orientation, analogue settings, then on.
 */
export function initCommands(panel: PanelGeometry, opts: { contrast: number; flip: boolean }): number[][] {
  return [
    [CMD.DISPLAY_OFF],
    [CMD.CLOCK_DIV, 0x80], // reset value: divide ratio 1, oscillator frequency 8 (§10.1.16)
    [CMD.MULTIPLEX_RATIO, panel.height - 1], // 63 or 31 rows (§10.1.11)
    [CMD.DISPLAY_OFFSET, 0x00],
    [CMD.START_LINE_0],
    [CMD.CHARGE_PUMP, 0x14], // enable (charge pump app note: 0x14 on, 0x10 off)
    [CMD.MEMORY_MODE, 0x00], // horizontal addressing: a frame is one linear write (§10.1.3)
    ...orientationCommands(opts.flip),
    [CMD.COM_PINS, panel.height === 64 ? 0x12 : 0x02], // alternative COM pins for 64 rows, sequential for 32 (§10.1.18)
    [CMD.SET_CONTRAST, clampByte(opts.contrast)],
    [CMD.PRECHARGE, 0xf1], // phase 1: 1 DCLK, phase 2: 15 DCLK, for the internal charge pump
    [CMD.VCOMH_DESELECT, 0x40],
    [CMD.DISPLAY_FOLLOW_RAM],
    [CMD.DISPLAY_NORMAL],
    [CMD.DEACTIVATE_SCROLL],
    [CMD.DISPLAY_ON],
  ];
}

/** Data bytes per I2C transaction: one page row, so a 128×64 frame is 8 writes. */
export const DATA_CHUNK = 128;

function clampByte(value: number): number {
  return Math.min(255, Math.max(0, Math.round(value)));
}

/** One SSD1306 on a bus: sends commands and frames; errors from the bus are the caller's to handle. */
export class Ssd1306 {
  constructor(
    private readonly bus: I2cBus,
    private readonly address: number,
    private readonly panel: PanelGeometry,
  ) {}

  /** Sends one command with its arguments in one transaction. */
  async command(...bytes: number[]): Promise<void> {
    await this.bus.write(this.address, Uint8Array.from([CONTROL_COMMAND, ...bytes]));
  }

  async init(opts: { contrast: number; flip: boolean }): Promise<void> {
    for (const cmd of initCommands(this.panel, opts)) await this.command(...cmd);
  }

  async setContrast(value: number): Promise<void> {
    await this.command(CMD.SET_CONTRAST, clampByte(value));
  }

  async setFlip(flip: boolean): Promise<void> {
    for (const cmd of orientationCommands(flip)) await this.command(...cmd);
  }

  /** Display on or sleep (§10.1.12: AE/AF; the RAM is kept while asleep). */
  async setPower(on: boolean): Promise<void> {
    await this.command(on ? CMD.DISPLAY_ON : CMD.DISPLAY_OFF);
  }

  /**
   * Writes a whole frame in the page-major layout of display RAM: the column
   * and page windows cover the panel, then the data goes in chunks, each
   * behind a data control byte.
   */
  async writeFrame(buffer: Uint8Array): Promise<void> {
    const pages = this.panel.height / 8;
    if (buffer.length !== this.panel.width * pages) {
      throw new RangeError(`frame of ${buffer.length} bytes for a ${this.panel.width}×${this.panel.height} panel (expected ${this.panel.width * pages})`);
    }
    await this.command(CMD.COLUMN_ADDRESS, 0, this.panel.width - 1);
    await this.command(CMD.PAGE_ADDRESS, 0, pages - 1);
    for (let at = 0; at < buffer.length; at += DATA_CHUNK) {
      const chunk = buffer.subarray(at, at + DATA_CHUNK);
      const bytes = new Uint8Array(chunk.length + 1);
      bytes[0] = CONTROL_DATA;
      bytes.set(chunk, 1);
      await this.bus.write(this.address, bytes);
    }
  }
}
