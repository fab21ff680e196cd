/**
 * Diagnosis requests through a real broker to a real agent: valid ones are
 * answered with data, invalid ones with an error envelope naming the field,
 * and nothing in a request is ever executed.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AgentConfig } from '../../../agent/config.js';
import type { Collector } from '../../../agent/collectors/index.js';
import { startAgent, type AgentHandle } from '../../../agent/index.js';
import type { BrokerHandle } from '../../../broker/index.js';
import { decodePayload, type CommandResponsePayload } from '../../../protocol/payloads.js';
import { tempDir } from '../../helpers/env.js';
import { connectClient, nextMessage, startTestBroker } from '../../helpers/mqtt.js';

const HOST = 'diag-box';
let broker: BrokerHandle;
let agent: AgentHandle;
let client: MqttClient;
let tree: { path: string; remove: () => void };
let canary: string;
let seq = 0;

/** Publishes a raw request and resolves with the decoded answer on the matching cmd/res topic. */
async function ask(body: unknown, id = `t${++seq}`): Promise<CommandResponsePayload & { retain: boolean }> {
  const answer = nextMessage(client, `vigie/${HOST}/cmd/res/${id}`, { timeoutMs: 10_000 });
  await answer.subscribed;
  const payload = typeof body === 'string' ? body : JSON.stringify({ v: 1, ts: Date.now(), id, timeout: 5, ...(body as object) });
  await client.publishAsync(`vigie/${HOST}/cmd/req/${id}`, payload, { qos: 1 });
  const msg = await answer;
  const decoded = decodePayload('commandResponse', msg.payload);
  if (!decoded.ok) throw new Error(decoded.error);
  assert.is(decoded.value.id, id);
  return { ...decoded.value, retain: msg.retain };
}

test.before(async () => {
  tree = tempDir('vigie-diag-mount-');
  mkdirSync(join(tree.path, 'logs'));
  writeFileSync(join(tree.path, 'logs', 'app.log'), Buffer.alloc(200 * 1024, 65));
  mkdirSync(join(tree.path, 'cache'));
  writeFileSync(join(tree.path, 'cache', 'c.bin'), Buffer.alloc(20 * 1024, 66));
  canary = join(tree.path, 'canary');
  // The agent reports the temp tree as its only disk: the one mount `du` may walk.
  const disks: Collector = {
    name: 'disks',
    collect: async () => ({ disks: [{ mount: tree.path, fs: 'ext4', total: 1e9, used: 1e6, free: 999e6, usedPercent: 0.1 }] }),
  };
  broker = await startTestBroker();
  client = await connectClient(broker.url);
  const metrics = nextMessage(client, `vigie/${HOST}/metrics`, { timeoutMs: 10_000 });
  await metrics.subscribed;
  agent = await startAgent(Value.Default(AgentConfig, { broker: broker.url, host: HOST, interval: 0.2, serverWait: 0 }) as AgentConfig, {
    prefix: 'vigie', services: false, collectors: [disks],
  });
  // The agent subscribes to its requests before it publishes any metrics on the same connection.
  await metrics;
});

test.after(async () => {
  await agent?.close();
  await client?.endAsync();
  await broker?.close();
  tree?.remove();
});

test('du of the reported mount: largest directories, answered QoS 1 and not retained', async () => {
  const res = await ask({ action: 'du', args: { mount: tree.path, depth: 1, limit: 5 } });
  assert.is(res.retain, false);
  assert.ok(res.ok && res.action === 'du', JSON.stringify(res));
  if (res.ok && res.action === 'du') {
    assert.equal(res.data.entries.map((e) => e.path), [join(tree.path, 'logs'), join(tree.path, 'cache')]);
    assert.ok(res.data.entries[0]!.bytes >= 200 * 1024);
    assert.is(res.data.truncated, false);
  }
});

test('top answers with both lists', async () => {
  const res = await ask({ action: 'top', args: { limit: 3 } });
  assert.ok(res.ok && res.action === 'top', JSON.stringify(res));
  if (res.ok && res.action === 'top') {
    assert.is(res.data.byCpu.length, 3);
    assert.is(res.data.byMem.length, 3);
  }
});

/** Asserts an error answer with `code` whose message matches `message`. */
function assertError(res: CommandResponsePayload, code: string, message: RegExp): void {
  assert.is(res.ok, false, JSON.stringify(res));
  if (!res.ok) {
    assert.is(res.error.code, code);
    assert.match(res.error.message, message);
  }
}

test('an unknown action is refused, naming the field', async () => {
  const res = await ask({ action: 'shell', args: { command: `touch ${canary}` } });
  assertError(res, 'VIGIE_ERR_BAD_REQUEST', /commandRequest\.action/);
  assert.is(res.action, 'shell');
});

