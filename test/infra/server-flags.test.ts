/**
 * The server's Node flags (core/heap.ts SERVER_NODE_FLAGS) are where users
 * start it from, and they take effect: V8 sizes the young generation only at
 * start, so a launcher that drops them silently runs a bigger process.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AGENT_ENV, AGENT_NODE_FLAGS, SERVER_ENV, SERVER_NODE_FLAGS, V8_HELPER_THREADS } from '../../core/heap.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url)); // from dist/test/infra/

test('npm start and the systemd unit run the server with SERVER_NODE_FLAGS', () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const start = /node (.*) dist\/cli\/main\.js up/.exec(pkg.scripts.start ?? '');
  assert.ok(start, `npm start runs node … dist/cli/main.js up: ${pkg.scripts.start}`);
  assert.equal(start![1]!.split(' '), [...SERVER_NODE_FLAGS]);
  const unit = readFileSync(join(repoRoot, 'infra', 'systemd', 'vigie.service'), 'utf8');
  const exec = /^ExecStart=\/usr\/bin\/node (.*) \/opt\/vigie\/dist\/cli\/main\.js up$/m.exec(unit);
  assert.ok(exec, 'the unit runs node … main.js up');
  assert.equal(exec![1]!.split(' '), [...SERVER_NODE_FLAGS]);
});

test('npm start and the systemd unit set SERVER_ENV before Node starts', () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const unit = readFileSync(join(repoRoot, 'infra', 'systemd', 'vigie.service'), 'utf8');
  for (const [name, value] of Object.entries(SERVER_ENV)) {
    assert.match(pkg.scripts.start ?? '', new RegExp(`(^|&& )${name}=${value} node `), `npm start sets ${name}=${value}`);
    assert.match(unit, new RegExp(`^Environment=${name}=${value}$`, 'm'), `the unit sets ${name}=${value}`);
  }
});

test('with SERVER_NODE_FLAGS, the young generation stays at 4 MiB semi-spaces under allocation', () => {
  const script = `
    let keep = [];
    for (let i = 0; i < 2e6; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 1e5) keep = []; }
    const ns = require('node:v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    process.stdout.write(String(ns.space_size));`;
  const size = (flags: readonly string[]) => Number(execFileSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8' }));
  const tuned = size(SERVER_NODE_FLAGS);
  const plain = size([]);
  assert.ok(tuned <= 3 * 4 * 1024 * 1024, `new space with the flags: ${tuned} bytes`);
  assert.ok(plain > tuned, `Node's default grows it further (${plain} > ${tuned}): the flag matters`);
});

test('with SERVER_NODE_FLAGS, V8 starts V8_HELPER_THREADS background threads, not Node\'s 4', () => {
  // Linux lists a process's threads in /proc/self/task; only V8's pool differs between the two runs.
  const threads = (flags: readonly string[]) =>
    Number(execFileSync(process.execPath, [...flags, '-e', "setTimeout(() => process.stdout.write(String(require('node:fs').readdirSync('/proc/self/task').length)), 100)"], { encoding: 'utf8' }));
  const tuned = threads(SERVER_NODE_FLAGS);
  const nodeDefault = threads(SERVER_NODE_FLAGS.filter((f) => !f.startsWith('--v8-pool-size=')));
  assert.ok(V8_HELPER_THREADS < 4, `fewer helpers than Node's default: ${V8_HELPER_THREADS}`);
  assert.is(nodeDefault - tuned, 4 - V8_HELPER_THREADS, `threads with the flags: ${tuned}, without --v8-pool-size: ${nodeDefault}`);
});

test('the agent\'s unit template and --no-service line run it with AGENT_NODE_FLAGS and AGENT_ENV', () => {
  const unit = readFileSync(join(repoRoot, 'infra', 'install', 'vigie-agent.service'), 'utf8');
  const exec = /^ExecStart=@NODE@ (.*) @DIR@\/vigie-agent\.mjs run --config @DIR@\/config\.json$/m.exec(unit);
  assert.ok(exec, 'the unit runs node … vigie-agent.mjs run');
  assert.equal(exec![1]!.split(' '), [...AGENT_NODE_FLAGS]);
  const script = readFileSync(join(repoRoot, 'infra', 'install', 'agent.sh'), 'utf8');
  const line = /echo " {2}(.*)\$NODE (.*) \$PREFIX\/vigie-agent\.mjs run --config \$CONFIG"/.exec(script);
  assert.ok(line, 'agent.sh prints how to start the agent without a service');
  assert.equal(line![2]!.split(' '), [...AGENT_NODE_FLAGS]);
  for (const [name, value] of Object.entries(AGENT_ENV)) {
    assert.match(unit, new RegExp(`^Environment=${name}=${value}$`, 'm'), `the unit sets ${name}=${value}`);
    assert.ok(line![1]!.split(' ').includes(`${name}=${value}`), `the --no-service line sets ${name}=${value}`);
  }
});

test.run();
