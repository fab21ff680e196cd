/**
 * Issue 14, refusals, each with a clear error, on real parts: the whole
 * `vigie up` stack and real agent processes (`web-1` with scripts: actions,
 * `web-2` with the default scripts: off).
 *
 * - the server: a viewer's run request (403), an argument outside its
 *   parameter (400 naming `args.path`);
 * - the agent: scripts off (refused, `scripts-off`, the message says which
 *   key to set), a tampered signature, a replayed grant and expired ones,
 *   published on the broker as the ingest would, from a real grant captured
 *   there. None of them runs anything.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openBoxSigner } from '../../core/signing.js';
import { createTopics } from '../../protocol/topics.js';
import type { RunEventPayload, RunGrant, RunRequestPayload } from '../../protocol/schemas/script.js';
import { tempDir, waitFor } from '../helpers/env.js';
import { addCredentials } from '../helpers/stack.js';
import { startScriptsStack, type ScriptsStack } from './scripts-stack.js';

const topics = createTopics('vigie');
const DEADLINE_MS = 30_000;

interface RunView { id: string; state: string; exit: number | null; output: string; refusal?: { reason: string; message: string }; by: string; host: string }

let s: ScriptsStack;
let spy: MqttClient;
const root = tempDir('vigie-listing-');
/** Every run/req and run/res message the spy saw, by run id. */
const requests = new Map<string, RunRequestPayload>();
const events = new Map<string, RunEventPayload[]>();

test.before(async () => {
  chmodSync(root.path, 0o755); // listed by the script user (nobody)
  writeFileSync(join(root.path, 'report.csv'), 'a,b\n');
  s = await startScriptsStack();
  await Promise.all([s.startAgent('web-1', 'actions'), s.startAgent('web-2', 'off')]);
  const created = await s.admin.send('POST', '/api/scripts', {
    id: 'list-dir', name: 'List a directory', kind: 'action', interpreter: 'sh', timeout: 10, hosts: ['web-1', 'web-2'],
    params: [{ name: 'path', type: 'path', root: root.path }],
    body: '#!/bin/sh\nset -eu\nls -1 -- "$1"\necho "listed $1"\n',
  });
  assert.is(created.status, 201, JSON.stringify(created.body));
  // Another ingest worker's credentials: what the server uses to publish grants and read run events.
  spy = await mqtt.connectAsync(s.up.mqttUrl, { ...addCredentials(s.up.dataDir, { kind: 'service', role: 'ingest', name: 'e2e-ingest' }), clientId: 'vigie-e2e-spy', reconnectPeriod: 0 });
  spy.on('message', (topic, payload) => {
    const parsed = topics.parse(topic);
    if (!parsed || (parsed.kind !== 'run/req' && parsed.kind !== 'run/res')) return;
    const value = JSON.parse(payload.toString()) as unknown;
    if (parsed.kind === 'run/req') requests.set(parsed.id, value as RunRequestPayload);
    else events.set(parsed.id, [...(events.get(parsed.id) ?? []), value as RunEventPayload]);
  });
  await spy.subscribeAsync(['vigie/+/run/req/+', topics.allRunResponses()], { qos: 1 });
});

test.after(async () => {
  await spy?.endAsync();
  await s?.close();
  root.remove();
});

const settled = (client = s.operator, id: string): Promise<RunView> =>
  waitFor(`run ${id} settled`, async () => {
    const r = (await client.get<{ run: RunView }>(`/api/runs/${id}`)).data.run;
    return ['done', 'refused', 'lost'].includes(r.state) ? r : null;
  }, DEADLINE_MS, 200);

/** The agent's answer to run `id` on the broker: its refusal, or a failure if it accepted. */
async function refusalOf(id: string): Promise<Extract<RunEventPayload, { event: 'refused' }>> {
  const seen = await waitFor(`the agent's answer to ${id}`, () => events.get(id)?.find((e) => e.event === 'refused' || e.event === 'accepted'), DEADLINE_MS, 100);
  assert.is(seen.event, 'refused', `run ${id} was not refused: ${JSON.stringify(events.get(id))}`);
  return seen as Extract<RunEventPayload, { event: 'refused' }>;
}

const publishGrant = (host: string, id: string, grant: { payload: string; sig: string }): Promise<unknown> =>
  spy.publishAsync(topics.runRequest(host, id), JSON.stringify({ v: 1, grant }), { qos: 1 });
const newId = (): string => randomBytes(12).toString('base64url');

test('a viewer may not run an action (403), and nothing is sent', async () => {
  const asked = await s.viewer.send('POST', '/api/scripts/list-dir/runs', { host: 'web-1', args: { path: root.path } });
  assert.is(asked.status, 403, JSON.stringify(asked.body));
  assert.ok(!asked.body.ok && asked.body.error.message.length > 0, 'with a message');
  assert.is((await s.viewer.get('/api/scripts')).status, 403, 'nor read the library');
});

