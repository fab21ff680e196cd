/** The box's OLED: public API for the CLI (`vigie oled`, `vigie up`) and the dashboard (docs/oled.md). */
export { OledConfig } from './config.js';
export { startOled, type OledDeps, type OledHandle } from './client.js';
export { createMemoryDisplay, startSsd1306Display, type Display, type DisplayStatus, type MemoryDisplay } from './display.js';
export { Framebuffer, type ScreenSize } from './framebuffer.js';
export { openI2cBus, explainDisplayError } from './i2c.js';
export { createMemoryBus, type MemoryBus } from './memory-bus.js';
export { render } from './pages.js';
export { PAGES, type PageName, type NightSchedule } from './schedule.js';
export { frameSnapshot, fromSnapshot, simulateToTerminal, toPng, toText, type FrameSnapshot } from './simulator.js';
export { Ssd1306, initCommands, type I2cBus } from './ssd1306.js';
export type { OledState } from './state.js';
