/**
 * 8×8 icons, one byte per row from the top, bit 7 at the left — written so
 * the shape can be read in the source.
 */
export type Icon = readonly number[];

/** Three machines on a line: the network (page a, the box's address). */
export const NETWORK: Icon = [
  0b00011000,
  0b00011000,
  0b00001000,
  0b11111111,
  0b00100100,
  0b00100100,
  0b11100111,
  0b11100111,
];

/** A warning triangle with an exclamation mark (firing alerts). */
export const ALERT: Icon = [
  0b00011000,
  0b00011000,
  0b00100100,
  0b00100100,
  0b01011010,
  0b01000010,
  0b10011001,
  0b11111111,
];

/** A spanner: the alert fired during a maintenance window. */
export const WRENCH: Icon = [
  0b00000110,
  0b00000011,
  0b00010011,
  0b00011110,
  0b00111000,
  0b01110000,
  0b11100000,
  0b11000000,
];

/** A crescent: night mode (dimmed display). */
export const MOON: Icon = [
  0b00111000,
  0b01110000,
  0b11100000,
  0b11100000,
  0b11100000,
  0b11110001,
  0b01111110,
  0b00111100,
];

/** A tick: no alert firing. */
export const CHECK: Icon = [
  0b00000000,
  0b00000001,
  0b00000011,
  0b00000110,
  0b10001100,
  0b11011000,
  0b01110000,
  0b00100000,
];

/** Two stacked boxes: hosts (page b). */
export const HOSTS: Icon = [
  0b11111111,
  0b10000001,
  0b10000101,
  0b11111111,
  0b11111111,
  0b10000001,
  0b10000101,
  0b11111111,
];
