/**
 * The agent runs the checks the server configures (issue 12): a real Aedes
 * broker with real credentials and its ACL (test/broker/rig.ts), a retained
 * `config` from the ingest, real HTTP and TCP targets on 127.0.0.1, and
 * retained results on `checks/<id>`.
 */
import { Value } from '@sinclair/typebox/value';
import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AgentConfig } from '../../../agent/config.js';
import { startAgent, type AgentHandle } from '../../../agent/index.js';
import type { Timers } from '../../../agent/checks/scheduler.js';
import { decodePayload, encodePayload, type AgentConfigPayload, type CheckResultPayload, type CheckSpec } from '../../../protocol/payloads.js';
import { waitFor } from '../../helpers/env.js';
import { startHttpTarget, startTcpTarget } from '../../helpers/check-targets.js';
import { startAuthRig } from '../../broker/rig.js';

const config = (partial: Partial<AgentConfig>): AgentConfig =>
  Value.Default(AgentConfig, structuredClone({ serverWait: 0, interval: 60, ...partial })) as AgentConfig;

/**
 * Real timers, with the checks' intervals (10 s at least, 9 s after the
 * jitter) shortened 30 times so the test sees several runs; timeouts
 * (5 s here) stay real.
 */
const quickTicks: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms >= 9000 ? ms / 30 : ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Every check result the watcher receives, by check id, in order; '' for a cleared one. */
function watchResults(client: MqttClient, host: string): Map<string, Array<CheckResultPayload | ''>> {
  const got = new Map<string, Array<CheckResultPayload | ''>>();
  const prefix = `vigie/${host}/checks/`;
  client.on('message', (topic, payload) => {
    if (!topic.startsWith(prefix)) return;
    const id = topic.slice(prefix.length);
    const list = got.get(id) ?? [];
    got.set(id, list);
    if (payload.length === 0) return void list.push('');
    const decoded = decodePayload('checkResult', payload);
    if (!decoded.ok) throw new Error(decoded.error);
    list.push(decoded.value);
  });
  return got;
}

const spec = (s: Partial<CheckSpec> & Pick<CheckSpec, 'id' | 'kind' | 'target'>): CheckSpec => ({ interval: 10, timeout: 5, trace: false, ...s });

test('runs a retained configuration, publishes retained results, keeps the checks on an invalid one and clears removed ones', async () => {
  const rig = await startAuthRig();
  const broker = rig.broker;
  const ingestCred = rig.store.add({ kind: 'service', role: 'ingest' });
  const agentCred = rig.store.add({ kind: 'agent', host: 'runner1' });
  const web = await startHttpTarget();
  const tcp = await startTcpTarget();
  let agent: AgentHandle | undefined;
  let watcher: MqttClient | undefined;
  let admin: MqttClient | undefined;
  try {
    admin = await rig.connect({ ...ingestCred, clientId: 'ingest-admin' });
    const checks: CheckSpec[] = [
      spec({ id: 'web', kind: 'http', target: `${web.url}/health` }),
      spec({ id: 'port', kind: 'tcp', target: '127.0.0.1', port: tcp.port }),
    ];
    const payload: AgentConfigPayload = { v: 1, ts: Date.now(), checks };
    // Retained before the agent exists: it must find it on connecting.
    await admin.publishAsync('vigie/runner1/config', encodePayload('agentConfig', payload), { qos: 1, retain: true });

    watcher = await rig.connect({ ...ingestCred, clientId: 'ingest-watcher' });
    const got = watchResults(watcher, 'runner1');
    await watcher.subscribeAsync('vigie/runner1/checks/+', { qos: 1 });

    agent = await startAgent(config({ broker: broker.url, host: 'runner1', username: agentCred.username, password: agentCred.password }), {
      prefix: 'vigie', services: false, diagnostics: false, collectors: [], random: () => 0, checkTimers: quickTicks,
    });
    const a = agent;
    await waitFor('both results', () => (got.get('web')?.length ?? 0) > 0 && (got.get('port')?.length ?? 0) > 0);
    const webResult = got.get('web')![0] as CheckResultPayload;
    assert.is(webResult.state, 'up', webResult.message);
    assert.is(webResult.kind, 'http');
    assert.is(webResult.status, 200);
    assert.is(webResult.message, '200 OK');
    assert.ok(webResult.latency !== null && webResult.latency > 0);
    assert.is(webResult.phases?.dns, null, 'an IP target has no DNS phase');
    assert.is(webResult.phases?.tls, null, 'plain HTTP has no TLS phase');
    assert.ok((webResult.phases?.connect ?? -1) >= 0 && (webResult.phases?.firstByte ?? -1) >= 0);
    const portResult = got.get('port')![0] as CheckResultPayload;
    assert.is(portResult.state, 'up', portResult.message);
    assert.ok(tcp.accepted() >= 1);
    assert.is(web.requests[0]?.url, '/health');

    // Retained: a late subscriber gets the latest result at once.
    const late = await rig.connect({ ...ingestCred, clientId: 'ingest-late' });
    const retained = await new Promise<{ retain: boolean; payload: Buffer }>((resolve) => {
      late.on('message', (_t, p, packet) => resolve({ retain: packet.retain, payload: p }));
      void late.subscribeAsync('vigie/runner1/checks/web', { qos: 1 });
    });
    late.end(true);
    assert.ok(retained.retain, 'the result is retained');
    assert.ok(decodePayload('checkResult', retained.payload).ok);

    // An invalid configuration is ignored as a whole: both checks go on running.
    const before = got.get('web')!.length;
    await admin.publishAsync('vigie/runner1/config', JSON.stringify({ v: 1, ts: Date.now(), checks: [{ id: 'BAD ID', kind: 'http' }] }), { qos: 1, retain: true });
    await waitFor('runs after the invalid configuration', () => got.get('web')!.length >= before + 2, 15_000);
    assert.is(a.stats().checks.checks, 2);

    // The target goes down: the next result says so.
    web.handle((_req, res) => {
      res.writeHead(503);
      res.end('maintenance');
    });
    const down = await waitFor('a down result', () => got.get('web')!.find((r): r is CheckResultPayload => r !== '' && r.state === 'down'), 15_000);
    assert.is(down.message, 'status 503 not in 200-299');
    assert.is(down.excerpt, 'maintenance');

    // A check removed from the configuration has its result cleared.
    await admin.publishAsync('vigie/runner1/config', encodePayload('agentConfig', { v: 1, ts: Date.now(), checks: [checks[1]!] }), { qos: 1, retain: true });
    await waitFor('web cleared', () => got.get('web')!.at(-1) === '');
    assert.is(a.stats().checks.checks, 1);
    // The unchanged check was not restarted: it keeps running.
    const portRuns = got.get('port')!.length;
    await waitFor('port goes on', () => got.get('port')!.length > portRuns, 15_000);

    // A cleared configuration means no checks: every result is cleared.
    await admin.publishAsync('vigie/runner1/config', '', { qos: 1, retain: true });
    await waitFor('port cleared', () => got.get('port')!.at(-1) === '');
    assert.is(a.stats().checks.checks, 0);
    // Everything went through the ACL: no subscription or publish refused, no retained result dropped.
    assert.equal(rig.logged.filter((l) => /refused|retain/i.test(String(l.msg))).map((l) => l.msg), []);
  } finally {
    watcher?.end(true);
    admin?.end(true);
    await agent?.close();
    await web.close();
    await tcp.close();
    await rig.close();
  }
});

test.run();
