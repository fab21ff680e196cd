/**
 * Scripts end to end with real processes (issue 14): a real Aedes broker with
 * credentials and its ACL (test/broker/rig.ts), real `vigie agent` children
 * (dist/cli/main.js), real /bin/sh scripts. The test plays the box: it signs
 * (core/signing.ts) a script bundle into each agent's retained `config`, and
 * run requests onto `run/req/<id>`, as the ingest would, and reads what the
 * agents publish on `checks/<id>` and `run/res/<id>`.
 *
 * - web1 (`scripts: actions`, an allow-list): script checks exiting 0..3 with
 *   perfdata; an action streams accepted, output, done; refusals: tampered
 *   signature, expired, replayed, not in the allow-list, bad arguments
 *   (leading `-`, `..`, a symlink out of the root), no interpreter.
 * - web2 (`scripts: checks`): a tampered bundle is refused (its check says
 *   so), the good one runs; an action is refused checks-only.
 * - web3 (`scripts: off`, the default): its check says why it does not run;
 *   a run request is refused scripts-off.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findInterpreter } from '../../../agent/scripts/interpreter.js';
import type { BoxSigner } from '../../../core/signing.js';
import { decodePayload, encodePayload, type CheckResultPayload, type RunEventPayload } from '../../../protocol/payloads.js';
import type { RunGrant, ScriptCheckSpec, ScriptDefinition } from '../../../protocol/schemas/script.js';
import { startAuthRig, type AuthRig } from '../../broker/rig.js';
import { tempDir, waitFor } from '../../helpers/env.js';
import { bundle, grant, makeSigner, request, runId, script, tamperSig } from './fixtures.js';

const MAIN = fileURLToPath(new URL('../../../cli/main.js', import.meta.url));
/** A check's first run comes within min(interval, 10 s); a busy 2-core box gets room on top. */
const FIRST_RESULT_MS = 40_000;

let rig: AuthRig;
let box: BoxSigner;
let ingest: MqttClient;
const work = tempDir();
const children: ChildProcess[] = [];
const results = new Map<string, CheckResultPayload[]>();
const events = new Map<string, RunEventPayload[]>();

function startAgent(host: string, env: Record<string, string>): ChildProcess {
  const cred = rig.store.add({ kind: 'agent', host });
  const dataDir = join(work.path, host);
  mkdirSync(dataDir, { recursive: true });
  const child = spawn(process.execPath, [MAIN, 'agent', '--data-dir', dataDir, '--broker', rig.broker.url, '--host', host, '--interval', '60', '--log-level', 'warn', '--set', 'agent.serverWait=0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, VIGIE_CONFIG: '', VIGIE_AGENT_USERNAME: cred.username, VIGIE_AGENT_PASSWORD: cred.password, SECRET: 'hunter2', ...env },
  });
  child.stderr?.on('data', (d: Buffer) => { if (process.env.VIGIE_TEST_LOG) process.stderr.write(d); });
  children.push(child);
  return child;
}

const publishConfig = (host: string, scripts: { payload: string; sig: string }): Promise<unknown> =>
  ingest.publishAsync(`vigie/${host}/config`, encodePayload('agentConfig', { v: 1, ts: Date.now(), checks: [], scripts }), { qos: 1, retain: true });

/** Publishes a run request as the ingest would; resolves with the events once the run is refused or done. */
async function runRequest(host: string, payload: unknown, id: string): Promise<RunEventPayload[]> {
  await ingest.publishAsync(`vigie/${host}/run/req/${id}`, JSON.stringify(payload), { qos: 1 });
  return waitFor(`the answer to run ${id}`, () => {
    const list = events.get(id) ?? [];
    return list.some((e) => e.event === 'refused' || e.event === 'done') ? list : null;
  }, 20_000);
}

const refusal = (list: RunEventPayload[]): { reason: string; message: string } => {
  assert.is(list.length, 1, JSON.stringify(list));
  const e = list[0]!;
  if (e.event !== 'refused') throw new Error(`expected a refusal, got ${JSON.stringify(list)}`);
  return { reason: e.reason, message: e.message };
};

