/**
 * Bundles the standalone agent (./bin.ts) with esbuild into ONE file,
 * dist/agent/vigie-agent.mjs, runnable by Node ≥ 20 alone, and writes
 * dist/agent/vigie-agent.json `{ version, sha256, size }` beside it (the box
 * serves both). Fails when a native addon or a server package would end up
 * in the bundle. Compiled by the main tsconfig to
 * dist/agent/standalone/build.js, so paths are found from this file.
 *
 * Usage: node dist/agent/standalone/build.js [--out DIR]
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { VIGIE_VERSION } from '../../core/version.js';
import { LAZY_MQTT_TRANSPORTS, NODE_TIMERS, PACKED_PACKAGES, packPackages } from './bundle-plugins.js';

const here = fileURLToPath(new URL('.', import.meta.url)); // dist/agent/standalone/
const repo = join(here, '..', '..', '..');

/**
 * Packages the agent must never carry: the server's (SQLite, HTTP, Socket.IO,
 * the broker, mail, InfluxDB) and the OLED's I2C addon. Any `.node` file is
 * refused too: a native addon would tie the file to one OS, CPU and Node ABI.
 */
export const FORBIDDEN_PACKAGES = ['better-sqlite3', 'express', 'socket.io', 'aedes', 'i2c-bus', 'nodemailer', '@influxdata'] as const;

export interface AgentBundle {
  file: string;
  /** The manifest written beside it. */
  manifestFile: string;
  version: string;
  sha256: string;
  size: number;
  /** Bytes per source package (`(vigie)` for Vigie's own modules), largest first. */
  packages: Array<[string, number]>;
}

/** The package a bundled input belongs to (`node_modules/@scope/name/…` → `@scope/name`), or `(vigie)`. */
export function inputPackage(path: string): string {
  const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path.replace(/\\/g, '/'));
  return m ? m[1]! : '(vigie)';
}

/** Why these bundle inputs are refused: one line per forbidden package or native addon; empty when clean. */
export function forbiddenInputs(metafile: Pick<Metafile, 'inputs'>): string[] {
  const problems = new Set<string>();
  for (const path of Object.keys(metafile.inputs)) {
    if (/\.node$/.test(path)) problems.add(`native addon ${path}`);
    const pkg = inputPackage(path);
    const banned = FORBIDDEN_PACKAGES.find((f) => pkg === f || pkg.startsWith(`${f}/`));
    if (banned) problems.add(`server package ${pkg} (${path})`);
  }
  return [...problems];
}

/** The first character above U+00FF in `text`, with its context; undefined when there is none. */
export function wideCharacter(text: string): string | undefined {
  const at = text.search(/[^\u0000-\u00ff]/);
  return at < 0 ? undefined : `U+${text.codePointAt(at)!.toString(16).toUpperCase().padStart(4, '0')} in "${text.slice(Math.max(0, at - 30), at + 10)}"`;
}

/** How the bundle resolves and defines, shared with the packed packages' own builds so they resolve the same. */
export const BUNDLE_RESOLUTION = {
  absWorkingDir: repo,
  target: 'node20',
  // No package.json ships beside the file: the version is written into it.
  define: { __VIGIE_VERSION__: JSON.stringify(VIGIE_VERSION) },
  // ws's optional speed-ups are native addons; ws runs without them (it catches the failed require).
  external: ['bufferutil', 'utf-8-validate'],
  // mqtt.js and bl stream through readable-stream 4, a copy of Node 20's own streams that brings
  // polyfills of Buffer, process and AbortController along: Node's saves their code and memory
  // (bench/agent/process, RSS p50 with --lite-mode 51.5 -> 50.7 MiB, without 60.9 -> 58.3).
  alias: { 'readable-stream': 'node:stream' },
} satisfies BuildOptions;

/** Builds the bundle into `outDir` (default dist/agent/); rejects, listing them, when forbidden inputs got in. */
export async function buildAgentBundle(outDir = join(repo, 'dist', 'agent')): Promise<AgentBundle> {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, 'vigie-agent.mjs');
  const packed = packPackages(PACKED_PACKAGES, BUNDLE_RESOLUTION);
  const result = await build({
    ...BUNDLE_RESOLUTION,
    entryPoints: [join(repo, 'agent', 'standalone', 'bin.ts')],
    outfile: file,
    bundle: true,
    format: 'esm',
    platform: 'node',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
    plugins: [LAZY_MQTT_TRANSPORTS, NODE_TIMERS, packed.plugin],
    // The bundled CommonJS packages (mqtt, systeminformation, pino) call require(): give the ES module one.
    banner: { js: '#!/usr/bin/env node\nimport { createRequire as __vigieCreateRequire } from "node:module"; const require = __vigieCreateRequire(import.meta.url);' },
  });
  const inputs = { ...result.metafile.inputs, ...packed.inputs() };
  const problems = forbiddenInputs({ inputs });
  if (problems.length > 0) throw new Error(`the agent bundle must not contain these (something imports the server): ${problems.join('; ')}`);

  const bytes = readFileSync(file);
  const wide = wideCharacter(bytes.toString('utf8'));
  if (wide) throw new Error(`the agent bundle must be Latin-1 only: ${wide} (escape it as \\u…): V8 keeps a source with one wider character as UTF-16, twice its memory`);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const manifestFile = join(outDir, 'vigie-agent.json');
  writeFileSync(manifestFile, `${JSON.stringify({ version: VIGIE_VERSION, sha256, size: bytes.length }, null, 2)}\n`);
  const perPackage = new Map<string, number>();
  for (const [path, input] of Object.entries(inputs)) perPackage.set(inputPackage(path), (perPackage.get(inputPackage(path)) ?? 0) + input.bytes);
  return { file, manifestFile, version: VIGIE_VERSION, sha256, size: bytes.length, packages: [...perPackage].sort((a, b) => b[1] - a[1]) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const outAt = process.argv.indexOf('--out');
  const bundle = await buildAgentBundle(outAt > 0 && process.argv[outAt + 1] ? resolve(process.argv[outAt + 1]!) : undefined);
  console.log(`agent bundle ${bundle.file}: ${(bundle.size / 1024).toFixed(0)} KiB, version ${bundle.version}, sha256 ${bundle.sha256}`);
}
