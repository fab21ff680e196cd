/**
 * A planned stop of `vigie up` is not an outage (issue 10, item 13): closing
 * the stack and starting it again on the same data directory pages nobody
 * about the box — its own agent stops after the server parts, so its
 * "stopped" status reaches no alert, and the restart finds it online.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ApiClient } from '../helpers/api-client.js';
import { tempDir, waitFor } from '../helpers/env.js';
import { adminClient, startTestStack, type TestStack } from '../helpers/stack.js';
import { startRecorder, type Recorder } from '../notify/helpers.js';

const data = tempDir();
// No grace: only the stop order keeps the box quiet here.
const SETTINGS = { 'alerts.groupSeconds': '0', 'alerts.diagnosis': 'false', 'ingest.presenceGrace': '0', 'notify.allowInternal': '127.0.0.1' };
let up: TestStack | undefined;
let hook: Recorder;

test.before(async () => {
  hook = await startRecorder();
});
test.after(async () => {
  await up?.close();
  await hook?.close();
  data.remove();
});

test('stopping and restarting `vigie up` raises no offline alert, event or notice about the box', async () => {
  up = await startTestStack('up', { dataDir: data.path, set: SETTINGS });
  let admin: ApiClient = await adminClient(up.httpUrl, up.dataDir);
  const created = await admin.send<{ id: number }>('POST', '/api/channels', { type: 'webhook', name: 'Pager', url: `${hook.base}/page` });
  assert.is(created.status, 201);
  const box = up.stack.agent!.hostId;
  await waitFor('the box online', () => up!.stack.ingest!.getHost(box)?.presence === 'online' && up!.stack.ingest!.getHost(box)?.latest, 15_000);
  const startedAt = Date.now();

  await up.close();
  up = await startTestStack('up', { dataDir: data.path, set: SETTINGS });
  admin = await adminClient(up.httpUrl, up.dataDir, 'admin2');
  await waitFor('the box online again', () => up!.stack.ingest!.getHost(box)?.presence === 'online' && (up!.stack.ingest!.getHost(box)?.latest?.ts ?? 0) > startedAt, 15_000);
  await new Promise((r) => setTimeout(r, 2500)); // ticks, the notifier's flush

  const offline = up.stack.alerting!.service.store.query({ host: box }).filter((a) => a.rule === 'offline');
  assert.equal(offline, [], 'no offline alert about the box');
  const events = (await admin.get<Array<{ type: string }>>(`/api/events?host=${box}&type=host.*`)).data.map((e) => e.type);
  assert.not.ok(events.includes('host.offline'), `no offline line in the event log (${events.join(', ')})`);
  assert.equal(hook.requests.filter((r) => r.body.includes(`"host":"${box}"`)).length, 0, 'nobody paged');
  // The pager could be reached all along: "nobody paged" is the stop order's doing, not a blocked channel.
  const heard = hook.requests.length;
  await admin.send('POST', `/api/channels/${created.data.id}/test`, {});
  await waitFor('the pager reachable', () => hook.requests.length > heard);
});

test.run();
