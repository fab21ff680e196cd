/**
 * The run service (scripts/run-service.ts) against a real Aedes broker and a
 * real ingest, with a fake agent made of a real MQTT client that answers
 * `run/req` with RunEvents as the agent does. The grant it receives is
 * checked as an agent would: the signature verifies with the box key, it is
 * bound to that host, script version and sha256, valid 60 s at most, with a
 * fresh nonce. Shown: a run done with its output live; refusals by the
 * agent; refusals by the server before anything is sent (viewer, no access,
 * arguments, disabled, a check, not allowed there, offline); a lost run; the
 * output cap; duplicates and foreign answers ignored; runs left unfinished by
 * a previous process; every run and refusal in the event log.
 */
import { createPrivateKey } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openAccounts, type Accounts } from '../../accounts/index.js';
import type { User } from '../../accounts/users.js';
import { createLogger } from '../../core/logger.js';
import { createSigner, createVerifier, generateSigningKey } from '../../core/signing.js';
import { systemClock } from '../../core/time.js';
import { EventLog } from '../../events/event-log.js';
import { decodePayload } from '../../protocol/payloads.js';
import { SCRIPT_LIMITS, type RunEventPayload, type RunGrant } from '../../protocol/schemas/script.js';
import { ScriptAccess } from '../../scripts/access.js';
import { BUILTIN_SCRIPTS } from '../../scripts/builtins.js';
import { startRunService, type RunService } from '../../scripts/run-service.js';
import { ScriptStore } from '../../scripts/store.js';
import type { RunOutput, RunSummary, ScriptFields } from '../../scripts/types.js';
import { tempDir, waitFor } from '../helpers/env.js';
import { publish, status, topics, withIngest, type IngestRig } from '../ingest/fixtures.js';

const signer = createSigner(createPrivateKey(generateSigningKey()));
const verify = createVerifier(signer.publicKey);

const action = (id: string, extra: Partial<ScriptFields> = {}): ScriptFields => ({
  id, name: id, description: '', kind: 'action', interpreter: 'sh', body: 'echo "$1" "$2"\n',
  params: [{ name: 'size', type: 'integer', min: 1, max: 10 }, { name: 'label', type: 'string', required: false }],
  timeout: 5, interval: null, hosts: ['web1', 'web2', 'db9'], groups: [], enabled: true, ...extra,
});

/** What the fake agent does with a grant: the events it sends back (seq added), or nothing. */
type Behaviour = (grant: RunGrant) => Array<Omit<RunEventPayload, 'v' | 'ts' | 'id' | 'seq'>>;

interface FakeAgent {
  client: MqttClient;
  grants: RunGrant[];
  behave: Behaviour;
}

/** A real MQTT client playing the agent of `host`: online, subscribed to its run requests, answering each. */
async function fakeAgent(rig: IngestRig, host: string, behave: Behaviour): Promise<FakeAgent> {
  const client = await rig.connect({ clientId: `fake-agent-${host}-${Math.random()}` });
  const agent: FakeAgent = { client, grants: [], behave };
  client.on('message', (topic, payload) => {
    const parsed = topics.parse(topic);
    if (parsed?.kind !== 'run/req') return;
    const req = decodePayload('runRequest', payload);
    if (!req.ok) throw new Error(req.error);
    // As the agent: the signature first, then the content.
    assert.ok(verify(req.value.grant), 'the grant verifies with the box key');
    const grant = JSON.parse(req.value.grant.payload) as RunGrant;
    assert.is(grant.id, parsed.id, 'the grant id is the topic id');
    agent.grants.push(grant);
    let seq = 0;
    void (async () => {
      for (const e of agent.behave(grant)) {
        await publish(client, topics.runResponse(host, grant.id), { v: 1, ts: Date.now(), id: grant.id, seq: seq++, ...e });
      }
    })();
  });
  await client.subscribeAsync(topics.runRequestsFor(host), { qos: 1 });
  await publish(client, topics.host(host, 'status'), status('online', 'connected'), true);
  await waitFor(`${host} online`, () => rig.ingest.getHost(host)?.presence === 'online');
  return agent;
}

