/**
 * Script folders (agent/scripts/store.ts), the agent's argument check with
 * real paths (args.ts), the interpreter list and the policy.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkArgsOnAgent } from '../../../agent/scripts/args.js';
import { findInterpreter } from '../../../agent/scripts/interpreter.js';
import { prepareLaunch } from '../../../agent/scripts/launch.js';
import { createScriptPolicy } from '../../../agent/scripts/policy.js';
import { createScriptStore } from '../../../agent/scripts/store.js';
import type { ScriptParam } from '../../../protocol/schemas/script.js';
import { tempDir } from '../../helpers/env.js';
import { script } from './fixtures.js';

test('one 0700 folder per script with its body and meta.json; dropped scripts are removed, other files kept; a changed body is written again', () => {
  const dir = tempDir();
  try {
    const root = join(dir.path, 'scripts');
    const store = createScriptStore(root);
    const a = script({ id: 'a', body: 'echo a', version: 3 });
    const b = script({ id: 'b.py', body: 'print(1)', interpreter: 'python3' });
    store.sync([a, b]);
    writeFileSync(join(root, '.state.json'), '{}');
    assert.equal(readdirSync(root).sort(), ['.state.json', 'a', 'b.py']);
    assert.is(statSync(join(root, 'a')).mode & 0o777, 0o700);
    assert.is(statSync(join(root, 'a', 'script.sh')).mode & 0o777, 0o700);
    assert.is(readFileSync(join(root, 'b.py', 'script.py'), 'utf8'), 'print(1)');
    assert.equal(JSON.parse(readFileSync(join(root, 'a', 'meta.json'), 'utf8')), { version: 3, sha256: a.sha256, interpreter: 'sh' });
    // Someone changed the body on disk: prepare() writes the signed one back before running.
    writeFileSync(join(root, 'a', 'script.sh'), 'echo evil');
    assert.equal(store.prepare(a), { dir: join(root, 'a'), file: 'script.sh' });
    assert.is(readFileSync(join(root, 'a', 'script.sh'), 'utf8'), 'echo a');
    store.sync([a]);
    assert.equal(readdirSync(root).sort(), ['.state.json', 'a']);
  } finally {
    dir.remove();
  }
});

test('path arguments: `..` out of the root, a symlink pointing out, a leading - in a free string are refused; a path inside passes', () => {
  const dir = tempDir();
  try {
    const root = join(dir.path, 'logs');
    mkdirSync(join(root, 'app'), { recursive: true });
    mkdirSync(join(dir.path, 'secret'));
    symlinkSync(join(dir.path, 'secret'), join(root, 'link'));
    const params: ScriptParam[] = [{ name: 'file', type: 'path', root }, { name: 'pattern', type: 'string', required: false }];
    assert.equal(checkArgsOnAgent(params, { file: `${root}/app/x.log` }), { ok: true, argv: [`${root}/app/x.log`, ''], values: { file: `${root}/app/x.log`, pattern: '' } });
    const dots = checkArgsOnAgent(params, { file: `${root}/../secret/x` });
    assert.equal(dots.ok ? '' : dots.field, 'args.file');
    const link = checkArgsOnAgent(params, { file: `${root}/link/x` });
    assert.not.ok(link.ok);
    assert.match(link.ok ? '' : link.message, 'a symbolic link points outside it');
    const dash = checkArgsOnAgent(params, { file: `${root}/app`, pattern: '-rf' });
    assert.match(dash.ok ? '' : dash.message, 'leading "-"');
    assert.not.ok(checkArgsOnAgent(params, { file: `${root}/app`, extra: 'x' }).ok, 'unknown parameters are refused');
  } finally {
    dir.remove();
  }
});

test('interpreters come from a fixed list of absolute paths; a missing one is refused as no-interpreter', () => {
  assert.equal(findInterpreter('sh', (p) => p === '/bin/sh'), { path: '/bin/sh', args: [] });
  assert.is(findInterpreter('python3', () => false), null);
  assert.is(findInterpreter('sh', () => true, 'win32'), null, 'never on Windows yet');
  const dir = tempDir();
  try {
    const launch = prepareLaunch({ host: 'web1', store: createScriptStore(join(dir.path, 's')), user: undefined, findInterpreter: () => null }, script({ id: 'ps', body: 'Write-Output 1', interpreter: 'powershell' }), {}, 'r');
    assert.equal(launch.ok ? null : launch.refusal.reason, 'no-interpreter');
    assert.match(launch.ok ? '' : launch.refusal.message, 'powershell is not installed on web1');
  } finally {
    dir.remove();
  }
});

test('policy: off refuses everything, checks refuses actions, the allow-list refuses others; messages name the key', () => {
  const off = createScriptPolicy({ scripts: 'off' }, 'web1');
  assert.equal(off.check('check', 'disk'), { reason: 'scripts-off', message: 'agent.scripts is off on web1: set "scripts": "checks" in its agent configuration (or VIGIE_AGENT_SCRIPTS) and restart it' });
  const checks = createScriptPolicy({ scripts: 'checks' }, 'web1');
  assert.is(checks.check('check', 'disk'), null);
  assert.is(checks.check('action', 'fix')?.reason, 'checks-only');
  const allow = createScriptPolicy({ scripts: 'actions', scriptsAllow: ['fix'] }, 'web1');
  assert.is(allow.check('action', 'fix'), null);
  assert.is(allow.check('check', 'disk')?.reason, 'not-allowed');
  assert.match(allow.check('check', 'disk')!.message, 'agent.scriptsAllow');
});

test.run();
