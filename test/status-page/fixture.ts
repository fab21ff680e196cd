/**
 * The real `vigie up` wiring for the status page suites: an admin, an
 * operator of the "Lab" group, an operator of another group, a viewer of Lab,
 * and a host `web-1` that is an agent on the broker with a known address and
 * metrics (the secrets a public page must never show).
 */
import type { MqttClient } from 'mqtt';
import { encodePayload, type PayloadByKind } from '../../protocol/payloads.js';
import { createTopics, type HostTopicKind } from '../../protocol/topics.js';
import { ApiClient } from '../helpers/api-client.js';
import { waitFor } from '../helpers/env.js';
import { connectClient } from '../helpers/mqtt.js';
import { addCredentials, addUser, startTestStack, type TestStack } from '../helpers/stack.js';
import { infoPayload, metricsPayload, statusPayload } from '../dashboard/stack.js';

export const HOST = 'web-1';
export const HOST_LABEL = 'Web front';
/** In web-1's info: must never reach a public page. */
export const HOST_IP = '10.77.31.9';
/** web-1's CPU usage: a metric value that must never reach a public page. */
export const CPU = 37.123;

export interface StatusFixture {
  up: TestStack;
  url: string;
  admin: ApiClient;
  operator: ApiClient;
  outsider: ApiClient;
  viewer: ApiClient;
  groupId: number;
  otherGroupId: number;
  agent: MqttClient;
  publish<K extends HostTopicKind>(kind: K, payload: PayloadByKind[K]): Promise<void>;
  close(): Promise<void>;
}

/** `set`: config overrides (a longer raw retention lets a test publish results of past days). */
export async function startStatusFixture(set: Record<string, string> = {}): Promise<StatusFixture> {
  const up = await startTestStack('up', { set });
  const url = up.httpUrl;
  const users = {
    admin: await addUser(up.dataDir, 'admin', 'admin'),
    operator: await addUser(up.dataDir, 'olga', 'operator'),
    outsider: await addUser(up.dataDir, 'oscar', 'operator'),
    viewer: await addUser(up.dataDir, 'victor', 'viewer'),
  };
  const admin = await ApiClient.signIn(url, users.admin.name, users.admin.password);
  const group = (await admin.send<{ id: number }>('POST', '/api/groups', { name: 'Lab' })).data;
  const other = (await admin.send<{ id: number }>('POST', '/api/groups', { name: 'Elsewhere' })).data;
  await admin.send('PATCH', `/api/groups/${group.id}`, { members: [users.operator.id, users.viewer.id] }).then((a) => a.data);
  await admin.send('PATCH', `/api/groups/${other.id}`, { members: [users.outsider.id] }).then((a) => a.data);

  const topics = createTopics(up.config.mqtt.prefix);
  const creds = addCredentials(up.dataDir, { kind: 'agent', host: HOST });
  const agent = await connectClient(up.mqttUrl, { ...creds, clientId: `agent-${HOST}-${process.pid}` });
  const publish = <K extends HostTopicKind>(kind: K, payload: PayloadByKind[K]): Promise<void> =>
    new Promise((resolve, reject) => {
      agent.publish(topics.host(HOST, kind), encodePayload(kind, payload), { qos: 1, retain: kind !== 'metrics' }, (e) => (e ? reject(e) : resolve()));
    });
  await publish('status', { ...statusPayload(), interval: 60 });
  await publish('info', { ...infoPayload(HOST), addresses: [{ iface: 'eth0', ip4: HOST_IP }] });
  await publish('metrics', { ...metricsPayload(CPU), cpu: { usage: CPU, load1: 0.5, load5: 0.4, load15: 0.3, iowait: 1 } });
  await waitFor('web-1 online in the ingest', () => up.stack.ingest!.listHosts().find((h) => h.id === HOST && h.presence === 'online' && h.latest));
  await admin.send('PUT', `/api/hosts/${HOST}/access`, { owner: null, groups: [group.id] }).then((a) => a.data);
  await admin.send('PATCH', `/api/hosts/${HOST}`, { label: HOST_LABEL }).then((a) => a.data);

  return {
    up,
    url,
    admin,
    operator: await ApiClient.signIn(url, users.operator.name, users.operator.password),
    outsider: await ApiClient.signIn(url, users.outsider.name, users.outsider.password),
    viewer: await ApiClient.signIn(url, users.viewer.name, users.viewer.password),
    groupId: group.id,
    otherGroupId: other.id,
    agent,
    publish,
    close: async () => {
      agent.end(true);
      await up.close();
    },
  };
}
