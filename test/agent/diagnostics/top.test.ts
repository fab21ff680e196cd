/** `top` on this machine: a child process spinning on one core is the top CPU entry. */
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validatePayload } from '../../../protocol/payloads.js';
import { parsePasswd, parseProcStat, parseProcStatus } from '../../../agent/diagnostics/top.linux.js';
import { top } from '../../../agent/diagnostics/top.js';
import '../../helpers/env.js';

test('parses /proc/<pid>/stat with a name holding spaces and parentheses', () => {
  const line = '4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 1234 0 0 0 750 250 0 0 20 0 1 0 5000 10000000 500 18446744073709551615';
  assert.equal(parseProcStat(line), { name: 'my (odd) name', ticks: 1000 });
  assert.is(parseProcStat('garbage'), null);
  assert.equal(parseProcStatus('Name:\tx\nUid:\t1000\t1000\t1000\t1000\nVmRSS:\t  2048 kB\n'), { rss: 2 * 1024 * 1024, uid: 1000 });
  assert.equal(parseProcStatus('Name:\tkthreadd\nUid:\t0\t0\t0\t0\n'), { rss: 0, uid: 0 });
  assert.equal([...parsePasswd('root:x:0:0:root:/root:/bin/bash\nbad line\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n')], [[0, 'root'], [33, 'www-data']]);
});

// Two spinning threads per core: on a shared machine another busy process (a multi-threaded
// compiler) could tie with a single spinning thread; the scheduler shares CPU per thread.
const THREADS = Math.max(2, cpus().length * 2);
const SPIN = `for (let i = 1; i < ${THREADS}; i++) new (require('node:worker_threads').Worker)('while(true){}', { eval: true }); while(true){}`;

test('a busy child process is the top CPU entry, at least one full core', async () => {
  const child = spawn(process.execPath, ['-e', SPIN], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 300)); // let it start spinning
    const data = await top({ limit: 5 });
    const checked = validatePayload('commandResponse', { v: 1, ts: Date.now(), id: 'x', action: 'top', ok: true, data });
    assert.ok(checked.ok, checked.ok ? '' : checked.error);
    assert.ok(data.byCpu.length === 5 && data.byMem.length === 5);
    const first = data.byCpu[0]!;
    assert.is(first.pid, child.pid, `top CPU entry: ${JSON.stringify(first)}`);
    assert.is(first.name, 'node');
    assert.ok(first.cpu > 60 && first.cpu <= data.cores * 100 + 10, `cpu ${first.cpu}% of one core`);
    assert.ok(first.rss > 1024 * 1024, 'a node process has MiBs resident');
    assert.ok(data.interval >= 0.4 && data.interval < 2, `interval ${data.interval}`);
    assert.ok(data.byMem.every((p, i) => i === 0 || data.byMem[i - 1]!.rss >= p.rss), 'byMem sorted by rss');
    assert.ok(data.byMem[0]!.memPercent > 0);
    assert.ok(typeof first.user === 'string' && first.user.length > 0, 'user resolved');
  } finally {
    child.kill('SIGKILL');
  }
});

test('an aborted top stops waiting', async () => {
  const controller = new AbortController();
  const pending = top({ limit: 3, intervalMs: 10_000, signal: controller.signal });
  controller.abort(new Error('stop'));
  await pending.then(() => assert.unreachable('should reject'), (e: Error) => assert.is(e.message, 'stop'));
});

test.run();