const ok: Behaviour = (g) => [
  { event: 'accepted', pid: 4242 },
  { event: 'output', stream: 'stdout', chunk: `${String(g.args.size)} ` },
  { event: 'output', stream: 'stderr', chunk: 'warn\n' },
  { event: 'done', exit: 0, signal: null, timedOut: false, duration: 0.25, dropped: 0 },
] as never;

interface Rig {
  ingest: IngestRig;
  store: ScriptStore;
  accounts: Accounts;
  events: EventLog;
  runs: RunService;
  operator: User;
  viewer: User;
  states: RunSummary[];
  outputs: RunOutput[];
}

async function withRuns(opts: { lostGraceMs?: number }, body: (r: Rig) => Promise<void>): Promise<void> {
  const dir = tempDir();
  const store = ScriptStore.open(dir.path);
  const accounts = openAccounts(dir.path);
  const events = EventLog.open(dir.path);
  store.seedBuiltins(BUILTIN_SCRIPTS);
  store.create(action('resize'), 'admin');
  store.create(action('slow', { timeout: 1 }), 'admin');
  store.create(action('off', { enabled: false }), 'admin');
  store.create(action('elsewhere', { hosts: ['db9'] }), 'admin');
  store.create({ ...action('probe'), kind: 'check', interval: 60 }, 'admin');
  // An operator in the group web1 is shared with; web2 is shared with nobody.
  const group = accounts.groups.create('web');
  accounts.hostAccess.setAccess('web1', { owner: null, groups: [group.id] });
  const op = await accounts.users.create({ name: 'olivia', password: 'olivia-password-1', role: 'operator' });
  const vw = await accounts.users.create({ name: 'victor', password: 'victor-password-1', role: 'viewer' });
  accounts.groups.setGroupsOf(op.id, [group.id]);
  accounts.groups.setGroupsOf(vw.id, [group.id]);
  try {
    await withIngest({}, async (ingest) => {
      await waitFor('ingest connected', () => ingest.ingest.stats().connected);
      const runs = startRunService({
        store, access: new ScriptAccess(accounts.hostAccess), ingest: ingest.ingest, signer, topics, events, clock: systemClock,
        log: createLogger('test-runs'), ...(opts.lostGraceMs !== undefined ? { lostGraceMs: opts.lostGraceMs } : {}),
      });
      const states: RunSummary[] = [];
      const outputs: RunOutput[] = [];
      runs.bus.on('test', 'script.run', (r) => states.push(r));
      runs.bus.on('test', 'script.run.output', (o) => outputs.push(o));
      try {
        await body({ ingest, store, accounts, events, runs, operator: accounts.users.get(op.id)!, viewer: accounts.users.get(vw.id)!, states, outputs });
      } finally {
        await runs.close();
      }
    });
  } finally {
    events.close();
    accounts.close();
    store.close();
    dir.remove();
  }
}

