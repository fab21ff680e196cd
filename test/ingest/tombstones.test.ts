/**
 * A removed host's tombstone (issue 10, item 8) against what a broker such as
 * Mosquitto does: it publishes the cut agent's retained Last Will after the
 * removal, and replays it to every new subscription. The ingest ignores the
 * host and clears the topic, across a restart, until the tombstone is lifted
 * (enrolled again) or expires.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openDatabase } from '../../ingest/store/sqlite/database.js';
import { openTombstones } from '../../ingest/tombstones.js';
import { DAY_MS } from '../../core/time.js';
import { tempDir, waitFor } from '../helpers/env.js';
import { nextMessage } from '../helpers/mqtt.js';
import { metrics, publish, status, topics, withIngest } from './fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const will = () => status('offline', 'lost');

test('a late retained Last Will neither recreates a removed host nor stays on the broker, even after a restart', async () => {
  await withIngest({}, async (rig) => {
    const agent = await rig.connect();
    await publish(agent, topics.host('ghost', 'status'), status('online', 'connected'), true);
    await publish(agent, topics.host('ghost', 'metrics'), metrics(Date.now()));
    await waitFor('ghost known', () => rig.ingest.getHost('ghost')?.latest);
    const hostEvents: string[] = [];
    rig.ingest.bus.on('test', 'host', (h) => hostEvents.push(`${h.id}:${h.presence}`));

    assert.ok((await rig.ingest.removeHost('ghost')) !== null);
    await publish(agent, topics.host('ghost', 'status'), will(), true); // the broker publishes the will after the removal
    await publish(agent, topics.host('ghost', 'metrics'), metrics(Date.now())); // and a sample was still in flight
    await sleep(500);
    assert.is(rig.ingest.getHost('ghost'), null);
    assert.equal(hostEvents, [], 'nothing on the bus: no event log line, no alert');

    // The ingest cleared the will: a new subscriber (the OLED, Home Assistant) gets no retained status.
    const reader = await rig.connect();
    const leftover = nextMessage(reader, topics.host('ghost', 'status'), { timeoutMs: 500 }).then(() => 'retained', () => 'none');
    assert.is(await leftover, 'none');

    // The tombstone is in vigie.db: a restarted ingest ignores a replayed will too.
    await rig.restart();
    await publish(agent, topics.host('ghost', 'status'), will(), true);
    await sleep(500);
    assert.is(rig.ingest.getHost('ghost'), null, 'still removed after a restart');

    // Enrolled again: the tombstone is lifted and the host comes back.
    assert.ok(rig.ingest.restoreHost('ghost'));
    assert.not.ok(rig.ingest.restoreHost('ghost'), 'lifted once');
    await publish(agent, topics.host('ghost', 'status'), status('online', 'connected'), true);
    await waitFor('ghost back', () => rig.ingest.getHost('ghost')?.presence === 'online');
  });
});

test('a host removed while the ingest is disconnected has its retained topics cleared once it is back', async () => {
  await withIngest({}, async (rig) => {
    const agent = await rig.connect();
    await publish(agent, topics.host('gone', 'status'), status('online', 'connected'), true);
    await publish(agent, topics.host('gone', 'metrics'), metrics(Date.now(), { seq: 1 }));
    await waitFor('gone stored', () => rig.ingest.getHost('gone')?.latest && rig.ingest.stats().pending === 0);
    const reader = await rig.connect();
    assert.is(await nextMessage(reader, topics.stored('gone'), { timeoutMs: 2000 }).then(() => 'retained', () => 'none'), 'retained', 'the acknowledgement is retained');
    reader.end(true);

    // The broker cuts the ingest (as a reconnection for resends or a broker restart would): the removal happens meanwhile.
    // Aedes keeps connected clients by id; its typings leave the map out.
    const clients = (rig.broker.aedes as unknown as { clients: Record<string, { id: string; conn: { destroy(): void } }> }).clients;
    const ingestClient = Object.values(clients).find((c) => c.id.startsWith('ingest-test-'));
    assert.ok(ingestClient, 'the ingest is connected to the broker');
    ingestClient!.conn.destroy();
    await waitFor('the ingest disconnected', () => !rig.ingest.stats().connected);
    assert.ok((await rig.ingest.removeHost('gone')) !== null);
    await waitFor('the ingest back', () => rig.ingest.stats().connected, 10_000);

    const late = await rig.connect();
    const left: string[] = [];
    late.on('message', (topic, payload, packet) => {
      if (packet.retain && payload.length > 0) left.push(topic);
    });
    // A retained message of another host, subscribed last: once it arrives, every retained message before it has.
    await publish(agent, topics.host('marker', 'status'), status('online', 'connected'), true);
    await late.subscribeAsync('vigie/gone/#', { qos: 1 });
    await late.subscribeAsync(topics.host('marker', 'status'), { qos: 1 });
    await waitFor('the marker', () => left.includes(topics.host('marker', 'status')));
    assert.equal(left.filter((t) => t.startsWith('vigie/gone/')), [], 'no retained status or stored left for the removed host');
  });
});

test('a tombstone outlives a reopening of the database and expires after its time to live', () => {
  const dir = tempDir();
  let now = 1_700_000_000_000;
  const clock = { now: () => now };
  try {
    let db = openDatabase(dir.path);
    const first = openTombstones(db, { clock, ttlMs: DAY_MS });
    first.add('old-pc');
    assert.ok(first.has('old-pc'));
    assert.not.ok(first.has('other-pc'));
    db.close();

    now += DAY_MS - 1;
    db = openDatabase(dir.path);
    const second = openTombstones(db, { clock, ttlMs: DAY_MS });
    assert.ok(second.has('old-pc'), 'still there after reopening');
    now += 1;
    assert.not.ok(second.has('old-pc'), 'expired');
    assert.equal(second.list(), []);
    db.close();
    db = openDatabase(dir.path);
    assert.equal(openTombstones(db, { clock, ttlMs: DAY_MS }).list(), [], 'and gone from the file');
    db.close();
  } finally {
    dir.remove();
  }
});

test.run();