const latest = (host: string, check: string, match: (r: CheckResultPayload) => boolean = () => true): Promise<CheckResultPayload> =>
  waitFor(`a result of ${host}/${check}`, () => (results.get(`${host}/${check}`) ?? []).filter(match).at(-1), FIRST_RESULT_MS);

// The box's side of web1's scripts.
const nagios = (id: string, exit: number, out: string): ScriptDefinition => script({ id, body: `printf '%s\\n' '${out}'\nexit ${exit}\n` });
const checkScripts = [
  nagios('ok', 0, 'OK - replication lag 120 ms | lag=120ms;500;1000;0 used=42%;80;90;0;100'),
  nagios('warn', 1, 'WARNING - queue long | queue=1500;1000;2000'),
  script({ id: 'crit', body: "echo 'CRITICAL - replica stopped | behind=3GB'\necho 'replica: db2'\necho 'since: 10 min'\nexit 2\n" }),
  nagios('unk', 3, 'UNKNOWN - cannot reach the database'),
];
const logs = join(work.path, 'logs');
const fix = script({
  id: 'fix', kind: 'action', timeout: 20,
  body: 'for a in "$@"; do printf "[%s]\\n" "$a"; done\necho "secret=${SECRET:-unset} home=$HOME" \necho "to stderr" >&2\nexit 0\n',
  params: [
    { name: 'service', type: 'string', pattern: '[A-Za-z0-9@._ ;$()`-]+' },
    { name: 'mode', type: 'enum', values: ['restart', 'start'] },
    { name: 'file', type: 'path', root: logs, required: false },
  ],
});
const forbidden = script({ id: 'forbidden', kind: 'action', body: 'echo no' });
const pwsh = script({ id: 'pwsh', kind: 'action', interpreter: 'powershell', body: 'Write-Output 1' });
const checks: ScriptCheckSpec[] = checkScripts.map((s) => ({ id: `c-${s.id}`, script: s.id, interval: 10, args: {} }));

test.before(async () => {
  rig = await startAuthRig();
  box = makeSigner();
  ingest = await rig.connect({ ...rig.store.add({ kind: 'service', role: 'ingest' }), clientId: 'ingest-test' });
  ingest.on('message', (topic, payload) => {
    const parts = topic.split('/');
    if (parts[2] === 'checks' && payload.length > 0) {
      const r = decodePayload('checkResult', payload);
      if (!r.ok) throw new Error(r.error);
      const key = `${parts[1]}/${parts[3]}`;
      results.set(key, [...(results.get(key) ?? []), r.value]);
    } else if (parts[2] === 'run' && parts[3] === 'res') {
      const e = decodePayload('runEvent', payload);
      if (!e.ok) throw new Error(e.error);
      events.set(parts[4]!, [...(events.get(parts[4]!) ?? []), e.value]);
    }
  });
  await ingest.subscribeAsync({ 'vigie/+/checks/+': { qos: 1 }, 'vigie/+/run/res/+': { qos: 1 } });
  mkdirSync(join(logs, 'app'), { recursive: true });
  mkdirSync(join(work.path, 'secret'));
  symlinkSync(join(work.path, 'secret'), join(logs, 'out'));

  // Retained before the agents start: each finds its bundle on connecting.
  await publishConfig('web1', box.sign(bundle('web1', [...checkScripts, fix, forbidden, pwsh], checks)));
  const tampered = box.sign(bundle('web2', [checkScripts[0]!, fix], [checks[0]!]));
  await publishConfig('web2', { ...tampered, sig: tamperSig(tampered.sig) });
  await publishConfig('web3', box.sign(bundle('web3', [checkScripts[0]!], [checks[0]!])));

  startAgent('web1', { VIGIE_AGENT_SCRIPTS: 'actions', VIGIE_AGENT_SERVER_KEY: box.publicKey, VIGIE_AGENT_SCRIPTS_ALLOW: 'ok,warn,crit,unk,fix,pwsh' });
  startAgent('web2', { VIGIE_AGENT_SCRIPTS: 'checks', VIGIE_AGENT_SERVER_KEY: box.publicKey });
  startAgent('web3', { VIGIE_AGENT_SERVER_KEY: box.publicKey });
});

