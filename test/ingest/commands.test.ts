/**
 * The ingest's diagnosis requester against a real broker (anonymous lab
 * mode, so a test client can play the agent — and a rogue one): timeouts,
 * correlation of concurrent requests by id, answers from the wrong host
 * ignored, bounds on pending requests.
 */
import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLogger } from '../../core/logger.js';
import { systemClock } from '../../core/time.js';
import { startCommandRequester } from '../../ingest/commands.js';
import { decodePayload, type CommandRequestPayload, type CommandResponsePayload, type DuData } from '../../protocol/payloads.js';
import { waitFor } from '../helpers/env.js';
import { connectClient, startTestBroker } from '../helpers/mqtt.js';
import { publish, topics, withIngest, type IngestRig } from './fixtures.js';

const duData = (mount: string): DuData => ({ mount, entries: [{ path: `${mount}/var`, bytes: 4096 }], total: 8192, truncated: false, skipped: 0, elapsed: 0.01 });
const answerTo = (req: CommandRequestPayload, data: DuData): CommandResponsePayload => ({ v: 1, ts: Date.now(), id: req.id, action: 'du', ok: true, data });

/** A client that receives the requests sent to `host` (as the agent would). */
async function fakeAgent(rig: IngestRig, host: string): Promise<{ client: MqttClient; requests: CommandRequestPayload[] }> {
  const client = await rig.connect({ clientId: `fake-agent-${host}-${Math.random()}` });
  const requests: CommandRequestPayload[] = [];
  client.on('message', (topic, payload) => {
    const parsed = topics.parse(topic);
    if (parsed?.kind !== 'cmd/req') return;
    const decoded = decodePayload('commandRequest', payload);
    if (!decoded.ok) throw new Error(decoded.error);
    assert.is(decoded.value.id, parsed.id, 'the payload id is the topic id');
    requests.push(decoded.value);
  });
  await client.subscribeAsync(`vigie/${host}/cmd/req/+`, { qos: 1 });
  return { client, requests };
}

const connected = (rig: IngestRig) => waitFor('ingest connected', () => rig.ingest.stats().connected);

test('no agent answers: VIGIE_ERR_UNAVAILABLE after the timeout', () =>
  withIngest({}, async (rig) => {
    await connected(rig);
    const res = await rig.ingest.command('nobody', 'top', { limit: 3 }, { timeoutMs: 1000 });
    assert.equal(res, { ok: false, error: { code: 'VIGIE_ERR_UNAVAILABLE', message: 'no answer from nobody within 1 s' } });
  }));

test('bad host ids and out-of-bounds args are refused before anything is sent', () =>
  withIngest({}, async (rig) => {
    await connected(rig);
    const agent = await fakeAgent(rig, 'alpha');
    const badHost = await rig.ingest.command('Not A Host/+', 'top', {});
    assert.is(!badHost.ok && badHost.error.code, 'VIGIE_ERR_BAD_HOST_ID');
    const depth = await rig.ingest.command('alpha', 'du', { mount: '/', depth: 9 });
    assert.is(!depth.ok && depth.error.code, 'VIGIE_ERR_BAD_REQUEST');
    assert.match(!depth.ok ? depth.error.message : '', /commandRequest\.args\.depth/);
    const service = await rig.ingest.command('alpha', 'service-log', { service: 'nginx; rm -rf /' });
    assert.match(!service.ok ? service.error.message : '', /commandRequest\.args\.service/);
    // A valid one goes through: the earlier ones would have arrived before it.
    const sent = rig.ingest.command('alpha', 'top', {}, { timeoutMs: 1000 });
    await waitFor('the valid request', () => agent.requests.length === 1);
    assert.is(agent.requests[0]?.action, 'top');
    assert.is(agent.requests[0]?.timeout, 0.5, 'the agent gets the time left after the answer margin');
    await sent;
  }));

test('concurrent requests are matched to their answers by id, whatever the order of the answers', () =>
  withIngest({}, async (rig) => {
    await connected(rig);
    const agent = await fakeAgent(rig, 'alpha');
    const mounts = ['/', '/home', '/var'];
    const pending = mounts.map((mount) => rig.ingest.command('alpha', 'du', { mount }, { timeoutMs: 5000 }));
    await waitFor('three requests', () => agent.requests.length === 3);
    assert.is(new Set(agent.requests.map((r) => r.id)).size, 3, 'a fresh id each');
    for (const req of [...agent.requests].reverse()) {
      if (req.action !== 'du') throw new Error('expected du');
      await publish(agent.client, topics.commandResponse('alpha', req.id), answerTo(req, duData(req.args.mount)));
    }
    const results = await Promise.all(pending);
    assert.equal(results.map((r) => (r.ok ? r.data.mount : r.error.message)), mounts);
  }));

