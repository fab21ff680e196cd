/**
 * Runs every uvu suite (dist/test/**\/*.test.js) in its own Node process, so
 * integration suites that start servers cannot leak into each other, then
 * prints the totals as `N passed, N failed` alone on the last line.
 *
 * Usage: node dist/test/run.js [--jobs N] [substring…]   (only files whose path contains one)
 *
 * `--jobs N` (or VIGIE_TEST_JOBS) runs N suites at once; each suite's output
 * is then printed whole when it ends, so logs stay readable. Default 1.
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const jobsAt = args.indexOf('--jobs');
const jobs = Math.max(1, Number(jobsAt >= 0 ? args.splice(jobsAt, 2)[1] : process.env.VIGIE_TEST_JOBS ?? 1) || 1);
const filters = args;
// Bounds a hung suite; the slowest real ones (a browser, snmpd's first minute) take about 70 s on a busy 2-core box.
const FILE_TIMEOUT_MS = 180_000;

function findSuites(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...findSuites(path));
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

interface Outcome { passed: number; failed: number; skipped: number }

/** `live`: stream the suite's output as it comes (one job); otherwise hand it back whole. */
function runSuite(file: string, live: boolean): Promise<Outcome & { log: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--enable-source-maps', file], {
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let log = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      if (live) process.stdout.write(d);
      else log += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      if (live) process.stderr.write(d);
      else log += d;
    });
    const timer = setTimeout(() => {
      const line = `\n[run] ${file} exceeded ${FILE_TIMEOUT_MS / 1000}s: killed\n`;
      if (live) process.stderr.write(line);
      else log += line;
      child.kill('SIGKILL');
    }, FILE_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      const text = out.replace(/\u001b\[[0-9;]*m/g, '');
      const num = (label: string): number | undefined => {
        const m = new RegExp(`${label}:\\s+(\\d+)`).exec(text);
        return m ? Number(m[1]) : undefined;
      };
      const total = num('Total');
      const passed = num('Passed');
      const skipped = num('Skipped') ?? 0;
      if (total === undefined || passed === undefined) {
        // No summary: a suite that skipped itself (outside CI only) says so; anything else crashed.
        const skippedItself = code === 0 && /^SKIP: /m.test(text);
        resolve({ passed: 0, failed: skippedItself ? 0 : 1, skipped: skippedItself ? 1 : 0, log });
        return;
      }
      let failed = Math.max(0, total - passed - skipped);
      if (code !== 0 && failed === 0) failed = 1; // exited non-zero after its tests: count the crash
      resolve({ passed, failed, skipped, log });
    });
  });
}

const suites = findSuites(root).filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
const totals: Outcome = { passed: 0, failed: 0, skipped: 0 };
const failedFiles: string[] = [];
const live = jobs === 1;
async function runOne(file: string): Promise<void> {
  const name = relative(root, file);
  if (live) process.stdout.write(`\n── ${name}\n`);
  const started = Date.now();
  const r = await runSuite(file, live);
  const head = live ? '' : `\n── ${name}\n${r.log}`;
  process.stdout.write(`${head}── ${name}: ${r.passed} passed, ${r.failed} failed in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  totals.passed += r.passed;
  totals.failed += r.failed;
  totals.skipped += r.skipped;
  if (r.failed > 0) failedFiles.push(name);
}
const queue = [...suites];
await Promise.all(Array.from({ length: Math.min(jobs, queue.length) }, async () => {
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) await runOne(file);
}));
failedFiles.sort();
if (failedFiles.length) process.stdout.write(`\nFailing suites:\n${failedFiles.map((f) => `  ${f}`).join('\n')}\n`);
process.stdout.write(`\n${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}\n`);
process.exitCode = totals.failed > 0 || suites.length === 0 ? 1 : 0;