test.after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await rig?.close();
  work.remove();
});

test('script checks: exit 0..3 give ok, warning, critical, unknown; the first line is the message; perfdata in base units', async () => {
  const ok = await latest('web1', 'c-ok');
  assert.is(ok.kind, 'script');
  assert.is(ok.state, 'up');
  assert.is(ok.message, 'OK - replication lag 120 ms');
  assert.ok(ok.latency !== null && ok.latency > 0 && ok.latency < 10);
  assert.equal(ok.script, {
    script: 'ok', version: 1, status: 'ok', exit: 0,
    perfdata: [
      { label: 'lag', value: 0.12, unit: 's', warn: '500', crit: '1000', min: 0 },
      { label: 'used', value: 42, unit: '%', warn: '80', crit: '90', min: 0, max: 100 },
    ],
  });
  const warn = await latest('web1', 'c-warn');
  assert.equal([warn.state, warn.script?.status, warn.script?.exit, warn.message], ['up', 'warning', 1, 'WARNING - queue long']);
  assert.equal(warn.script?.perfdata, [{ label: 'queue', value: 1500, unit: '', warn: '1000', crit: '2000' }]);
  const crit = await latest('web1', 'c-crit');
  assert.equal([crit.state, crit.script?.status, crit.script?.exit, crit.message, crit.script?.long], ['down', 'critical', 2, 'CRITICAL - replica stopped', 'replica: db2\nsince: 10 min']);
  assert.equal(crit.script?.perfdata, [{ label: 'behind', value: 3 * 1024 ** 3, unit: 'B' }]);
  const unk = await latest('web1', 'c-unk');
  assert.equal([unk.state, unk.script?.status, unk.script?.exit, unk.message], ['down', 'unknown', 3, 'UNKNOWN - cannot reach the database']);
});

test('an action streams accepted, its output (arguments literally, no agent secret), then done', async () => {
  const id = runId();
  const g = grant('web1', fix, { id, args: { service: 'nginx.service; $(id) `id`', mode: 'restart', file: `${logs}/app/error.log` } });
  const list = await runRequest('web1', request(box, g), id);
  assert.equal(list.map((e) => e.seq), list.map((_, i) => i), 'seq counts from 0');
  assert.is(list[0]!.event, 'accepted', JSON.stringify(list[0]));
  const done = list.at(-1)!;
  if (done.event !== 'done') throw new Error(JSON.stringify(list));
  assert.equal([done.exit, done.signal, done.timedOut, done.dropped], [0, null, false, 0]);
  const out = (stream: string): string => list.map((e) => (e.event === 'output' && e.stream === stream ? e.chunk : '')).join('');
  const stdout = out('stdout');
  assert.ok(stdout.startsWith(`[nginx.service; $(id) \`id\`]\n[restart]\n[${logs}/app/error.log]\n`), stdout);
  assert.match(stdout, /secret=unset home=\/.*\/scripts\/fix\n/);
  assert.is(out('stderr'), 'to stderr\n');
});

