/**
 * Issue 10, item 14: the agent's buffer survives kill -9 and SIGTERM. Real
 * `vigie agent` child processes (dist/cli/main.js) publish to a real broker
 * whose ingest is away (its retained summary says offline); the test then
 * plays the ingest per the contract (summary online, `stored` for what it
 * received) and counts the samples by seq.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tempDir, waitFor } from '../helpers/env.js';
import { connectClient, startTestBroker } from '../helpers/mqtt.js';
import { publishStored, publishSummary, recordSamples } from './helpers/ingest-double.js';

const MAIN = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
const HOST = 'crash-box';

function startAgentProcess(dataDir: string, brokerUrl: string): ChildProcess {
  const child = spawn(process.execPath, [
    MAIN, 'agent', '--data-dir', dataDir, '--broker', brokerUrl, '--host', HOST, '--interval', '0.2', '--log-level', 'warn',
    '--set', 'agent.serverWait=0.5',
  ], { cwd: dataDir, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, VIGIE_CONFIG: '' } });
  child.stderr?.on('data', (d: Buffer) => { if (process.env.VIGIE_TEST_LOG) process.stderr.write(d); });
  return child;
}

const exited = (child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });

/** The seqs written to the journal, in file order (what survived so far). */
function journalSeqs(dir: string): number[] {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir).filter((f) => /^buffer-\d+\.jsonl$/.test(f)).sort((a, b) => Number(a.slice(7, -6)) - Number(b.slice(7, -6)));
  const seqs: number[] = [];
  for (const f of files) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      try {
        const seq = (JSON.parse(line) as { seq?: number }).seq;
        if (typeof seq === 'number') seqs.push(seq);
      } catch {
        // a torn or empty line
      }
    }
  }
  return seqs;
}

test('kill -9 and SIGTERM lose no sample: every seq from the first to the last arrives once the ingest is back; stored shrinks the buffer', async () => {
  const broker = await startTestBroker();
  const server = await connectClient(broker.url);
  const data = tempDir();
  const journal = join(data.path, 'agent', HOST);
  const children: ChildProcess[] = [];
  try {
    await publishSummary(server, 'offline'); // the ingest is away for the whole outage

    // 1. A first agent samples for a while, then is killed with -9 in the middle of its work.
    const a = startAgentProcess(data.path, broker.url);
    children.push(a);
    await waitFor('the first agent journals samples', () => journalSeqs(journal).length >= 8, 20_000);
    a.kill('SIGKILL');
    assert.is((await exited(a)).signal, 'SIGKILL');
    const afterKill = journalSeqs(journal);
    const firstSeq = afterKill[0]!;
    assert.ok(Math.abs(firstSeq - Date.now()) < 120_000, 'with no saved state, seq starts from the clock in ms');

    // 2. A second agent continues from the journal, then is stopped cleanly (SIGTERM).
    const b = startAgentProcess(data.path, broker.url);
    children.push(b);
    await waitFor('the second agent adds samples', () => journalSeqs(journal).length >= afterKill.length + 5, 20_000);
    b.kill('SIGTERM');
    assert.is((await exited(b)).code, 0, 'a clean stop');
    const afterTerm = journalSeqs(journal);
    assert.ok(afterTerm.every((s, i) => i === 0 || s === afterTerm[i - 1]! + 1), `seq strictly increasing by one across restarts: ${afterTerm.join(',')}`);

    // 3. A third agent starts; then the ingest comes back.
    const c = startAgentProcess(data.path, broker.url);
    children.push(c);
    await waitFor('the third agent adds samples', () => journalSeqs(journal).length >= afterTerm.length + 3, 20_000);
    const got = await recordSamples(server, HOST);
    await publishSummary(server, 'online');
    const lastBeforeIngest = afterTerm.at(-1)! + 3;
    await waitFor('the backlog and new samples', () => got.count.has(lastBeforeIngest + 2), 20_000);
    const last = Math.max(...got.seqs());
    assert.is(Math.min(...got.seqs()), firstSeq, 'the first sample of the first agent arrives');
    assert.equal(got.missing(firstSeq, last), [], 'no gap from the first to the last sampled');

    // 4. The ingest stores and says so: the journal lets go of the old files.
    const segmentsBefore = readdirSync(journal).filter((f) => f.startsWith('buffer-'));
    assert.ok(segmentsBefore.length >= 3, `one file per run at least: ${segmentsBefore.join(',')}`);
    await publishStored(server, HOST, last);
    await waitFor('released segments deleted', () => readdirSync(journal).filter((f) => f.startsWith('buffer-')).length === 1, 10_000);
    const state = JSON.parse(readFileSync(join(journal, 'state.json'), 'utf8')) as { released: number };
    assert.ok(state.released >= last, 'the release is recorded');
    assert.is(statSync(journal).mode & 0o777, 0o700, 'journal directory 0700');
    for (const f of readdirSync(journal)) assert.is(statSync(join(journal, f)).mode & 0o777, 0o600, `${f} is 0600`);
    c.kill('SIGTERM');
    await exited(c);
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(children.map(exited));
    await server.endAsync();
    await broker.close();
    data.remove();
  }
});

test.run();
