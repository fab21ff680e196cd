/**
 * Home Assistant discovery through Debian's Mosquitto instead of the
 * embedded Aedes: the ingest (started alone, as `vigie ingest` against a
 * separate broker) publishes a host's configs retained, answers the birth
 * message, and clears them when the host is removed. Anonymous Mosquitto on
 * 127.0.0.1: its ACLs are docs/mosquitto.md's business, not this suite's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../../../cli/config.js';
import { createLogger } from '../../../core/logger.js';
import { startIngest, type IngestHandle } from '../../../ingest/index.js';
import { haNodeId } from '../../../integrations/home-assistant/discovery.js';
import { freePort, requireProgram, tempDir, waitFor } from '../../helpers/env.js';

const MOSQUITTO = '/usr/sbin/mosquitto';
const HOST = 'nas.lan';
const NODE = haNodeId(HOST);

if (requireProgram('mosquitto', existsSync(MOSQUITTO))) {
  const dir = tempDir();
  let broker: ChildProcess;
  let url: string;
  let ingest: IngestHandle;
  let ha: MqttClient;
  const seen = new Map<string, string[]>();
  const standing = (): string[] => [...seen].filter(([t, p]) => t.split('/')[2] === NODE && p.at(-1) !== '').map(([t]) => t);

  test.before(async () => {
    const port = await freePort();
    url = `mqtt://127.0.0.1:${port}`;
    const conf = join(dir.path, 'mosquitto.conf');
    writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
    broker = spawn(MOSQUITTO, ['-c', conf], { stdio: 'ignore' });
    ha = await waitFor('Mosquitto listening', () => mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 1000 }).catch(() => null));
    ha.on('message', (topic, payload) => seen.set(topic, [...(seen.get(topic) ?? []), payload.toString('utf8')]));
    await ha.subscribeAsync('homeassistant/#', { qos: 1 });
    const loaded = loadConfig({ env: {}, overrides: { dataDir: dir.path, 'ingest.broker': url, 'ingest.flushInterval': '0.1', 'ha.enabled': 'true', 'log.level': 'silent' } });
    if (!loaded.ok) throw new Error(loaded.error);
    const log = createLogger('ingest');
    ingest = await startIngest({ ingest: loaded.value.ingest, dataDir: dir.path, prefix: 'vigie', ha: loaded.value.ha }, { log });
  });

  test.after(async () => {
    await ha?.endAsync(true);
    await ingest?.close();
    broker?.kill('SIGTERM');
    dir.remove();
  });

  test('configs retained on Mosquitto, sent again on the birth message, cleared on removal', async () => {
    const agent = await mqtt.connectAsync(url, { clientId: `vigie-agent-${HOST}`, reconnectPeriod: 0 });
    await agent.publishAsync(`vigie/${HOST}/status`, JSON.stringify({ v: 1, state: 'online', reason: 'connected', agent: 'test', interval: 1 }), { qos: 1, retain: true });
    await agent.publishAsync(`vigie/${HOST}/metrics`, JSON.stringify({
      v: 1, ts: Date.now(), cpu: { usage: 5, load1: 1, load5: 1, load15: 1 }, disks: [{ mount: '/srv', fs: 'xfs', total: 10, used: 5, free: 5, usedPercent: 50 }],
    }), { qos: 1 });
    await waitFor('the host\'s configs', () => standing().length >= 7, 15_000);
    const topics = standing();
    assert.ok(topics.includes(`homeassistant/sensor/${NODE}/disk__2Fsrv/config`), topics.join(' '));

    // Retained: a fresh client gets them from Mosquitto.
    const late = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
    const retained = new Set<string>();
    late.on('message', (t, p, packet) => packet.retain && p.length > 0 && retained.add(t));
    await late.subscribeAsync(`homeassistant/+/${NODE}/+/config`);
    await waitFor('every config retained on Mosquitto', () => topics.every((t) => retained.has(t)));
    await late.endAsync(true);

    const before = new Map(topics.map((t) => [t, seen.get(t)!.length]));
    await ha.publishAsync('homeassistant/status', 'online', { qos: 1 });
    await waitFor('every config sent again', () => topics.every((t) => seen.get(t)!.length > before.get(t)!));

    await ingest.removeHost(HOST);
    await waitFor('every config cleared', () => topics.every((t) => seen.get(t)!.at(-1) === ''));
    assert.equal(standing(), []);
    await agent.endAsync(true);
  });
}

test.run();
