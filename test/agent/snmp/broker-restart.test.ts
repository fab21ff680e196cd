/**
 * After a broker restart the broker has forgotten which devices a poller may
 * publish for (it learns them from the ingest's `config` publishes), and the
 * poller still polls them. Until the configuration is published again, the
 * poller must publish nothing for its devices, or the broker closes its
 * connection at every poll (and its Last Will says it went offline). Then the
 * devices' status and info go out again and metrics resume. Real Aedes with
 * credentials, restarted on the same port; real snmpd.
 */
import { Value } from '@sinclair/typebox/value';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBrokerAuthenticator } from '../../../accounts/broker-authenticator.js';
import { openAccountsDatabase } from '../../../accounts/database.js';
import { MqttCredentialStore } from '../../../accounts/mqtt-credentials.js';
import { AgentConfig } from '../../../agent/config.js';
import { startAgent } from '../../../agent/index.js';
import type { BrokerHandle } from '../../../broker/index.js';
import { encodePayload } from '../../../protocol/payloads.js';
import { tempDir, waitFor } from '../../helpers/env.js';
import { connectClient, startTestBroker } from '../../helpers/mqtt.js';
import { haveSnmpd, startSnmpd } from '../../helpers/snmpd.js';
import { device, quickPolls } from './rig.js';

if (haveSnmpd()) {
  test('a restarted broker: no device publish before the configuration is back, then status, info and metrics again', async () => {
    const snmpd = await startSnmpd();
    const dir = tempDir();
    const db = openAccountsDatabase(dir.path);
    const store = new MqttCredentialStore(db);
    const auth = createBrokerAuthenticator({ store, pollMs: 50 });
    const ingestCred = store.add({ kind: 'service', role: 'ingest' });
    const agentCred = store.add({ kind: 'agent', host: 'box' });
    const config = encodePayload('agentConfig', { v: 1, ts: Date.now(), checks: [], devices: [device('sw', snmpd.host, snmpd.port, { version: '2c', community: snmpd.community })] });
    let broker: BrokerHandle = await startTestBroker({ allowAnonymous: false }, { authenticator: auth });
    const port = Number(new URL(broker.url).port);
    const agent = await startAgent(
      Value.Default(AgentConfig, { broker: broker.url, host: 'box', username: agentCred.username, password: agentCred.password, serverWait: 0, interval: 60, reconnectMin: 0.1, reconnectMax: 0.5 }) as AgentConfig,
      { prefix: 'vigie', services: false, diagnostics: false, collectors: [], checks: false, random: () => 0.999, deviceTimers: quickPolls },
    );
    const clients: Array<{ end(force: boolean): unknown }> = [];
    try {
      /** Connects with the ingest's credentials and records what it sees of the device. */
      const watch = async (clientId: string) => {
        const client = await connectClient(broker.url, { ...ingestCred, clientId });
        clients.push(client);
        const got: string[] = [];
        client.on('message', (topic, payload) => payload.length > 0 && got.push(topic.split('/')[2]!));
        await client.subscribeAsync('vigie/sw/#', { qos: 1 });
        return { client, got };
      };
      let ingest = await watch('ingest-1');
      await ingest.client.publishAsync('vigie/box/config', config, { qos: 1, retain: true });
      await waitFor('the device polled', () => ingest.got.filter((k) => k === 'metrics').length >= 2, 20_000);

      // The broker restarts: retained messages and the poller's rights are gone; the poller polls on.
      ingest.client.end(true);
      await broker.close();
      broker = await startTestBroker({ allowAnonymous: false, port }, { authenticator: auth });
      await waitFor('the agent reconnected', () => agent.stats().connected, 20_000);
      ingest = await watch('ingest-2');
      const polls = agent.stats().devices.polls;
      await waitFor('several polls since the restart', () => agent.stats().devices.polls >= polls + 4, 20_000);
      assert.is(broker.stats().refused, 0, 'nothing the poller sent was refused');
      assert.equal(ingest.got, [], 'nothing published for the device without a configuration');
      assert.ok(agent.stats().connected);

      // The ingest publishes the configuration again (as on its `subscribed`): the device comes back.
      await ingest.client.publishAsync('vigie/box/config', config, { qos: 1, retain: true });
      await waitFor('status, info and metrics again', () => ['status', 'info', 'metrics'].every((k) => ingest.got.includes(k)), 20_000);
      assert.is(broker.stats().refused, 0);
    } finally {
      for (const c of clients) c.end(true);
      await agent.close();
      await broker.close();
      auth.close();
      db.close();
      dir.remove();
      await snmpd.close();
    }
  });
}

test.run();
