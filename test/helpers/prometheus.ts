import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as assert from 'uvu/assert';
import { requireProgram } from './env.js';

/** Debian's prometheus package: promtool checks an exposition the way Prometheus's own lint does. */
export const PROMTOOL = '/usr/bin/promtool';

/** One sample line of the text format: name, labels, value. */
export interface Series {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the sample lines of an exposition (prom-client writes one series per line, labels quoted and escaped). */
export function parseExposition(body: string): Series[] {
  const out: Series[] = [];
  for (const line of body.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of m![2]?.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g) ?? []) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_x, c: string) => (c === 'n' ? '\n' : c));
    out.push({ name: m![1]!, labels, value: Number(m![3]) });
  }
  return out;
}

/** The value of one series; fails when there is not exactly one. */
export function seriesValue(series: Series[], name: string, labels: Record<string, string>): number {
  const found = series.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  assert.is(found.length, 1, `one ${name}${JSON.stringify(labels)} (found ${found.length})`);
  return found[0]!.value;
}

/** Runs `promtool check metrics` on `body` and asserts it has nothing to say; false (skipped outside CI) without promtool. */
export function assertPromtoolClean(body: string): boolean {
  if (!requireProgram(`promtool (${PROMTOOL}, Debian's prometheus package)`, existsSync(PROMTOOL))) return false;
  const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: body, encoding: 'utf8' });
  assert.is(r.stdout + r.stderr, '', 'promtool prints nothing');
  assert.is(r.status, 0);
  return true;
}
