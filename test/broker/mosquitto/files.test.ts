/**
 * The Mosquitto files `vigie mosquitto` writes (issue 15). The ACL file must
 * say what broker/acl.ts says: every (identity, topic) pair below is judged by
 * acl.ts and by the generated ACL file read with Mosquitto 2.0's rules (deny
 * lines first, then grants; `read` covers subscribing and receiving), and the
 * two verdicts must agree. test/integration/mosquitto.test.ts runs the same
 * file in a real mosquitto.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CredentialInfo } from '../../../accounts/mqtt-credentials.js';
import { canReceive, canSubscribe, publishVerdict, type Principal } from '../../../broker/acl.js';
import { aclFile, mosquittoConf, passwordFile } from '../../../broker/mosquitto/files.js';
import { mosquittoHash } from '../../../broker/mosquitto/password-hash.js';
import { createTopics } from '../../../protocol/topics.js';

const topics = createTopics('vigie');
const cred = (username: string, principal: Principal, extra: Partial<CredentialInfo> = {}): CredentialInfo =>
  ({ username, principal, createdAt: 1, revokedAt: null, mosquittoHash: mosquittoHash('x'), ...extra });
const CREDENTIALS: CredentialInfo[] = [
  cred('agent-web1', { kind: 'agent', host: 'web1' }),
  cred('agent-web2', { kind: 'agent', host: 'web2' }),
  // An agent enrolled under the name of a device another agent polls.
  cred('agent-sw1', { kind: 'agent', host: 'sw1' }),
  cred('service-ingest', { kind: 'service', role: 'ingest' }),
  cred('service-ha', { kind: 'service', role: 'reader' }),
  cred('agent-gone', { kind: 'agent', host: 'gone' }, { revokedAt: 5 }),
  cred('agent-old', { kind: 'agent', host: 'old' }, { mosquittoHash: null }),
];
const DEVICES = [{ id: 'sw1', poller: 'web1' }];
const pollers = {
  pollerOf: (device: string) => DEVICES.find((d) => d.id === device)?.poller,
  rightOf: (poller: string, device: string) => (DEVICES.some((d) => d.id === device && d.poller === poller) ? ('assigned' as const) : ('none' as const)),
};
const foreign = { haPrefix: 'homeassistant' };

/** MQTT topic matching [MQTT-4.7]: `+` one level, `#` the rest. */
function matches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** The rules of `user` in an ACL file, as Mosquitto 2.0 applies them (mosquitto.conf(5), acl_file). */
function mosquittoAllows(acl: string, user: string, access: 'read' | 'write', topic: string): boolean {
  const lines: string[][] = [];
  let current: string | null = null;
  for (const line of acl.split('\n')) {
    if (line.startsWith('user ')) current = line.slice(5);
    else if (line.startsWith('topic ') && current === user) lines.push(line.split(' ').slice(1));
  }
  if (lines.some(([kind, filter]) => kind === 'deny' && matches(filter!, topic))) return false;
  return lines.some(([kind, filter]) => (kind === access || kind === 'readwrite') && matches(filter!, topic));
}

const HOSTS = ['web1', 'web2', 'sw1', 'other'];
const KINDS = ['status', 'info', 'metrics', 'services', 'stored', 'config', 'alerts/cpu', 'cmd/req/1', 'cmd/res/1', 'run/req/1', 'run/res/1', 'checks/ping-1'];
const TOPICS = [
  ...HOSTS.flatMap((h) => KINDS.map((k) => `vigie/${h}/${k}`)),
  'vigie/_server/summary', 'homeassistant/status', 'homeassistant/sensor/web1/cpu/config', 'elsewhere/x',
];

/** What Aedes lets `who` receive on `topic`: through some filter it may subscribe to, and past canReceive. */
function aedesReads(who: Principal, topic: string): boolean {
  const host = topic.split('/')[1] ?? '';
  const filters = ['vigie/#', 'homeassistant/#', topic, `vigie/${host}/cmd/req/+`, `vigie/${host}/run/req/+`];
  return filters.some((f) => matches(f, topic) && canSubscribe(topics, who, f, foreign)) && canReceive(topics, who, topic);
}

test('the ACL file and broker/acl.ts agree on every identity and topic', () => {
  const acl = aclFile({ prefix: 'vigie', haPrefix: 'homeassistant', credentials: CREDENTIALS, devices: DEVICES });
  const disagreements: string[] = [];
  for (const c of CREDENTIALS.filter((x) => x.revokedAt === null)) {
    for (const topic of TOPICS) {
      const aedesWrite = publishVerdict(topics, c.principal, topic, pollers, foreign) !== 'deny';
      if (aedesWrite !== mosquittoAllows(acl, c.username, 'write', topic)) disagreements.push(`${c.username} write ${topic}: acl.ts ${aedesWrite}`);
      const read = aedesReads(c.principal, topic);
      if (read !== mosquittoAllows(acl, c.username, 'read', topic)) disagreements.push(`${c.username} read ${topic}: acl.ts ${read}`);
    }
  }
  assert.equal(disagreements, []);
  // The checks above can fail: a few verdicts spelled out.
  assert.ok(mosquittoAllows(acl, 'agent-web1', 'write', 'vigie/sw1/metrics'), 'a poller writes its device');
  assert.not.ok(mosquittoAllows(acl, 'agent-sw1', 'write', 'vigie/sw1/status'), 'a device id is its poller\'s');
  assert.not.ok(mosquittoAllows(acl, 'service-ha', 'read', 'vigie/web1/config'), 'a reader never gets a config');
  assert.ok(mosquittoAllows(acl, 'service-ha', 'write', 'homeassistant/status'), 'Home Assistant\'s birth message');
  assert.ok(mosquittoAllows(acl, 'service-ingest', 'write', 'vigie/web1/status'), 'the ingest clears a removed host');
  assert.not.ok(acl.includes('agent-gone'), 'revoked credentials have no rights');
});

test('the password file holds the active credentials with a hash and lists those without', () => {
  const p = passwordFile(CREDENTIALS);
  assert.equal(p.text.trim().split('\n').map((l) => l.split(':')[0]), ['agent-web1', 'agent-web2', 'agent-sw1', 'service-ingest', 'service-ha']);
  assert.ok(p.text.split('\n').filter(Boolean).every((l) => /^[a-z0-9.-]+:\$7\$101\$/.test(l)));
  assert.equal(p.missing, ['agent-old']);
});

test('mosquitto.conf is tuned from the broker config', () => {
  const conf = mosquittoConf({ dir: '/etc/vigie-mosquitto', host: '0.0.0.0', port: 1883, maxInflightMessages: 1000, sessionQueue: { maxMessages: 50_000, maxBytes: 33_554_432 }, maxPacketSize: 65_536, user: null });
  for (const line of [
    'per_listener_settings false', 'listener 1883 0.0.0.0', 'allow_anonymous false', 'password_file /etc/vigie-mosquitto/passwd', 'acl_file /etc/vigie-mosquitto/acl',
    'max_inflight_messages 1000', 'max_queued_messages 50000', 'max_queued_bytes 33554432', 'max_packet_size 65536', 'set_tcp_nodelay true',
    'persistence true', 'persistence_location /etc/vigie-mosquitto/data/',
  ]) assert.ok(conf.split('\n').includes(line), line);
  assert.not.ok(conf.includes('\nuser '));
});

test.run();