test('an operator\'s run: a signed grant bound to the host, version and sha256, valid 60 s; output live; done; saved; in the event log', () =>
  withRuns({}, async (r) => {
    const agent = await fakeAgent(r.ingest, 'web1', ok);
    const before = Date.now();
    const started = r.runs.start({ script: 'resize', host: 'web1', args: { size: 3 }, by: 'olivia', trigger: 'manual', user: r.operator, address: '192.0.2.7' });
    assert.ok(started.ok, JSON.stringify(started));
    if (!started.ok) return;
    assert.equal([started.value.state, started.value.version, started.value.by, started.value.trigger, started.value.finishedAt], ['pending', 1, 'olivia', 'manual', null]);
    const done = await r.runs.wait(started.value.id);
    assert.equal([done.state, done.exit, done.signal, done.timedOut, done.duration, done.output, done.dropped], ['done', 0, null, false, 0.25, '3 warn\n', 0]);
    assert.ok(done.finishedAt! >= done.startedAt);

    const [grant] = agent.grants;
    const script = r.store.get('resize')!;
    assert.equal([grant!.type, grant!.host, grant!.script, grant!.version, grant!.sha256, grant!.args, grant!.by], ['vigie.run', 'web1', 'resize', script.version, script.sha256, { size: 3 }, 'olivia']);
    assert.ok(grant!.exp - grant!.iat <= SCRIPT_LIMITS.grantMs, 'valid 60 s at most');
    assert.ok(grant!.iat >= before && grant!.exp <= Date.now() + SCRIPT_LIMITS.grantMs);
    assert.match(grant!.nonce, /^[A-Za-z0-9_-]{16,64}$/);

    assert.equal(r.states.map((s) => s.state), ['pending', 'running', 'done']);
    assert.not.ok('output' in r.states[0]!, 'state events carry no output');
    assert.equal(r.outputs.map((o) => [o.seq, o.stream, o.chunk]), [[1, 'stdout', '3 '], [2, 'stderr', 'warn\n']]);
    assert.equal(r.runs.get(done.id), done);
    assert.equal(r.store.runs.get(done.id), done, 'saved in scripts.db');
    assert.equal(r.runs.list({ host: 'web1' }).map((x) => x.id), [done.id]);
    const [logged] = r.events.query({ type: 'script.run' });
    assert.is(logged!.host, 'web1');
    assert.is(logged!.user, 'olivia');
    assert.match(logged!.message, /Run resize@1 on web1 by olivia \(size=3\): exit 0 in 0.25 s/);
    assert.equal([logged!.data!.args, logged!.data!.state, logged!.data!.run], [{ size: 3 }, 'done', done.id]);

    // A second run has its own id and nonce; a rule's run needs no user.
    const again = r.runs.start({ script: 'vigie.kill-process', host: 'web1', args: { pid: 1234 }, by: 'rule:cpu-high', trigger: 'rule', rule: 'cpu-high' });
    assert.ok(again.ok);
    if (!again.ok) return;
    const second = await r.runs.wait(again.value.id);
    assert.equal([second.state, second.rule, second.by], ['done', 'cpu-high', 'rule:cpu-high']);
    assert.is.not(agent.grants[1]!.nonce, grant!.nonce);
    assert.equal(agent.grants[1]!.args, { pid: 1234 }, 'the args as given; the agent fills defaults with the same check');
  }));

test('refused by the agent: the reason and its message, in the run and the event log', () =>
  withRuns({}, async (r) => {
    await fakeAgent(r.ingest, 'web1', () => [{ event: 'refused', reason: 'scripts-off', message: 'agent.scripts is off on web1: set scripts: actions in /etc/vigie/agent.json' }] as never);
    const started = r.runs.start({ script: 'resize', host: 'web1', args: { size: 1 }, by: 'olivia', trigger: 'manual', user: r.operator });
    assert.ok(started.ok);
    if (!started.ok) return;
    const run = await r.runs.wait(started.value.id);
    assert.equal([run.state, run.refusal, run.exit], ['refused', { reason: 'scripts-off', message: 'agent.scripts is off on web1: set scripts: actions in /etc/vigie/agent.json' }, null]);
    const [logged] = r.events.query({ type: 'script.run_refused' });
    assert.match(logged!.message, /refused by the agent: agent.scripts is off on web1/);
    assert.equal([logged!.data!.reason, logged!.data!.run], ['scripts-off', run.id]);
  }));