test('an argument outside its parameter is refused by the server (400, field args.path), before anything is signed', async () => {
  const before = requests.size;
  for (const path of ['/etc', `${root.path}/../../etc`, 'relative/dir']) {
    const asked = await s.operator.send('POST', '/api/scripts/list-dir/runs', { host: 'web-1', args: { path } });
    assert.is(asked.status, 400, `${path}: ${JSON.stringify(asked.body)}`);
    const error = (asked.body as { ok: false; error: { code: string; message: string; field?: string } }).error;
    assert.is(error.field, 'args.path', JSON.stringify(error));
    assert.match(error.message, /^args\.path: /);
    assert.match(error.message, new RegExp(root.path.replace(/[/.-]/g, '\\$&')), 'the message names the root');
  }
  const unknown = await s.operator.send('POST', '/api/scripts/list-dir/runs', { host: 'web-1', args: { path: root.path, extra: 'x' } });
  assert.is(unknown.status, 400);
  assert.is((unknown.body as { ok: false; error: { field?: string } }).error.field, 'args.extra');
  await new Promise((r) => setTimeout(r, 500));
  assert.is(requests.size, before, 'no grant was published');
});

test('an agent with scripts: off refuses, reason scripts-off, and says which key to change', async () => {
  const asked = await s.operator.send<{ run: RunView }>('POST', '/api/scripts/list-dir/runs', { host: 'web-2', args: { path: root.path } });
  assert.is(asked.status, 202, JSON.stringify(asked.body));
  const run = await settled(s.operator, asked.data.run.id);
  assert.is(run.state, 'refused', JSON.stringify(run));
  assert.is(run.refusal?.reason, 'scripts-off', JSON.stringify(run.refusal));
  assert.match(run.refusal!.message, /scripts/);
  assert.match(run.refusal!.message, /web-2/);
  assert.match(run.refusal!.message, /"?actions"?/, 'it says the value to set');
  assert.is(run.exit, null);
});

test('a real grant, captured on the broker: tampered, replayed or expired, the agent refuses it and runs nothing', async () => {
  const asked = await s.operator.send<{ run: RunView }>('POST', '/api/scripts/list-dir/runs', { host: 'web-1', args: { path: root.path } });
  assert.is(asked.status, 202, JSON.stringify(asked.body));
  const id = asked.data.run.id;
  const run = await settled(s.operator, id);
  assert.is(run.state, 'done', JSON.stringify(run));
  assert.is(run.exit, 0, run.output);
  assert.is(run.output, `report.csv\nlisted ${root.path}\n`);
  const captured = requests.get(id);
  assert.ok(captured, `the grant of ${id} was seen on vigie/web-1/run/req/${id}`);
  const grant = JSON.parse(captured.grant.payload) as RunGrant;
  assert.equal([grant.host, grant.script, grant.id, grant.by], ['web-1', 'list-dir', id, 'oper']);
  assert.ok(grant.exp - grant.iat <= 60_000, `valid ${grant.exp - grant.iat} ms`);

  // Replayed as is, within its 60 s: the nonce was used.
  events.delete(id);
  await publishGrant('web-1', id, captured.grant);
  const replayed = await refusalOf(id);
  assert.is(replayed.reason, 'replayed', JSON.stringify(replayed));
  assert.match(replayed.message, /nonce|replay|already/i);

  // Tampered: another directory, the box's signature kept.
  const tamperedId = newId();
  const tampered = { ...grant, id: tamperedId, nonce: randomBytes(16).toString('base64url'), args: { path: '/' } };
  await publishGrant('web-1', tamperedId, { payload: JSON.stringify(tampered), sig: captured.grant.sig });
  const forged = await refusalOf(tamperedId);
  assert.is(forged.reason, 'bad-signature', JSON.stringify(forged));
  assert.match(forged.message, /signature/i);

  // Expired: the same grant re-signed with the box's own key (as the ingest would), its validity over a minute ago.
  const box = openBoxSigner(s.up.dataDir);
  const now = Date.now();
  const oldId = newId();
  await publishGrant('web-1', oldId, box.sign({ ...grant, id: oldId, nonce: randomBytes(16).toString('base64url'), iat: now - 121_000, exp: now - 61_000 }));
  const expired = await refusalOf(oldId);
  assert.is(expired.reason, 'expired', JSON.stringify(expired));
  assert.match(expired.message, /expired|exp/i);

  // Valid too long: exp more than 60 s after iat, even if not yet passed.
  const longId = newId();
  await publishGrant('web-1', longId, box.sign({ ...grant, id: longId, nonce: randomBytes(16).toString('base64url'), iat: now, exp: now + 3_600_000 }));
  const tooLong = await refusalOf(longId);
  assert.is(tooLong.reason, 'expired', JSON.stringify(tooLong));

  // Signed for another host, published on web-1's topic.
  const elsewhereId = newId();
  await publishGrant('web-1', elsewhereId, box.sign({ ...grant, host: 'web-2', id: elsewhereId, nonce: randomBytes(16).toString('base64url'), iat: now, exp: now + 30_000 }));
  assert.is((await refusalOf(elsewhereId)).reason, 'wrong-host');

  for (const rid of [id, tamperedId, oldId, longId, elsewhereId]) {
    const accepted = (events.get(rid) ?? []).filter((e) => e.event === 'accepted' || e.event === 'output' || e.event === 'done');
    assert.equal(accepted, [], `nothing ran for ${rid}`);
  }
});

test('refusals are in the event log with their reason', async () => {
  const logged = (await s.admin.get<Array<{ type: string; host?: string | null; message: string; data?: unknown }>>('/api/events?type=script.*&limit=200')).data;
  const text = JSON.stringify(logged);
  assert.ok(text.includes('scripts-off'), `scripts-off refusal logged: ${text.slice(0, 1000)}`);
  assert.ok(logged.some((e) => e.host === 'web-2'), 'on web-2');
});

test.run();
