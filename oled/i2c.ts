import type { I2cBus } from './ssd1306.js';

/** The part of `i2c-bus`'s promisified bus we use (its README, "PromisifiedBus"). */
interface PromisifiedBus {
  i2cWrite(address: number, length: number, buffer: Buffer): Promise<{ bytesWritten: number }>;
  close(): Promise<void>;
}

/** Thrown when `i2c-bus` cannot be loaded: not installed (it is optional) or its native addon not built. */
export class I2cModuleMissing extends Error {
  override readonly name = 'I2cModuleMissing';
}

/**
 * Opens `/dev/i2c-<bus>` through `i2c-bus`, imported only now: Vigie installs
 * and runs without it (Windows, macOS, a PC without I2C), and the native
 * addon is loaded only when a display is configured.
 */
export async function openI2cBus(busNumber: number): Promise<I2cBus> {
  // A variable specifier keeps TypeScript and bundlers from resolving the optional module.
  const specifier = 'i2c-bus';
  let mod: { openPromisified(bus: number): Promise<PromisifiedBus> };
  try {
    const imported = (await import(specifier)) as { default?: typeof mod } & typeof mod;
    mod = imported.default ?? imported;
  } catch (error) {
    throw new I2cModuleMissing((error as Error).message);
  }
  const bus = await mod.openPromisified(busNumber);
  return {
    write: async (address, bytes) => {
      const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const { bytesWritten } = await bus.i2cWrite(address, buffer.length, buffer);
      if (bytesWritten !== buffer.length) throw new Error(`short I2C write: ${bytesWritten} of ${buffer.length} bytes`);
    },
    close: () => bus.close(),
  };
}

/** One plain sentence saying why the display is off, and what to do. */
export function explainDisplayError(error: unknown, where: { bus: number; address: number }): string {
  const device = `/dev/i2c-${where.bus}`;
  const address = `0x${where.address.toString(16).toUpperCase().padStart(2, '0')}`;
  if (error instanceof I2cModuleMissing) {
    return `the optional module i2c-bus is not installed or not built for this Node (run "npm i i2c-bus" on the box): ${error.message}`;
  }
  const e = error as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT':
      return `${device} does not exist: enable I2C (sudo raspi-config nonint do_i2c 0, or dtparam=i2c_arm=on in /boot/firmware/config.txt) and reboot`;
    case 'EACCES':
    case 'EPERM':
      return `no permission to open ${device}: add the user to the i2c group (sudo usermod -aG i2c $USER) and log in again`;
    case 'ENXIO':
    case 'EREMOTEIO':
    case 'EIO':
      return `no device answers at ${address} on ${device} (${e.code}): check the wiring and the address with "i2cdetect -y ${where.bus}"`;
    default:
      return `${device} at ${address}: ${e?.message ?? String(error)}`;
  }
}