test('refused by the server before anything is sent, each with its code, field and event', () =>
  withRuns({}, async (r) => {
    const agent = await fakeAgent(r.ingest, 'web1', ok);
    await fakeAgent(r.ingest, 'web2', ok);
    const base = { host: 'web1', args: { size: 2 }, by: 'olivia', trigger: 'manual' as const, user: r.operator };
    const cases: Array<[string, Parameters<RunService['start']>[0], string, string | undefined, RegExp]> = [
      ['viewer', { ...base, script: 'resize', user: r.viewer, by: 'victor' }, 'VIGIE_ERR_FORBIDDEN', undefined, /viewers cannot run actions/],
      ['no access', { ...base, script: 'resize', host: 'web2' }, 'VIGIE_ERR_HOST_NOT_FOUND', 'host', /No host "web2"/],
      ['args', { ...base, script: 'resize', args: { size: 11 } }, 'VIGIE_ERR_BAD_REQUEST', 'args.size', /args.size: 11 is above the maximum 10/],
      ['unknown arg', { ...base, script: 'resize', args: { size: 1, rm: '-rf' } }, 'VIGIE_ERR_BAD_REQUEST', 'args.rm', /unknown parameter/],
      ['leading dash', { ...base, script: 'resize', args: { size: 1, label: '--force' } }, 'VIGIE_ERR_BAD_REQUEST', 'args.label', /leading "-"/],
      ['disabled', { ...base, script: 'off' }, 'VIGIE_ERR_CONFLICT', 'script', /disabled/],
      ['a check', { ...base, script: 'probe' }, 'VIGIE_ERR_CONFLICT', 'script', /a check, not an action/],
      ['not there', { ...base, script: 'elsewhere' }, 'VIGIE_ERR_CONFLICT', 'host', /may not run on web1/],
      ['unknown', { ...base, script: 'nope' }, 'VIGIE_ERR_NOT_FOUND', 'script', /No script with id nope/],
      ['offline', { ...base, script: 'resize', host: 'db9', user: undefined, trigger: 'rule', by: 'rule:disk' }, 'VIGIE_ERR_HOST_OFFLINE', undefined, /db9 is offline/],
      ['bad host', { ...base, script: 'resize', host: 'Web/1' }, 'VIGIE_ERR_BAD_HOST_ID', 'host', /not a host id/],
    ];
    for (const [what, req, code, field, message] of cases) {
      const out = r.runs.start(req);
      assert.not.ok(out.ok, what);
      if (out.ok) continue;
      assert.equal([out.code, out.field], [code, field], what);
      assert.match(out.error, message, what);
    }
    const refused = r.events.query({ type: 'script.run_refused', limit: 100 });
    assert.is(refused.length, cases.length, 'every refusal is in the event log');
    assert.ok(refused.some((e) => e.user === 'victor' && /viewers cannot run actions/.test(e.message)));
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.is(agent.grants.length, 0, 'nothing reached the agent');
    assert.is(r.states.length, 0);
  }));

