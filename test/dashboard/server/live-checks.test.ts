import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Socket } from 'socket.io-client';
import type { CheckResultRecord } from '../../../checks/types.js';
import { startHttpServer, type HttpServerHandle } from '../../../core/http-server.js';
import { createLogger } from '../../../core/logger.js';
import { startLive, type LiveHandle } from '../../../dashboard/server/live.js';
import type { CheckResultPayload } from '../../../protocol/schemas/check.js';
import { ApiClient } from '../../helpers/api-client.js';
import { addUser } from '../../helpers/stack.js';
import { waitFor } from '../../helpers/env.js';
import { connectSocket, startDashboardStack, topics, type DashboardStack } from '../stack.js';

/** The dashboard socket's `check` event: a new result reaches the users who may see that check, and only them. */

let s: DashboardStack;
const sockets: Socket[] = [];
let vera: ApiClient;
let otto: ApiClient;

function result(state: 'up' | 'down'): CheckResultPayload {
  return { v: 1, ts: Date.now(), kind: 'tcp', state, latency: state === 'up' ? 0.003 : null, message: state === 'up' ? 'connected' : 'connection refused' };
}

function publishResult(runner: string, check: string, r: CheckResultPayload): Promise<void> {
  return s.mqtt.publishAsync(topics.checkResult(runner, check), JSON.stringify(r), { qos: 1, retain: true }).then(() => undefined);
}

async function listen(url: string, client: ApiClient): Promise<CheckResultRecord[]> {
  const socket = await connectSocket(url, { cookie: client.cookieHeader() });
  sockets.push(socket);
  const got: CheckResultRecord[] = [];
  socket.on('check', (e: CheckResultRecord) => got.push(e));
  return got;
}

test.before(async () => {
  s = await startDashboardStack();
  const v = await addUser(s.dataDir, 'vera');
  const o = await addUser(s.dataDir, 'otto');
  // vera's host is the runner r1, otto's r2.
  s.accounts.hostAccess.setAccess('r1', { owner: v.id, groups: [] });
  s.accounts.hostAccess.setAccess('r2', { owner: o.id, groups: [] });
  vera = await ApiClient.signIn(s.url, v.name, v.password);
  otto = await ApiClient.signIn(s.url, o.name, o.password);
});

test.after(async () => {
  for (const socket of sockets) socket.disconnect();
  await s?.close();
});

test('a check result goes to the users who may see its runner, admins included, and not to others', async () => {
  const admin = await listen(s.url, s.admin);
  const forVera = await listen(s.url, vera);
  const forOtto = await listen(s.url, otto);
  await publishResult('r1', 'web', result('down'));
  await waitFor('vera gets r1/web', () => forVera.length === 1);
  await waitFor('the admin gets r1/web', () => admin.length === 1);
  assert.is(forVera[0]?.runner, 'r1');
  assert.is(forVera[0]?.check, 'web');
  assert.is(forVera[0]?.result.state, 'down');
  assert.type(forVera[0]?.receivedAt, 'number');
  // Emitted after r1/web on every socket: once otto has r2/web, he would have had r1/web before it.
  await publishResult('r2', 'web', result('up'));
  await waitFor('otto gets r2/web', () => forOtto.length === 1);
  assert.equal(forOtto.map((e) => e.runner), ['r2'], 'otto never got r1');
  await waitFor('the admin gets r2/web', () => admin.length === 2);
  assert.equal(forVera.map((e) => e.runner), ['r1'], 'vera never got r2');
});

test('the server\'s access rule (canSeeCheck) decides when given, once per user and result', async () => {
  const http: HttpServerHandle = await startHttpServer({ host: '127.0.0.1', port: 0, closeTimeoutMs: 200 });
  const asked: string[] = [];
  const live: LiveHandle = startLive(http.server, {
    ingest: s.ingest, accounts: s.accounts, log: createLogger('test'), overviewThrottle: 1,
    // A rule unlike host access: only the check `public`, whoever runs it.
    canSeeCheck: (user, runner, check) => (asked.push(`${user.name}:${runner}/${check}`), check === 'public'),
  });
  try {
    const forVera = await listen(http.url, vera);
    const forVera2 = await listen(http.url, vera);
    const forOtto = await listen(http.url, otto);
    await publishResult('r1', 'secret', result('up'));
    await publishResult('r1', 'public', result('up'));
    await waitFor('otto gets r1/public (not his runner, but the rule says so)', () => forOtto.length === 1);
    await waitFor('both of vera\'s sockets get it', () => forVera.length === 1 && forVera2.length === 1);
    assert.equal([...forVera, ...forVera2, ...forOtto].map((e) => e.check), ['public', 'public', 'public'], 'nobody got r1/secret');
    assert.equal(asked.filter((a) => a.startsWith('vera:')), ['vera:r1/secret', 'vera:r1/public'], 'one decision per user per result, not per socket');
  } finally {
    await live.close();
    await http.close();
  }
});

test.run();
