/**
 * Bundles the browser app with esbuild into dist/web/: index.html, app.js,
 * app.css and uPlot's stylesheet. Compiled by the main tsconfig to
 * dist/dashboard/web/build.js, so paths are found from this file.
 *
 * Usage: node dist/dashboard/web/build.js [--dev]   (--dev: no minify, with source map)
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url)); // dist/dashboard/web/
const repo = join(here, '..', '..', '..');
const src = join(repo, 'dashboard', 'web', 'src');
const out = join(repo, 'dist', 'web');
const dev = process.argv.includes('--dev');

/** Builds the app; resolves to the output directory. */
export async function buildWeb(): Promise<string> {
  mkdirSync(out, { recursive: true });
  const common = { bundle: true, minify: !dev, sourcemap: dev, logLevel: 'warning' as const, legalComments: 'none' as const };
  await build({
    ...common,
    entryPoints: [join(src, 'main.ts')],
    outfile: join(out, 'app.js'),
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    absWorkingDir: repo,
  });
  await build({ ...common, entryPoints: [join(src, 'app.css')], outfile: join(out, 'app.css') });
  copyFileSync(join(src, 'index.html'), join(out, 'index.html'));
  const require = createRequire(import.meta.url);
  const uplotCss = join(require.resolve('uplot'), '..', 'uPlot.min.css');
  copyFileSync(uplotCss, join(out, 'uPlot.min.css'));
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = await buildWeb();
  console.log(`web app built in ${dir}`);
}
