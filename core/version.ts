import { readFileSync } from 'node:fs';

/** Set by esbuild's `define` in bundles (the standalone agent), which have no package.json beside them. */
declare const __VIGIE_VERSION__: string | undefined;

/** Vigie's version: embedded at bundle time, else read once from package.json (two levels up from dist/core). */
export const VIGIE_VERSION: string = typeof __VIGIE_VERSION__ === 'string' ? __VIGIE_VERSION__ : (() => {
  for (const rel of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'vigie' && pkg.version) return pkg.version;
    } catch {
      // try the next candidate
    }
  }
  return '0.0.0';
})();
