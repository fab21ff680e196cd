/**
 * How the agent takes bundles (agent/scripts/index.ts): a refused bundle
 * (tampered, older) leaves the accepted one running; a check of a script the
 * bundle lacks or that is an action says so; a cleared config stops the checks,
 * clears their results and removes the script folders.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startScripts } from '../../../agent/scripts/index.js';
import { systemClock } from '../../../core/time.js';
import { createLogger } from '../../../core/logger.js';
import type { CheckResultPayload } from '../../../protocol/payloads.js';
import { tempDir } from '../../helpers/env.js';
import { bundle, makeSigner, script, tamperSig } from './fixtures.js';

test('a refused bundle leaves the accepted one running; a cleared config stops and clears everything', async () => {
  const dir = tempDir();
  const box = makeSigner();
  const published: Array<[string, CheckResultPayload | '']> = [];
  const scripts = startScripts({
    config: { scripts: 'checks', serverKey: box.publicKey, scriptsAsRoot: false, scriptsConcurrency: 2 },
    host: 'web1', dataDir: dir.path, clock: systemClock, log: createLogger('test'), isRoot: false,
    publishCheck: (id, r) => published.push([id, r]), clearCheck: (id) => published.push([id, '']), publishRun: () => {},
  });
  try {
    const disk = script({ id: 'disk', body: 'echo OK' });
    const fix = script({ id: 'fix', kind: 'action', body: 'echo fixed' });
    const t = Date.now();
    const good = bundle('web1', [disk, fix], [
      { id: 'c-disk', script: 'disk', interval: 60, args: {} },
      { id: 'c-fix', script: 'fix', interval: 60, args: {} },
      { id: 'c-gone', script: 'nothing', interval: 60, args: {} },
    ], t);
    scripts.apply(box.sign(good));
    assert.equal(scripts.stats(), { scripts: 2, checks: 1, running: 0, runs: 0 });
    // `checks` mode: only the check script is on disk.
    assert.equal(readdirSync(join(dir.path, 'scripts')).filter((n) => !n.startsWith('.')), ['disk']);
    const refused = Object.fromEntries(published.map(([id, r]) => [id, r === '' ? '' : `${r.script?.refused}: ${r.message}`]));
    assert.equal(refused, {
      'c-fix': 'unknown-script: fix is an action, not a check',
      'c-gone': 'unknown-script: nothing is not in the script bundle sent to web1',
    });

    published.length = 0;
    const signed = box.sign({ ...good, iat: t + 1 });
    scripts.apply({ ...signed, sig: tamperSig(signed.sig) });
    scripts.apply(box.sign({ ...good, iat: t - 1 }));
    assert.equal(published, [], 'nothing published over the accepted bundle\'s results');
    assert.equal(scripts.stats().checks, 1, 'the accepted bundle goes on');

    scripts.apply(undefined);
    assert.equal(published.map(([id, r]) => [id, r]).sort(), [['c-disk', ''], ['c-fix', ''], ['c-gone', '']]);
    assert.equal(scripts.stats(), { scripts: 0, checks: 0, running: 0, runs: 0 });
    assert.equal(readdirSync(join(dir.path, 'scripts')), ['.state.json'], 'folders removed, the state kept');
  } finally {
    await scripts.close();
    dir.remove();
  }
});

test('with scripts off nothing is verified or written: each check of the bundle says scripts-off', async () => {
  const dir = tempDir();
  const published: Array<[string, CheckResultPayload | '']> = [];
  const scripts = startScripts({
    config: { scripts: 'off', scriptsAsRoot: false, scriptsConcurrency: 2 },
    host: 'web1', dataDir: dir.path, clock: systemClock, log: createLogger('test'),
    publishCheck: (id, r) => published.push([id, r]), clearCheck: (id) => published.push([id, '']), publishRun: () => {},
  });
  try {
    scripts.apply(makeSigner().sign(bundle('web1', [script({ id: 'disk', body: 'echo OK' })], [{ id: 'c-disk', script: 'disk', interval: 60, args: {} }])));
    assert.is(published.length, 1);
    const [id, r] = published[0]!;
    assert.is(id, 'c-disk');
    assert.is(r !== '' && r.script?.refused, 'scripts-off');
    assert.not.ok(existsSync(join(dir.path, 'scripts')), 'no script folder made');
  } finally {
    await scripts.close();
    dir.remove();
  }
});

test.run();
