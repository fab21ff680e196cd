/**
 * Containers end to end on the real `vigie up` wiring: its local agent reads
 * podman's Docker Engine API (test/helpers/podman.ts); the container series
 * are stored and served by the history API, and the three container alerts
 * fire: stopped (seen running, exited 4), unhealthy, restart loop; /metrics
 * serves them to Prometheus (promtool-clean).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ApiClient } from '../../helpers/api-client.js';
import { waitFor } from '../../helpers/env.js';
import { havePodman, startPodman, type PodmanService } from '../../helpers/podman.js';
import { assertPromtoolClean, parseExposition, seriesValue } from '../../helpers/prometheus.js';
import { adminClient, startTestStack, type TestStack } from '../../helpers/stack.js';

if (havePodman()) {
  let svc: PodmanService;
  let s: TestStack;
  let admin: ApiClient;

  test.before(async () => {
    svc = await startPodman();
    await svc.start({ name: 'web', cmd: ['/bin/sh', '-c', 'while :; do :; done'], hostConfig: { Memory: 32 * 1024 * 1024 } });
    await svc.start({ name: 'sick', cmd: ['/bin/sleep', 'infinity'], healthcheck: { Test: ['CMD-SHELL', 'test -e /healthy'], Interval: 3_600_000_000_000, Retries: 1 } });
    s = await startTestStack('up', { set: { 'agent.host': 'the-box', 'agent.containers.socket': svc.socket, 'agent.containers.enabled': 'on' } });
    admin = await adminClient(s.httpUrl, s.dataDir);
  });
  test.after(async () => {
    await s?.close();
    await svc?.stop();
  });

  test('container series are stored and served by the history API', async () => {
    await waitFor('container series of web', async () => {
      const series = (await admin.get<{ metric: string; key: string }[]>('/api/hosts/the-box/series')).data;
      const names = new Set(series.filter((x) => x.key === 'web').map((x) => x.metric));
      return ['container.cpu', 'container.mem', 'container.up', 'container.restarts'].every((m) => names.has(m));
    }, 30_000, 250);
    const h = (await admin.get<{ points: { v?: number; avg?: number; value?: number }[] }>('/api/hosts/the-box/history?metric=container.mem&key=web&range=1h')).data;
    assert.ok(h.points.length > 0, 'memory points stored');
    const up = (await admin.get<{ points: unknown[] }>('/api/hosts/the-box/history?metric=container.up&key=sick&range=1h')).data;
    assert.ok(up.points.length > 0);
  });

  test('stopped, unhealthy and restart-loop alerts fire from what the agent reports', async () => {
    const put = await admin.send('PUT', '/api/alert-settings', { defaults: { containers: { for: 0, restarts: 2, restartMinutes: 10 } }, hosts: {} });
    assert.is(put.status, 200, JSON.stringify(put.body));
    // Seen running for a few samples (1 s interval), then exits 4.
    await svc.start({ name: 'crash', cmd: ['/bin/sh', '-c', 'sleep 4; exit 4'] });
    await svc.start({ name: 'loop', cmd: ['/bin/sh', '-c', 'sleep 0.3; exit 1'], hostConfig: { RestartPolicy: { Name: 'always' } } });
    assert.is(await svc.healthcheck('sick'), 'unhealthy');
    type View = { rule: string; severity: string; title: string; advice: string; state: string };
    const firing = await waitFor('the three container alerts', async () => {
      const list = (await admin.get<View[]>('/api/alerts?state=firing&host=the-box')).data;
      const rules = new Set(list.map((a) => a.rule));
      return ['container:crash', 'container_health:sick', 'container_restarts:loop'].every((r) => rules.has(r)) ? list : null;
    }, 40_000, 250).catch(async (e: Error) => {
      const list = (await admin.get<View[]>('/api/alerts?host=the-box')).data;
      throw new Error(`${e.message}; alerts: ${JSON.stringify(list.map((a) => [a.rule, a.state]))}`);
    });
    const crash = firing.find((a) => a.rule === 'container:crash')!;
    assert.is(crash.severity, 'critical');
    assert.match(crash.title, /Container crash stopped, exit code 4/);
    assert.match(crash.advice, /docker logs --tail 50 crash/);
    assert.is(firing.find((a) => a.rule === 'container_health:sick')!.severity, 'warning');
    assert.is(firing.find((a) => a.rule === 'container_restarts:loop')!.severity, 'critical');
    assert.ok(!firing.some((a) => a.rule === 'container:web'), 'a running container does not alert');
  });

  test('/metrics serves the containers to Prometheus: up, health, memory limit, restarts; promtool finds nothing to say', async () => {
    const token = (await admin.send<{ secret: string }>('POST', '/api/tokens', { name: 'prometheus', scope: 'read' })).data.secret;
    const body = await waitFor('container series on /metrics', async () => {
      const text = await (await fetch(`${s.httpUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
      return /vigie_container_healthy\{[^}]*container="sick"[^}]*\} 0/.test(text) && /vigie_container_restarts_total\{[^}]*container="loop"/.test(text) ? text : null;
    }, 30_000, 250);
    const series = parseExposition(body);
    const web = { host: 'the-box', container: 'web' };
    assert.is(seriesValue(series, 'vigie_container_up', { ...web, state: 'running' }), 1);
    assert.is(seriesValue(series, 'vigie_container_memory_limit_bytes', web), 32 * 1024 * 1024);
    assert.ok(seriesValue(series, 'vigie_container_memory_used_bytes', web) > 0);
    assert.ok(seriesValue(series, 'vigie_container_cpu_usage_cores', web) > 0.05, 'the busy loop shows');
    assert.is(seriesValue(series, 'vigie_container_healthy', { host: 'the-box', container: 'sick' }), 0);
    assert.ok(seriesValue(series, 'vigie_container_restarts_total', { host: 'the-box', container: 'loop' }) >= 2);
    assertPromtoolClean(body);
  });
}

test.run();
