/**
 * The script runner (agent/scripts/runner.ts) with real /bin/sh processes:
 * argv reaches the script literally (no shell), the environment is scrubbed,
 * the working directory is the script's folder, a timeout kills the whole
 * process group, output is capped and the rest counted; as root, scripts run
 * as `nobody` from a folder under a data directory closed to that user.
 */
import { chmodSync, existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { prepareLaunch } from '../../../agent/scripts/launch.js';
import { runScript, scriptEnv, SCRIPT_PATH } from '../../../agent/scripts/runner.js';
import { createScriptStore } from '../../../agent/scripts/store.js';
import { lookupUser } from '../../../agent/scripts/user.js';
import { SCRIPT_LIMITS } from '../../../protocol/schemas/script.js';
import { tempDir, waitFor } from '../../helpers/env.js';
import { script } from './fixtures.js';

const isRoot = process.getuid?.() === 0;

/** Writes `body` as a stored script and runs it the way the agent does; returns the outcome and the folder. */
async function run(body: string, opts: { args?: Record<string, string | number>; params?: Parameters<typeof script>[0]['params']; timeout?: number; asNobody?: boolean } = {}) {
  const dir = tempDir();
  try {
    const root = join(dir.path, 'scripts');
    const user = opts.asNobody ? lookupUser('nobody') ?? undefined : undefined;
    const store = createScriptStore(root, user);
    const s = script({ id: 'probe', body, params: opts.params ?? [], timeout: opts.timeout ?? 10 });
    const launch = prepareLaunch({ host: 'web1', store, user }, s, opts.args ?? {}, 'run-1');
    if (!launch.ok) throw new Error(launch.refusal.message);
    const outcome = await runScript(launch.spec);
    return { outcome, folder: join(realpathSync(root), 'probe') };
  } finally {
    dir.remove();
  }
}

test('arguments arrive literally, one argv entry each: spaces, ;, $(), backticks, quotes, globs', async () => {
  const nasty = ['a b', 'x;touch /tmp/vigie-pwned', '$(id)', '`id`', "'q' \"d\"", '*', '|cat', '&&'];
  const params = nasty.map((_, i) => ({ name: `p${i}`, type: 'string' as const }));
  const args = Object.fromEntries(nasty.map((v, i) => [`p${i}`, v]));
  const { outcome } = await run('for a in "$@"; do printf "[%s]\\n" "$a"; done; printf "%s" "$VIGIE_PARAM_P2"', { params, args });
  assert.is(outcome.exit, 0, outcome.stderr);
  assert.is(outcome.stdout, `${nasty.map((a) => `[${a}]`).join('\n')}\n$(id)`);
  assert.not.ok(existsSync('/tmp/vigie-pwned'));
});

test('the environment is scrubbed: the agent\'s secrets never reach a script; PATH, LANG, HOME and VIGIE_* only', async () => {
  process.env.SECRET = 'hunter2';
  process.env.VIGIE_AGENT_PASSWORD = 'mqtt-secret';
  try {
    const { outcome, folder } = await run('env; echo "cwd=$(pwd)"', { params: [{ name: 'size', type: 'integer' }], args: { size: 64 } });
    const lines = outcome.stdout.trim().split('\n');
    assert.not.ok(outcome.stdout.includes('hunter2') || outcome.stdout.includes('mqtt-secret'), outcome.stdout);
    const env = Object.fromEntries(lines.filter((l) => !l.startsWith('cwd=') && l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    delete env.PWD; // set by sh itself
    assert.equal(env, { PATH: SCRIPT_PATH, LANG: 'C.UTF-8', HOME: folder, VIGIE_HOST: 'web1', VIGIE_SCRIPT: 'probe', VIGIE_RUN_ID: 'run-1', VIGIE_PARAM_SIZE: '64' });
    assert.ok(lines.includes(`cwd=${folder}`), 'the working directory is the script\'s folder');
  } finally {
    delete process.env.SECRET;
    delete process.env.VIGIE_AGENT_PASSWORD;
  }
});

test('scriptEnv: parameters as VIGIE_PARAM_<NAME>, nothing else', () => {
  assert.equal(Object.keys(scriptEnv({ home: '/h', host: 'h', script: 's', runId: 'r', params: { mode: 'restart' } })).sort(), ['HOME', 'LANG', 'PATH', 'VIGIE_HOST', 'VIGIE_PARAM_MODE', 'VIGIE_RUN_ID', 'VIGIE_SCRIPT']);
});

test('a timeout kills the whole process group, background children included', async () => {
  const dir = tempDir();
  try {
    const pidFile = join(dir.path, 'bg.pid');
    chmodSync(dir.path, 0o777); // the script may run as nobody
    const started = Date.now();
    const { outcome } = await run(`sleep 60 & echo $! > ${pidFile}; echo started; sleep 60`, { timeout: 1 });
    assert.ok(Date.now() - started < 10_000, 'killed near its timeout');
    assert.is(outcome.timedOut, true);
    assert.is(outcome.exit, null);
    assert.is(outcome.signal, 'SIGKILL');
    assert.is(outcome.stdout, 'started\n');
    const bg = Number(readFileSync(pidFile, 'utf8'));
    // Gone, or a zombie waiting for a reaper (this container's pid 1 may not reap): either way no longer running.
    await waitFor('the background sleep to die', () => !existsSync(`/proc/${bg}`) || /\) Z /.test(readFileSync(`/proc/${bg}/stat`, 'utf8')));
  } finally {
    dir.remove();
  }
});

test('output is capped at 64 KiB (stdout and stderr together); the rest is counted as dropped', async () => {
  const { outcome } = await run('head -c 100000 /dev/zero | tr "\\0" x; echo tail >&2; exit 3');
  assert.is(outcome.exit, 3);
  assert.is(outcome.stdout.length, SCRIPT_LIMITS.outputBytes);
  assert.is(outcome.stderr, '', 'stderr came after the cap');
  assert.is(outcome.dropped, 100_000 - SCRIPT_LIMITS.outputBytes + 'tail\n'.length);
});

test('leftovers of a script that exited do not hold the run open', async () => {
  const started = Date.now();
  const { outcome } = await run('sleep 60 & echo done');
  assert.is(outcome.exit, 0);
  assert.is(outcome.stdout, 'done\n');
  assert.ok(Date.now() - started < 10_000);
});

if (isRoot) {
  test('as root, scripts run as nobody from a 0700 folder of theirs under a data directory closed to them', async () => {
    const nobody = lookupUser('nobody')!;
    const { outcome, folder } = await run('id -u; id -g; id -G; cat ./script.sh > /dev/null && echo readable; touch ./own-file && echo writable', { asNobody: true });
    assert.is(outcome.exit, 0, outcome.stderr);
    assert.is(outcome.stdout, `${nobody.uid}\n${nobody.gid}\n${nobody.gid}\nreadable\nwritable\n`, 'uid, gid, and no supplementary group of root');
    assert.ok(folder.includes('/scripts/probe'));
  });
  test('as root with a folder the store made: 0700, owned by the run user', () => {
    const dir = tempDir();
    try {
      const nobody = lookupUser('nobody')!;
      const store = createScriptStore(join(dir.path, 'scripts'), nobody);
      store.sync([script({ id: 'a', body: 'exit 0' })]);
      const st = statSync(join(dir.path, 'scripts', 'a'));
      assert.equal([st.mode & 0o777, st.uid, st.gid], [0o700, nobody.uid, nobody.gid]);
      assert.is(statSync(join(dir.path, 'scripts')).mode & 0o777, 0o700);
    } finally {
      dir.remove();
    }
  });
}

test.run();
