/**
 * Failed MQTT logins are throttled per username and per address, with the
 * dashboard's back-off (issue 10, item 5), on a real broker and accounts.db.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor } from '../helpers/env.js';
import { closed, startAuthRig } from './rig.js';

const BAD = /Bad username or password/;
const THROTTLED = /Not authorized/;

test('after a burst of wrong passwords the right one does not work at once; it does once the lock ends', async () => {
  const rig = await startAuthRig({ loginThrottle: { slowAfter: 3, lockAfter: 6, lockMinutes: 0.1, addressFailures: 1000 } });
  try {
    const creds = rig.store.add({ kind: 'agent', host: 't1' });
    const answers: string[] = [];
    for (let i = 0; i < 60; i++) answers.push(await rig.refusal({ username: creds.username, password: `wrong-${i}` }));
    assert.equal(answers.slice(0, 3).map((a) => BAD.test(a)), [true, true, true], 'the first failures are answered as such');
    // Then slowed (1 s, 2 s… between checked attempts), locked after 6: at most 6 passwords were ever checked.
    assert.ok(answers.filter((a) => BAD.test(a)).length <= 6, 'at most lockAfter passwords checked');
    assert.ok(answers.every((a) => BAD.test(a) || THROTTLED.test(a)));
    assert.match(await rig.refusal({ clientId: 'vigie-agent-t1', ...creds }), THROTTLED, 'even the right password');
    const stats = rig.broker.stats();
    assert.ok(stats.throttledLogins >= 54, `${stats.throttledLogins} throttled`);
    assert.ok(rig.logged.some((l) => /too many failed logins/.test(String(l.msg)) && l.username === creds.username && l.remote === '127.0.0.1'), 'logged with who and from where');
    assert.ok(rig.logged.filter((l) => /too many failed logins/.test(String(l.msg))).length < 5, 'rate limited');
    // The lock (lockMinutes 0.1 = 6 s) ends: the right password works again.
    await waitFor('the lock to end', async () => (await rig.refusal({ clientId: 'vigie-agent-t1', ...creds })) === 'connected', 10_000, 250);
  } finally {
    await rig.close();
  }
});

test('failures from one address on many usernames block the address', async () => {
  const rig = await startAuthRig({ loginThrottle: { slowAfter: 100, lockAfter: 100, lockMinutes: 15, addressFailures: 5 } });
  try {
    const good = rig.store.add({ kind: 'agent', host: 't2' });
    for (let i = 0; i < 5; i++) assert.match(await rig.refusal({ username: `agent:guess${i}`, password: 'x' }), BAD);
    assert.match(await rig.refusal({ clientId: 'vigie-agent-t2', ...good }), THROTTLED);
  } finally {
    await rig.close();
  }
});

test('a revoked or rotated password retried for ever is refused without locking the name: the new one works at once', async () => {
  const rig = await startAuthRig({ loginThrottle: { slowAfter: 2, lockAfter: 3, lockMinutes: 15, addressFailures: 5 } });
  try {
    const old = rig.store.add({ kind: 'agent', host: 't3' });
    const agent = await rig.connect({ clientId: 'vigie-agent-t3', reconnectPeriod: 0, ...old });
    const cut = closed(agent);
    const fresh = rig.store.add({ kind: 'agent', host: 't3' }); // rotation
    rig.auth.notifyChanged();
    await cut;
    for (let i = 0; i < 20; i++) assert.match(await rig.refusal({ clientId: 'vigie-agent-t3', ...old }), BAD);
    assert.is(await rig.refusal({ clientId: 'vigie-agent-t3', ...fresh }), 'connected');
    assert.is(rig.broker.stats().throttledLogins, 0);
  } finally {
    await rig.close();
  }
});

test("credentials of this process (vigie up's own ingest) cannot be locked out by someone guessing their name", async () => {
  const rig = await startAuthRig({ loginThrottle: { slowAfter: 1, lockAfter: 2, lockMinutes: 15, addressFailures: 3 } });
  try {
    const own = rig.auth.addLocal('ingest', { kind: 'service', role: 'ingest' });
    for (let i = 0; i < 10; i++) await rig.refusal({ username: own.username, password: `guess-${i}` });
    assert.match(await rig.refusal({ username: own.username, password: 'still-wrong' }), THROTTLED);
    assert.is(await rig.refusal({ clientId: 'vigie-ingest', ...own }), 'connected');
  } finally {
    await rig.close();
  }
});

test.run();
