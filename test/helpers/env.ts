import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { setRootLogger } from '../../core/logger.js';

/** True when running under CI: a missing server is then a failure, not a skip. */
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

/** Silences Vigie's logs in tests unless VIGIE_TEST_LOG is set (e.g. VIGIE_TEST_LOG=debug). */
setRootLogger(pino({ level: process.env.VIGIE_TEST_LOG ?? 'silent', base: undefined }));

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A temporary directory, and a function that removes it. */
export function tempDir(prefix = 'vigie-test-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  // Retries: a server just stopped (podman's container monitors, a broker) may still be writing its last files.
  return { path, remove: () => rmSync(path, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 }) };
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes; rejects with `what`. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 10_000, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * For suites that need an external program (Chromium, InfluxDB…): outside CI
 * a missing one skips the suite with a clear message; under CI=true it fails.
 */
export function requireProgram(name: string, present: boolean): boolean {
  if (present) return true;
  if (IN_CI) throw new Error(`${name} is required under CI=true but is not installed (see infra/ci/install-deps.sh)`);
  console.log(`SKIP: ${name} is not installed; install it (infra/ci/install-deps.sh) to run this suite`);
  return false;
}

/** Whether `command --version` runs: the program is installed and on the PATH. */
export function programRuns(command: string): boolean {
  try {
    execFileSync(command, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