test('lost: no answer within the script\'s timeout + grace; a late answer changes nothing', () =>
  withRuns({ lostGraceMs: 300 }, async (r) => {
    const agent = await fakeAgent(r.ingest, 'web1', () => []);
    const started = r.runs.start({ script: 'slow', host: 'web1', args: { size: 1 }, by: 'olivia', trigger: 'manual', user: r.operator });
    assert.ok(started.ok);
    if (!started.ok) return;
    const run = await r.runs.wait(started.value.id);
    assert.equal([run.state, run.refusal?.reason], ['lost', 'server']);
    assert.match(run.refusal!.message, /no answer from web1 within 1 s \+ 0 s/);
    assert.ok(run.finishedAt! - run.startedAt >= 1300);
    await publish(agent.client, topics.runResponse('web1', run.id), { v: 1, ts: Date.now(), id: run.id, seq: 0, event: 'done', exit: 0, signal: null, timedOut: false, duration: 2, dropped: 0 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.is(r.runs.get(run.id)!.state, 'lost');
    assert.match(r.events.query({ type: 'script.run' })[0]!.message, /: lost: no answer from web1/);
  }));

test('output is capped at 64 KiB (the rest counted as dropped); duplicates and another host\'s answers are ignored', () =>
  withRuns({}, async (r) => {
    const chunk = 'x'.repeat(SCRIPT_LIMITS.chunkBytes);
    const agent = await fakeAgent(r.ingest, 'web1', () => [
      { event: 'accepted' },
      ...Array.from({ length: 10 }, () => ({ event: 'output', stream: 'stdout', chunk })),
      { event: 'done', exit: 1, signal: null, timedOut: false, duration: 1, dropped: 500 },
    ] as never);
    const started = r.runs.start({ script: 'resize', host: 'web1', args: { size: 1 }, by: 'olivia', trigger: 'manual', user: r.operator });
    assert.ok(started.ok);
    if (!started.ok) return;
    const run = await r.runs.wait(started.value.id);
    assert.is(Buffer.byteLength(run.output), SCRIPT_LIMITS.outputBytes);
    assert.is(run.dropped, 10 * SCRIPT_LIMITS.chunkBytes - SCRIPT_LIMITS.outputBytes + 500);
    assert.is(r.outputs.reduce((n, o) => n + o.chunk.length, 0), SCRIPT_LIMITS.outputBytes, 'nothing past the cap goes live');

    // A rogue client (web2) answers web1's run, then a duplicate seq on the right topic.
    const rogue = await fakeAgent(r.ingest, 'web2', () => []);
    const admin = { id: 0, role: 'admin' as const, groups: [] };
    agent.behave = () => []; // this time the test answers by hand
    const second = r.runs.start({ script: 'resize', host: 'web1', args: { size: 1 }, by: 'root', trigger: 'manual', user: admin });
    assert.ok(second.ok);
    if (!second.ok) return;
    const id = second.value.id;
    await waitFor('the request went out', () => r.states.some((s) => s.id === id));
    await publish(rogue.client, topics.runResponse('web2', id), { v: 1, ts: Date.now(), id, seq: 0, event: 'done', exit: 0, signal: null, timedOut: false, duration: 1, dropped: 0 });
    const web1 = await r.ingest.connect({ clientId: `web1-late-${Math.random()}` });
    await publish(web1, topics.runResponse('web1', id), { v: 1, ts: Date.now(), id, seq: 0, event: 'output', stream: 'stdout', chunk: 'once\n' });
    await publish(web1, topics.runResponse('web1', id), { v: 1, ts: Date.now(), id, seq: 0, event: 'output', stream: 'stdout', chunk: 'once\n' });
    await publish(web1, topics.runResponse('web1', id), { v: 1, ts: Date.now(), id, seq: 1, event: 'done', exit: 0, signal: null, timedOut: false, duration: 0.1, dropped: 0 });
    const last = await r.runs.wait(id);
    assert.equal([last.state, last.output], ['done', 'once\n'], 'web2\'s "done" was ignored, the duplicate too');
    // An invalid event is dropped and counted by the ingest, as every invalid payload.
    const invalidBefore = r.ingest.ingest.stats().runEvents!.invalid;
    await publish(web1, topics.runResponse('web1', id), { v: 1, ts: Date.now(), id, seq: 2, event: 'done', exit: 'zero' });
    await waitFor('the invalid event is counted', () => r.ingest.ingest.stats().runEvents!.invalid === invalidBefore + 1);
  }));

test('runs a previous process left pending are lost at start, and logged', () =>
  withRuns({}, async (r) => {
    r.store.runs.save({ id: 'left-over-1', script: 'resize', version: 1, host: 'web1', args: {}, by: 'olivia', trigger: 'manual', state: 'running', exit: null, signal: null, timedOut: false, duration: null, output: 'half', dropped: 0, startedAt: Date.now() - 5000, finishedAt: null });
    const again = startRunService({
      store: r.store, access: new ScriptAccess(r.accounts.hostAccess), ingest: r.ingest.ingest, signer, topics, events: r.events, clock: systemClock, log: createLogger('test-runs-2'),
    });
    try {
      const run = await again.wait('left-over-1');
      assert.equal([run.state, run.output, run.refusal?.message], ['lost', 'half', 'the server stopped before the run ended']);
      assert.ok(r.events.query({ type: 'script.run' }).some((e) => e.data?.run === 'left-over-1'));
    } finally {
      await again.close();
    }
  }));

test.run();