test('refusals on web1, each with its reason: tampered signature, expired, replayed, not allowed, bad arguments, another host, another version, no interpreter', async () => {
  const args = { service: 'nginx', mode: 'restart' };
  const tamperedId = runId();
  const signed = box.sign(grant('web1', fix, { id: tamperedId, args }));
  const tampered = refusal(await runRequest('web1', { v: 1, grant: { ...signed, payload: signed.payload.replace('"nginx"', '"sshd"') } }, tamperedId));
  assert.is(tampered.reason, 'bad-signature');
  assert.match(tampered.message, 'agent.serverKey');

  const expiredId = runId();
  const expired = refusal(await runRequest('web1', request(box, grant('web1', fix, { id: expiredId, args, iat: Date.now() - 90_000, exp: Date.now() - 30_000 })), expiredId));
  assert.is(expired.reason, 'expired');

  const firstId = runId();
  const once: RunGrant = grant('web1', fix, { id: firstId, args });
  const payload = request(box, once);
  assert.is((await runRequest('web1', payload, firstId)).at(-1)!.event, 'done');
  const replayId = runId();
  const replayed = refusal(await runRequest('web1', payload, replayId));
  assert.is(replayed.reason, 'replayed');

  const notAllowedId = runId();
  const notAllowed = refusal(await runRequest('web1', request(box, grant('web1', forbidden, { id: notAllowedId })), notAllowedId));
  assert.equal(notAllowed, { reason: 'not-allowed', message: 'forbidden is not in agent.scriptsAllow on web1: add it to that list in its agent configuration' });

  const bad = async (a: Record<string, string>): Promise<{ reason: string; message: string }> => {
    const id = runId();
    return refusal(await runRequest('web1', request(box, grant('web1', fix, { id, args: a })), id));
  };
  const dash = await bad({ service: '-rf', mode: 'restart' });
  assert.is(dash.reason, 'bad-args');
  assert.match(dash.message, 'args.service: a leading "-" is refused');
  const dots = await bad({ service: 'nginx', mode: 'restart', file: `${logs}/../secret/x` });
  assert.is(dots.reason, 'bad-args');
  assert.match(dots.message, `is not under ${logs}`);
  const link = await bad({ service: 'nginx', mode: 'restart', file: `${logs}/out/x` });
  assert.is(link.reason, 'bad-args');
  assert.match(link.message, 'a symbolic link points outside it');
  const mode = await bad({ service: 'nginx', mode: 'reboot' });
  assert.match(mode.message, 'args.mode');

  const otherHostId = runId();
  assert.is(refusal(await runRequest('web1', request(box, grant('web2', fix, { id: otherHostId, args })), otherHostId)).reason, 'wrong-host');
  const staleId = runId();
  const stale = refusal(await runRequest('web1', request(box, grant('web1', fix, { id: staleId, args, version: 2 })), staleId));
  assert.is(stale.reason, 'unknown-script');
  assert.match(stale.message, 'fix version 2 is not in the script bundle web1 holds (version 1)');

  if (findInterpreter('powershell') === null) {
    const id = runId();
    const none = refusal(await runRequest('web1', request(box, grant('web1', pwsh, { id })), id));
    assert.equal(none, { reason: 'no-interpreter', message: 'powershell is not installed on web1: install it, or write pwsh for sh' });
  }
});

test('web2 (scripts: checks): a tampered bundle is refused, its check says why; the good one runs; actions are refused checks-only', async () => {
  const tampered = await latest('web2', 'c-ok');
  assert.equal([tampered.state, tampered.script?.refused, tampered.script?.status], ['down', 'bad-signature', 'unknown']);
  assert.match(tampered.message, 'agent.serverKey');
  await publishConfig('web2', box.sign(bundle('web2', [checkScripts[0]!, fix], [checks[0]!])));
  const ok = await latest('web2', 'c-ok', (r) => r.script?.refused === undefined);
  assert.equal([ok.state, ok.script?.status], ['up', 'ok']);
  const id = runId();
  const r = refusal(await runRequest('web2', request(box, grant('web2', fix, { id, args: { service: 'nginx', mode: 'restart' } })), id));
  assert.is(r.reason, 'checks-only');
  assert.match(r.message, 'set "scripts": "actions"');
});

test('web3 (scripts off, the default): its check says why it does not run; a run is refused scripts-off', async () => {
  const off = await latest('web3', 'c-ok', (r) => r.script?.refused === 'scripts-off');
  assert.equal([off.state, off.script?.status, off.script?.exit], ['down', 'unknown', null]);
  assert.is(off.message, 'agent.scripts is off on web3: set "scripts": "checks" in its agent configuration (or VIGIE_AGENT_SCRIPTS) and restart it');
  const id = runId();
  const r = refusal(await runRequest('web3', request(box, grant('web3', fix, { id })), id));
  assert.is(r.reason, 'scripts-off');
});

test.run();