test('du of a mount the agent does not report, or with ../, is refused', async () => {
  assertError(await ask({ action: 'du', args: { mount: '/etc' } }), 'VIGIE_ERR_BAD_REQUEST', /not a mount this agent reports/);
  assertError(await ask({ action: 'du', args: { mount: `${tree.path}/../..` } }), 'VIGIE_ERR_BAD_REQUEST', /"\.\."/);
  assertError(await ask({ action: 'du', args: { mount: tree.path, depth: 7 } }), 'VIGIE_ERR_BAD_REQUEST', /commandRequest\.args\.depth/);
  assertError(await ask({ action: 'du', args: { mount: 'relative/path' } }), 'VIGIE_ERR_BAD_REQUEST', /commandRequest\.args\.mount/);
});

test('a service name with shell metacharacters is refused and nothing runs', async () => {
  for (const service of [`nginx; touch ${canary}`, `$(touch ${canary})`, `\`touch ${canary}\``, '-hack', 'a b', '../../etc/passwd']) {
    assertError(await ask({ action: 'service-log', args: { service, lines: 5 } }), 'VIGIE_ERR_BAD_REQUEST', /commandRequest\.args\.service/);
  }
  assert.not.ok(existsSync(canary), 'nothing was executed');
});

test('malformed requests get an error when their id is readable; the agent lives on', async () => {
  assertError(await ask('{not json', 'raw1'), 'VIGIE_ERR_BAD_REQUEST', /not valid JSON/);
  const mismatch = await ask({ action: 'top', args: {}, id: 'other' }, 'raw2');
  assertError(mismatch, 'VIGIE_ERR_BAD_REQUEST', /differs from the topic's id/);
  assertError(await ask({ action: 'top', args: {}, timeout: 600 }), 'VIGIE_ERR_BAD_REQUEST', /commandRequest\.timeout/);
  assertError(await ask({ action: 'top', args: { limit: 500 } }), 'VIGIE_ERR_BAD_REQUEST', /commandRequest\.args\.limit/);
  const after = await ask({ action: 'top', args: { limit: 1 } });
  assert.ok(after.ok, 'still answering');
});

/** Publishes raw requests in order on one connection and resolves with their decoded answers. */
async function askAll(requests: { id: string; body: object; timeout?: number }[]): Promise<CommandResponsePayload[]> {
  const answers = requests.map(({ id }) => nextMessage(client, `vigie/${HOST}/cmd/res/${id}`, { timeoutMs: 30_000 }));
  await Promise.all(answers.map((a) => a.subscribed));
  for (const { id, body, timeout } of requests) {
    await client.publishAsync(`vigie/${HOST}/cmd/req/${id}`, JSON.stringify({ v: 1, ts: Date.now(), id, timeout: timeout ?? 20, ...body }), { qos: 1 });
  }
  return Promise.all(answers.map(async (a) => {
    const decoded = decodePayload('commandResponse', (await a).payload);
    if (!decoded.ok) throw new Error(decoded.error);
    return decoded.value;
  }));
}

test('two requests at once (two alerts firing together): the second waits its turn and both get data', async () => {
  // In order on one connection: the agent starts `top` (500 ms between its readings) before it reads the second.
  const [first, second] = await askAll([
    { id: 'pair1', body: { action: 'top', args: { limit: 2 } } },
    { id: 'pair2', body: { action: 'top', args: { limit: 2 } } },
  ]);
  assert.ok(first?.ok && first.action === 'top' && first.data.byCpu.length === 2, JSON.stringify(first));
  assert.ok(second?.ok && second.action === 'top' && second.data.byMem.length === 2, JSON.stringify(second));
});

test('past one running and 4 waiting, a request is refused busy; the others are all answered', async () => {
  const ids = ['q0', 'q1', 'q2', 'q3', 'q4', 'q5'];
  const answers = await askAll(ids.map((id) => ({ id, body: { action: 'top', args: { limit: 1 } } })));
  assert.equal(answers.map((a) => a.ok), [true, true, true, true, true, false]);
  assertError(answers[5]!, 'VIGIE_ERR_UNAVAILABLE', /^busy: 5 diagnoses are already running or waiting on this agent; retry later$/);
});

test('service-log of a well-formed name: the journal, or no source when systemd is not the init system', async () => {
  const res = await ask({ action: 'service-log', args: { service: 'vigie-test-none.service', lines: 5 } });
  assert.ok(res.ok && res.action === 'service-log', JSON.stringify(res));
  if (res.ok && res.action === 'service-log') {
    assert.is(res.data.service, 'vigie-test-none.service');
    if (res.data.source === 'none') assert.match(res.data.note ?? '', /systemd/);
    assert.ok(res.data.lines.length <= 5);
  }
});

test.run();