test('an answer on another host\'s topic, even with the right id, is ignored', () =>
  withIngest({}, async (rig) => {
    await connected(rig);
    const agent = await fakeAgent(rig, 'alpha');
    const rogue = await rig.connect({ clientId: 'rogue-beta' });
    const pending = rig.ingest.command('alpha', 'du', { mount: '/' }, { timeoutMs: 5000 });
    await waitFor('the request', () => agent.requests.length === 1);
    const req = agent.requests[0]!;
    // Beta answers first, on its own topic with alpha's request id: not the host that was asked.
    await publish(rogue, topics.commandResponse('beta', req.id), answerTo(req, duData('/from-beta')));
    await publish(agent.client, topics.commandResponse('alpha', req.id), answerTo(req, duData('/from-alpha')));
    const res = await pending;
    assert.ok(res.ok);
    assert.is(res.ok && res.data.mount, '/from-alpha');
  }));

test('an invalid answer from the asked host resolves with an error naming the field; a late one changes nothing', () =>
  withIngest({}, async (rig) => {
    await connected(rig);
    const agent = await fakeAgent(rig, 'alpha');
    const pending = rig.ingest.command('alpha', 'du', { mount: '/' }, { timeoutMs: 5000 });
    await waitFor('the request', () => agent.requests.length === 1);
    const req = agent.requests[0]!;
    const broken = { ...answerTo(req, duData('/')), data: { ...duData('/'), total: -1 } };
    await publish(agent.client, topics.commandResponse('alpha', req.id), broken);
    const res = await pending;
    assert.is(!res.ok && res.error.code, 'VIGIE_ERR_INTERNAL');
    assert.match(!res.ok ? res.error.message : '', /commandResponse\.data\.total/);
    // The same answer again (too late) and garbage on a cmd/res topic: dropped, the ingest goes on.
    await publish(agent.client, topics.commandResponse('alpha', req.id), answerTo(req, duData('/')));
    await publish(agent.client, topics.commandResponse('alpha', 'made-up'), '{not json');
    assert.is(rig.ingest.stats().invalid, 0, 'answers are not counted as invalid host payloads');
    assert.ok(rig.ingest.stats().connected);
  }));

test('pending requests are bounded and settled on close', async () => {
  const broker = await startTestBroker();
  const client = await connectClient(broker.url);
  const requester = startCommandRequester({
    topics, clock: systemClock, log: createLogger('test'), maxPending: 2,
    publish: async (topic, payload, retain) => void (await client.publishAsync(topic, payload, { qos: 1, retain })),
  });
  try {
    const a = requester.command('alpha', 'top', {}, { timeoutMs: 30_000 });
    const b = requester.command('alpha', 'top', {}, { timeoutMs: 30_000 });
    const c = await requester.command('alpha', 'top', {}, { timeoutMs: 30_000 });
    assert.equal(c, { ok: false, error: { code: 'VIGIE_ERR_UNAVAILABLE', message: 'too many diagnosis requests waiting (2)' } });
    assert.is(requester.stats().pending, 2);
    await requester.close();
    for (const r of await Promise.all([a, b])) assert.equal(r, { ok: false, error: { code: 'VIGIE_ERR_UNAVAILABLE', message: 'the ingest is stopping' } });
    assert.is(requester.stats().pending, 0);
    const after = await requester.command('alpha', 'top', {});
    assert.is(!after.ok && after.error.code, 'VIGIE_ERR_UNAVAILABLE');
  } finally {
    await client.endAsync();
    await broker.close();
  }
});

test('a request the broker cannot take resolves at once with VIGIE_ERR_UNAVAILABLE', async () => {
  const requester = startCommandRequester({
    topics, clock: systemClock, log: createLogger('test'),
    publish: () => Promise.reject(new Error('not connected')),
  });
  const res = await requester.command('alpha', 'top', {}, { timeoutMs: 30_000 });
  assert.equal(res, { ok: false, error: { code: 'VIGIE_ERR_UNAVAILABLE', message: 'could not send the request: not connected' } });
  assert.is(requester.stats().pending, 0);
  await requester.close();
});

test.run();
