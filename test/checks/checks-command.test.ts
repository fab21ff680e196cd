/**
 * `vigie checks export|import` on a data directory's real checks.db, run as
 * a user runs it (the built CLI in a child process).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse as parseYaml } from 'yaml';
import { EventLog } from '../../events/event-log.js';
import { tempDir } from '../helpers/env.js';

const main = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
const data = tempDir('vigie-checks-cli-');
const files = tempDir('vigie-checks-files-');
test.after(() => {
  data.remove();
  files.remove();
});

const run = (...args: string[]) => spawnSync(process.execPath, [main, 'checks', ...args, '--data-dir', data.path], { encoding: 'utf8', env: { ...process.env, VIGIE_CONFIG: '', VIGIE_AGENT_HOST: 'the-box' } });
const file = (name: string, text: string): string => {
  const path = join(files.path, name);
  writeFileSync(path, text);
  return path;
};

const FILE = `checks:
  - { id: web, kind: http, target: "https://example.org/", name: Web }
  - { id: ssh, kind: tcp, target: 10.0.0.2, port: 22, name: SSH, runners: [vps-1] }
`;

test('help; an empty export; a dry run changes nothing', () => {
  const help = run('--help');
  assert.is(help.status, 0);
  assert.match(help.stdout, /Usage: vigie checks <export\|import>/);
  assert.equal(parseYaml(run('export').stdout), { checks: [] });
  const dry = run('import', file('a.yaml', FILE), '--dry-run');
  assert.is(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, /Dry run: nothing changed\.\ncreated\s+2: web, ssh/);
  assert.equal(parseYaml(run('export').stdout), { checks: [] });
});

test('import, export YAML and JSON, import the export back unchanged; the event log says who', () => {
  const r = run('import', file('a.yaml', FILE));
  assert.is(r.status, 0, r.stderr);
  const yaml = parseYaml(run('export').stdout) as { checks: Array<{ id: string; runners: string[] }> };
  assert.equal(yaml.checks.map((c) => [c.id, c.runners]), [['ssh', ['vps-1']], ['web', ['the-box']]]);
  const json = JSON.parse(run('export', '--format', 'json').stdout) as unknown;
  assert.equal(json, yaml);
  const back = run('import', file('back.json', JSON.stringify(json)), '--replace');
  assert.match(back.stdout, /unchanged\s+2/);
  const events = EventLog.open(data.path);
  try {
    assert.ok(events.query({ type: 'checks.imported' }).some((e) => e.user === 'command line'));
  } finally {
    events.close();
  }
});

test('an invalid item: exit 1, every error named, nothing imported; --replace deletes what the file leaves out', () => {
  const bad = run('import', file('bad.yaml', `${FILE}  - { id: db, kind: tcp, target: db.lan, name: DB }\n  - { id: web2, kind: http, target: "ftp://x", name: W }\n`), '--replace');
  assert.is(bad.status, 1);
  assert.match(bad.stderr, /nothing imported/);
  assert.match(bad.stderr, /checks\[2\]\.port: required for a TCP check/);
  assert.match(bad.stderr, /checks\[3\]\.target: expected an http/);
  const replaced = run('import', file('one.yaml', 'checks:\n  - { id: web, kind: http, target: "https://example.org/", name: Web }\n'), '--replace');
  assert.match(replaced.stdout, /deleted\s+1: ssh/);
  const unknown = run('remove');
  assert.is(unknown.status, 2);
});

test.run();
