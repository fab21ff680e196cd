/**
 * An SNMP device is a host in GET /metrics too (issue 15, item 2): a real
 * snmpd polled by the box's agent (the SNMP rig of snmp-stack.ts) shows up
 * as vigie_host_up 1 with its interfaces' series, equal to its latest
 * sample.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor } from '../helpers/env.js';
import { haveSnmpd, startSnmpd, type Snmpd } from '../helpers/snmpd.js';
import { call, DEADLINE_MS, deviceBody, startSnmpStack, type SnmpStack } from './snmp-stack.js';

const ID = 'lab-switch';

if (haveSnmpd()) {
  let snmpd: Snmpd;
  let s: SnmpStack;
  let token: string;

  test.before(async () => {
    snmpd = await startSnmpd();
    s = await startSnmpStack();
    token = (await s.admin.send<{ secret: string }>('POST', '/api/tokens', { name: 'prometheus', scope: 'read' })).data.secret;
  });

  test.after(async () => {
    await s?.close();
    await snmpd?.close();
  });

  test('the device\'s up, uptime and interface series match its latest sample', async () => {
    const created = await call(s, s.admin, 'POST', '/api/devices', deviceBody(snmpd, ID, { version: '2c', community: snmpd.community }));
    assert.is(created.status, 201, JSON.stringify(created.body));
    const ingest = s.up.stack.ingest!;
    await waitFor('the device polled', () => ingest.getHost(ID)?.presence === 'online' && ingest.getHost(ID)?.latest?.net?.length, DEADLINE_MS, 200);
    // Polls every 10 s: scrape until no sample arrived during the scrape.
    const { latest, body } = await waitFor('a scrape between two polls', async () => {
      const before = ingest.getHost(ID)!.latest!;
      const text = await (await fetch(`${s.up.httpUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
      return ingest.getHost(ID)!.latest!.ts === before.ts ? { latest: before, body: text } : null;
    }, DEADLINE_MS);
    assert.match(body, new RegExp(`^vigie_host_up\\{host="${ID}"\\} 1$`, 'm'));
    if (latest.uptime !== undefined) assert.match(body, new RegExp(`^vigie_host_uptime_seconds\\{host="${ID}"\\} ${latest.uptime}$`, 'm'));
    for (const n of latest.net!) {
      const labels = `host="${ID}",iface="${n.iface.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
      assert.ok(body.includes(`vigie_host_network_receive_bytes_per_second{${labels}} ${n.rxRate}\n`), `rx rate of ${n.iface}`);
      if (n.oper) assert.ok(body.includes(`vigie_host_network_oper_up{${labels}} ${n.oper === 'up' ? 1 : 0}\n`), `oper state of ${n.iface}`);
    }
  });

  test.run();
}
